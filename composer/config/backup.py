"""`newsletter backup`: the newsletter folder in one archive (.tar.gz, which keeps each file's permissions) that
`newsletter restore` (composer/restore.py) unpacks on another computer into a folder that works at once.

In it: issues/ with the photos, subscribers/ (the lists and their backups), the folder's templates/, .env, the
send state as a consistent copy taken while a send may run (composer/state folds the send's ledger log in,
then copies with SQLite's online backup), the link secret, the desk's kept addresses and conflicts, and outbox/
when asked. Left out: build/ and site/ (made again), the state's lock, log, caches and the copies migrations
keep, and the temporary files of composer/atomic.

The link secret always travels: every unsubscribe link already sent is signed with it. The passwords (every
setting held as a secret but the link secret: SMTP, IMAP, the desk's password hash) only when asked; without,
their lines in .env become comments that name them, so the restored .env says what to fill in.

The manifest (`newsletter-backup.json`, the last member) names the format, the release, the state's version,
where the secret is, and each file's size and SHA-256; restore refuses an archive that does not match it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from composer import atomic
from composer.errors import ComposerError
from composer.state import Journal
from composer.state.office import HEAD as PROTOCOL_HEAD
from composer.state.store import DATABASE as STATE_DATABASE

if TYPE_CHECKING:
    from composer.config.settings import Settings

FORMAT = 1  # raised when a release changes what an archive holds or how; an older release refuses the newer format
MANIFEST = "newsletter-backup.json"
SECRET_SETTING = "NEWSLETTER_SECRET_KEY"
STATE_KEPT = ("secret", "desk-test-addresses.txt", "desk-conflicts")  # in the state folder, besides the database
TOOL = "newsletter-composer"


class BackupError(ComposerError):
    """The archive cannot be written where asked."""


class Entry(BaseModel):
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """What restore checks an archive against; read from untrusted input, so validated whole."""

    model_config = ConfigDict(extra="ignore")

    format: int
    tool: str
    release: str | None
    created: datetime
    state: str  # the state folder inside the archive, e.g. ".newsletter"
    state_version: int
    secret: str  # the member that holds the link secret: ".env" or "<state>/secret"
    with_secrets: bool
    with_outbox: bool
    left_out: list[str]  # the settings whose lines were left out of .env
    files: dict[str, Entry]


@dataclass
class Made:
    """What `make` wrote, for the face to tell."""

    path: Path
    size: int = 0
    parts: list[str] = field(default_factory=list)  # what went in, in words: "issues", "lists", ...
    files: int = 0
    left_out: list[str] = field(default_factory=list)
    secret_from_environment: bool = False


def release() -> str | None:
    """The installed release; None when run from a checkout that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(TOOL)
    except PackageNotFoundError:
        return None


def password_settings() -> list[str]:
    """The settings left out unless asked: every one held as a secret, except the link secret."""
    from composer.config.settings import Settings

    return [f"NEWSLETTER_{name.upper()}" for name, info in Settings.model_fields.items()
            if name != "secret_key" and SecretStr in (info.annotation, *getattr(info.annotation, "__args__", ()))]


def make(folder: Path, target: Path, settings: Settings, secret: bytes, *, with_secrets: bool = False,
         with_outbox: bool = False, now: datetime | None = None) -> Made:
    """Writes the archive of `folder` to `target` (0600, whole: a temporary file renamed at the end). `secret` is
    the link secret in effect, wherever it came from."""
    folder = folder.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder; write the backup into a folder that exists")
    made = Made(target)
    state_dir = _within(folder, settings.state_dir)
    state_name = _relative(folder, state_dir) or ".newsletter"
    with tempfile.TemporaryDirectory(prefix="newsletter-backup-") as scratch:
        copy = Path(scratch) / STATE_DATABASE
        with Journal(state_dir) as journal:
            journal.copy_protocol_head(Path(scratch) / PROTOCOL_HEAD)  # before the copy, which holds what it names
            state_version = journal.backup_to(copy)
        env, secret_member = _env_and_secret(folder, state_dir, state_name, secret, with_secrets, made)
        members = _members(folder, settings, state_dir, state_name, copy, env, with_outbox, made)  # one file in memory at a time
        manifest = Manifest(format=FORMAT, tool=TOOL, release=release(), created=now or datetime.now(UTC),
                            state=state_name, state_version=state_version, secret=secret_member,
                            with_secrets=with_secrets, with_outbox=with_outbox, left_out=made.left_out, files={})
        with atomic.writing(target, atomic.PRIVATE) as stream, tarfile.open(fileobj=stream, mode="w:gz") as tar:
            for name, mode, mtime, data in members:
                if data is None:
                    tar.addfile(_info(name, tarfile.DIRTYPE, mode, mtime, 0))
                elif isinstance(data, Path):  # the state's copy: read as it streams, never changed meanwhile
                    with data.open("rb") as content:
                        digest = hashlib.file_digest(content, "sha256").hexdigest()
                        content.seek(0)
                        size = os.fstat(content.fileno()).st_size
                        tar.addfile(_info(name, tarfile.REGTYPE, mode, mtime, size), content)
                    manifest.files[name] = Entry(size=size, sha256=digest)
                else:
                    tar.addfile(_info(name, tarfile.REGTYPE, mode, mtime, len(data)), io.BytesIO(data))
                    manifest.files[name] = Entry(size=len(data), sha256=hashlib.sha256(data).hexdigest())
            text = manifest.model_dump_json(indent=1).encode()
            tar.addfile(_info(MANIFEST, tarfile.REGTYPE, 0o600, manifest.created.timestamp(), len(text)), io.BytesIO(text))
    made.files = len(manifest.files)
    made.size = target.stat().st_size
    return made


