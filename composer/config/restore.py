"""`newsletter restore`: an archive of `newsletter backup` (composer/backup.py) unpacked into a new folder that
works at once: `status` as before, a send resuming where it stood, the unsubscribe links already sent valid.

The archive is untrusted input: it is checked whole before anything is written, bounded in size and in
members; only plain files and folders inside the new folder are taken (no links, no `..`, no absolute paths,
nothing the manifest does not list); every file must match its size and SHA-256. It is unpacked into a hidden
folder beside the new one and renamed into place at the end, so a failure leaves nothing half restored."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from composer.config.backup import FORMAT, MANIFEST, SECRET_SETTING, STATE_DATABASE, Manifest, release
from composer.errors import ComposerError, StateError
from composer.state import Journal
from composer.state.migrations import LATEST

MAX_BYTES = 8 << 30  # what the members may hold together, unpacked
MAX_MEMBERS = 200_000
MAX_MANIFEST = 64 << 20


class RestoreError(ComposerError):
    """The archive is refused, or the folder to restore into is not a new one."""


@dataclass(frozen=True)
class Restored:
    folder: Path
    files: int
    manifest: Manifest


def restore(archive: Path, target: Path, *, max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS) -> Restored:
    """Unpacks `archive` into `target`, a folder that must not exist yet or be empty."""
    target = target.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise RestoreError(f"{target}: not empty; restore into a new folder (it is made) or an empty one")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = _checked_members(tar, archive, max_bytes, max_members)
            manifest = _manifest(tar, members, archive)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))
            try:
                _unpack(tar, members, staging)
                _verify(staging, manifest, archive)
                _settle(staging, manifest)
                os.replace(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except FileNotFoundError:
        raise RestoreError(f"{archive}: no such file") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RestoreError(f"{archive}: damaged or not a newsletter backup ({exc or type(exc).__name__}); "
                           "nothing was restored") from None
    return Restored(target, len(manifest.files), manifest)


def _checked_members(tar: tarfile.TarFile, archive: Path, max_bytes: int, max_members: int) -> dict[str, tarfile.TarInfo]:
    """Every member, read one header at a time, refused at the first that is no plain file or folder inside the
    archive, repeats a name, or passes the bounds (before its content is read)."""
    members: dict[str, tarfile.TarInfo] = {}
    total = 0
    while (member := tar.next()) is not None:
        name = _safe_name(member.name)
        if name is None:
            raise RestoreError(f"{archive}: refused: the member {member.name!r} would land outside the new folder")
        if not (member.isreg() or member.isdir()):
            what = "a link" if member.issym() or member.islnk() else "a special file"
            raise RestoreError(f"{archive}: refused: the member {member.name!r} is {what}; a backup holds only files and folders")
        if name in members:
            raise RestoreError(f"{archive}: refused: the member {name!r} is in it twice")
        total += member.size
        if len(members) >= max_members or total > max_bytes:
            raise RestoreError(f"{archive}: refused: it holds more than a newsletter backup can "
                               f"({max_members} members, {max_bytes >> 20} MB unpacked)")
        members[name] = member
    return members


def _safe_name(name: str) -> str | None:
    """The member's name as a plain relative path, or None for one that is absolute or climbs out with `..`."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    parts = [part for part in PurePosixPath(name).parts if part != "."]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], archive: Path) -> Manifest:
    """The manifest, its release no newer than this one, the files it lists exactly the files in the archive,
    the link secret among them."""
    member = members.get(MANIFEST)
    if member is None or not member.isreg() or member.size > MAX_MANIFEST:
        raise RestoreError(f"{archive}: not a backup of `newsletter backup` (it has no {MANIFEST}); nothing was restored")
    stream = tar.extractfile(member)
    assert stream is not None  # a regular member always has content
    try:
        raw = json.loads(stream.read())
    except ValueError:
        raw = None
    if not isinstance(raw, dict) or not isinstance(raw.get("format"), int):
        raise RestoreError(f"{archive}: damaged: its {MANIFEST} cannot be read; nothing was restored")
    ours = release()
    theirs = raw.get("release") if isinstance(raw.get("release"), str) else None
    if (raw["format"] > FORMAT or _newer(theirs, ours)
            or (isinstance(raw.get("state_version"), int) and raw["state_version"] > LATEST)):
        raise RestoreError(f"{archive} was made by a newer release of newsletter-composer ({theirs or 'unknown'}, backup "
                           f"format {raw['format']}) than this one ({ours or 'a checkout'}, format {FORMAT}): update "
                           "newsletter-composer on this computer, then restore again; nothing was restored")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError:
        raise RestoreError(f"{archive}: damaged: its {MANIFEST} is incomplete; nothing was restored") from None
    files = {name for name, m in members.items() if m.isreg() and name != MANIFEST}
    if set(manifest.files) != files:
        strays = sorted(files ^ set(manifest.files))
        raise RestoreError(f"{archive}: damaged: {strays[0]} is {'not listed in' if strays[0] in files else 'missing from'} "
                           "its manifest; nothing was restored")
    if manifest.secret not in files or f"{manifest.state}/{STATE_DATABASE}" not in files:
        raise RestoreError(f"{archive}: refused: it holds no link secret or no send state; without the secret every "
                           "unsubscribe link already sent would stop working. Make the backup again with "
                           "`newsletter backup`; nothing was restored")
    return manifest