Member = tuple[str, int, float, "bytes | Path | None"]  # name, mode, mtime, content (a file that holds it; None: a folder)


def _members(folder: Path, settings: Settings, state_dir: Path, state_name: str, copy: Path, env: bytes | None,
             with_outbox: bool, made: Made) -> Iterator[Member]:
    """Every member but the manifest, folders before what they hold; private files keep no bits for others."""
    for name, part in (("issues", "issues"), ("subscribers", "lists")):
        if (folder / name).is_dir():
            made.parts.append(part)
            yield from _tree(folder / name, name, private=name == "subscribers")
    templates = _relative(folder, _within(folder, settings.templates_dir))
    if templates and (folder / templates).is_dir():
        made.parts.append("templates")
        yield from _tree(folder / templates, templates, private=False)
    if (folder / ".gitignore").is_file():
        yield from _file(folder / ".gitignore", ".gitignore", private=False)
    if env is not None:
        made.parts.append(".env")
        yield ".env", 0o600, _mtime(folder / ".env"), env
    made.parts.append("send state")
    yield state_name, 0o700, _mtime(state_dir), None
    yield f"{state_name}/{STATE_DATABASE}", 0o600, _mtime(copy), copy
    yield from _file(copy.with_name(PROTOCOL_HEAD), f"{state_name}/{PROTOCOL_HEAD}", private=True)
    for name in STATE_KEPT:
        path = state_dir / name
        if path.is_dir():
            yield from _tree(path, f"{state_name}/{name}", private=True)
        elif path.is_file():
            yield from _file(path, f"{state_name}/{name}", private=True)
    made.parts.append("link secret")
    outbox = _relative(folder, _within(folder, settings.outbox_dir))
    if with_outbox and outbox and (folder / outbox).is_dir():
        made.parts.append("outbox")
        yield from _tree(folder / outbox, outbox, private=True)


def _tree(top: Path, name: str, private: bool) -> Iterator[Member]:
    """A folder and everything below it, each with its own mode (a private file's without bits for others),
    without links to folders (they may lead anywhere) and without the temporary files of composer/atomic; a file
    that vanishes meanwhile is left out."""
    for here, folders, files in os.walk(top):
        folders.sort()
        where = Path(here)
        inside = where.relative_to(top).as_posix()
        prefix = name if inside == "." else f"{name}/{inside}"
        try:
            mode = stat.S_IMODE(where.stat().st_mode)
        except FileNotFoundError:
            continue
        yield prefix, mode | 0o700, _mtime(where), None
        for file in sorted(files):
            if not atomic.temporary_name(where / file):
                yield from _file(where / file, f"{prefix}/{file}", private)


def _file(path: Path, name: str, private: bool) -> Iterator[Member]:
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            return
        data = path.read_bytes()
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(status.st_mode)
    yield name, (mode & 0o700 if private else mode) | 0o600, status.st_mtime, data


def _env_and_secret(folder: Path, state_dir: Path, state_name: str, secret: bytes, with_secrets: bool,
                    made: Made) -> tuple[bytes | None, str]:
    """The .env to archive (passwords left out unless asked) and the member that holds the link secret: .env when
    the secret is set there, the state's `secret` file when it is the one kept there; a secret from the environment
    (or given at start) is written into the archived .env, where the restored folder reads it."""
    from dotenv.parser import parse_stream

    path = folder / ".env"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    leave_out = set() if with_secrets else set(password_settings())
    kept, in_env = [], False
    for binding in parse_stream(io.StringIO(text)):
        original, key = binding.original.string, (binding.key or "").upper()
        lead = original[: len(original) - len(original.lstrip())]
        if key in leave_out:
            original = f"{lead}# {key}=  (left out of the backup: fill it in)\n"
            made.left_out.append(key)
        elif key == "NEWSLETTER_STATE_DIR" and _relative(folder, state_dir) is None:
            original = f"{lead}# {key}=  (the state was outside the folder; the backup keeps it in {state_name}/)\n"
        elif key == SECRET_SETTING and binding.value is not None:
            if binding.value.encode() != secret:
                continue  # overridden by the environment here; the line below takes its place
            in_env = True
        kept.append(original)
    stored = state_dir / "secret"
    if in_env:
        return "".join(kept).encode(), ".env"
    if stored.is_file() and stored.read_bytes().strip() == secret:
        return ("".join(kept).encode() if path.is_file() else None), f"{state_name}/secret"
    made.secret_from_environment = True
    body = "".join(kept)
    body += ("" if not body or body.endswith("\n") else "\n") + f"{SECRET_SETTING}={_quoted(secret.decode())}\n"
    return body.encode(), ".env"


def _quoted(value: str) -> str:
    """A value as python-dotenv reads it back unchanged: plain when it can be, else in double quotes."""
    if re.fullmatch(r"[A-Za-z0-9._~+/=:@-]+", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _info(name: str, kind: bytes, mode: int, mtime: float, size: int) -> tarfile.TarInfo:
    """A member that names no user or group of this computer."""
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.size = kind, mode, int(mtime), size
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return datetime.now(UTC).timestamp()


def _within(folder: Path, path: Path) -> Path:
    return path if path.is_absolute() else folder / path


def _relative(folder: Path, path: Path) -> str | None:
    """The path inside the folder, as an archive names it; None for one outside it."""
    try:
        relative = path.resolve().relative_to(folder)
    except ValueError:
        return None
    return relative.as_posix() if relative.parts else None