def _newer(theirs: str | None, ours: str | None) -> bool:
    """Whether one release is newer than another, by the numbers of its release segment (PEP 440: 0.10.1 > 0.9)."""
    if not theirs or not ours:
        return False
    return _numbers(theirs) > _numbers(ours)


def _numbers(version: str) -> tuple[int, ...]:
    found = re.match(r"\d+(?:\.\d+)*", version.strip().lstrip("vV"))
    return tuple(int(n) for n in found.group().split(".")) if found else ()


def _unpack(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], staging: Path) -> None:
    """The checked members under their checked names: folders, and files made new (never through a link) with
    their own permissions less the bits for others to write, owned by whoever restores. Done here rather than by
    `extractall`, whose safe 'data' filter the Python 3.11.2 of Debian 12 lacks."""
    for name, member in members.items():
        path = staging / name
        if name == MANIFEST:
            continue
        if member.isdir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        content = tar.extractfile(member)
        assert content is not None  # a regular member always has content
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, member.mode & 0o755 | 0o600)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(content, out)
        os.utime(path, (member.mtime, member.mtime))
    for name, member in members.items():  # last, so a folder without write permission took its files first
        if member.isdir():
            (staging / name).chmod(member.mode & 0o755 | 0o700)


def _verify(staging: Path, manifest: Manifest, archive: Path) -> None:
    """Every file as the manifest says, byte for byte, and the link secret in it."""
    for name, entry in manifest.files.items():
        with (staging / name).open("rb") as content:
            size, digest = os.fstat(content.fileno()).st_size, hashlib.file_digest(content, "sha256").hexdigest()
        if size != entry.size or digest != entry.sha256:
            raise RestoreError(f"{archive}: damaged: {name} is not what was backed up; nothing was restored")
    if not _holds_secret(staging / manifest.secret, manifest.secret == ".env"):
        raise RestoreError(f"{archive}: refused: its link secret ({manifest.secret}) is empty; without it every "
                           "unsubscribe link already sent would stop working; nothing was restored")


def _holds_secret(path: Path, env_file: bool) -> bool:
    if not env_file:
        return bool(path.read_bytes().strip())
    from dotenv import dotenv_values

    return bool({k.upper(): v for k, v in dotenv_values(path).items()}.get(SECRET_SETTING))


def _settle(staging: Path, manifest: Manifest) -> None:
    """The permissions the tool gives its own files (0700 for the state folder, 0600 for .env, the secret and
    the state), the folder itself as a new folder would be, and the state opened once: an older state is
    migrated here, and one that cannot be opened is refused before the folder appears."""
    state = staging / manifest.state
    for path in [state, *state.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    if (staging / ".env").is_file():
        (staging / ".env").chmod(0o600)
    try:
        Journal(state).close()
    except StateError as exc:
        raise RestoreError(f"the send state in the backup cannot be opened: {exc}") from None
    umask = os.umask(0o077)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)
