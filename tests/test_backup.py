"""Moving a newsletter folder: `newsletter backup` writes one archive, `newsletter restore` unpacks it into a new
folder that works at once (status, a resumed send, the unsubscribe links already sent); an archive that is not
such a backup, is damaged, climbs out of its folder or comes from a newer release is refused."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import SMTPServer
from typer.testing import CliRunner

from composer import atomic
from composer.config.backup import FORMAT, MANIFEST
from composer.cli import app
from composer.config.settings import load_settings
from composer.send.tokens import load_secret
from composer.web import create_app
from composer.web.site import site_for
from tests.deskserver import csrf_of, desk_server

runner = CliRunner()
ISSUE = "issues/2020-12.md"
SMTP_PASSWORD = "Sehr-Geheim-42"


def newsletter(folder: Path, *args: str, server: SMTPServer | None = None, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--folder", str(folder), *args], env={**(server.env() if server else {}), **env})
    return result.exit_code, result.output


def restore(archive: Path, target: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["restore", str(archive), str(target)])
    return result.exit_code, result.output


def moved(folder: Path, tmp_path: Path, *options: str) -> Path:
    """The folder backed up and restored into a new one."""
    code, output = newsletter(folder, "backup", str(tmp_path / "backup.tar.gz"), *options)
    assert code == 0, output
    code, output = restore(tmp_path / "backup.tar.gz", tmp_path / "moved")
    assert code == 0, output
    return tmp_path / "moved"


def write_list(name: str, count: int) -> list[str]:
    addresses = [f"helfer{n:04d}@example.org" for n in range(count)]
    Path(f"subscribers/{name}.csv").write_text("email;name\n" + "".join(f"{a};Helfer {n}\n" for n, a in enumerate(addresses)),
                                               encoding="utf-8")
    return addresses


def status_csv(folder: Path) -> dict[str, dict[str, str]]:
    text = newsletter(folder, "status", ISSUE, "--csv")[1].lstrip("\ufeff")
    return {row["email"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}


def rewritten(archive: Path, change: Callable[[dict[str, object], dict[str, bytes]], None], target: Path) -> Path:
    """A copy of a backup with its manifest and files changed by `change` (as a hand-made archive would be)."""
    with tarfile.open(archive, "r:gz") as tar:
        infos = {m.name: m for m in tar.getmembers()}
        files = {name: tar.extractfile(m).read() for name, m in infos.items() if m.isreg()}
    manifest = json.loads(files.pop(MANIFEST))
    change(manifest, files)
    with tarfile.open(target, "w:gz") as tar:
        for info in infos.values():
            if info.isdir():
                tar.addfile(info)
        for name, data in {**files, MANIFEST: json.dumps(manifest).encode()}.items():
            info = infos.get(name) or tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def with_member(archive: Path, info: tarfile.TarInfo, target: Path, data: bytes = b"") -> Path:
    """A copy of a backup with one more member, made by hand."""
    with tarfile.open(archive, "r:gz") as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            out.addfile(member, tar.extractfile(member) if member.isreg() else None)
        info.size = len(data) if info.isreg() else 0
        out.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return target


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- a folder that works at once ---------------------------------------------------------------------------


def test_the_restored_folder_shows_the_same_status(workdir: Path, tmp_path: Path, smtp_server: SMTPServer) -> None:
    smtp_server.handler.rcpt_replies["lena.weiss@example.org"] = ["550 5.1.1 mailbox unknown"]
    newsletter(workdir, "send", ISSUE, "--list", "volunteers", "--yes", server=smtp_server)
    newsletter(workdir, "unsubscribe", "anna.mueller@example.org")
    restored = moved(workdir, tmp_path)
    for command in (["status"], ["status", ISSUE], ["status", ISSUE, "--csv"], ["subscribers", "volunteers"]):
        assert newsletter(restored, *command) == newsletter(workdir, *command)
    assert "550 5.1.1 mailbox unknown" in newsletter(restored, "status", ISSUE)[1]


def test_an_unsubscribe_link_sent_before_the_backup_works_in_the_restored_folder(
        workdir: Path, tmp_path: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    newsletter(workdir, "send", ISSUE, "--list", "volunteers", "--yes", server=smtp_server)
    message = smtp_server.handler.messages()[0]
    token = message["List-Unsubscribe"].split("abbestellen%20")[1].rstrip(">")
    restored = moved(workdir, tmp_path)
    monkeypatch.chdir(restored)
    settings = load_settings(None)
    web = create_app(settings, load_secret(None, settings.state_dir), site_for(settings, "http://127.0.0.1"))

    async def one_click() -> httpx.Response:  # as a mail provider's server sends it (RFC 8058)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://127.0.0.1") as client:
            return await client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})

    answer = asyncio.run(one_click())
    reader = message["To"].addresses[0].addr_spec
    assert answer.status_code == 200 and answer.text == f"unsubscribed {reader}\n"
    assert newsletter(restored, "status", ISSUE)[1].count(reader) == 1  # named as unsubscribed since
    assert reader not in newsletter(workdir, "status", ISSUE)[1]


def test_a_send_stopped_midway_finishes_in_the_restored_folder_once_each(
        workdir: Path, tmp_path: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("helfer", 12)
    smtp_server.handler.mail_replies = [None] * 5 + ["451 4.3.0 daily limit reached, try again later"]
    code, output = newsletter(workdir, "send", ISSUE, "--list", "helfer", "--yes", server=smtp_server,
                              NEWSLETTER_CONCURRENCY="1")
    before = len(smtp_server.handler.received)
    assert code == 2 and 0 < before < 12, output
    restored = moved(workdir, tmp_path)
    code, output = newsletter(restored, "send", ISSUE, "--list", "helfer", "--yes", server=smtp_server)
    assert code == 0 and f"sent {12 - before}, failed 0" in output and f"{before} already sent" in output, output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}
    assert {row["status"] for row in status_csv(restored).values()} == {"sent"}


def test_the_state_is_copied_whole_while_another_process_sends(workdir: Path, tmp_path: Path, smtp_server: SMTPServer) -> None:
    """The send holds the lock all along; every message the server had received before the backup began is at
    least 'sending' in the copy (its ledger record was folded in), and nothing in the copy is half a record."""
    addresses = write_list("viele", 60)
    smtp_server.handler.delay = 0.05
    env = {**os.environ, **smtp_server.env(), "NEWSLETTER_CONCURRENCY": "1"}
    sending = subprocess.Popen([sys.executable, "-c", "from composer.cli import main; main()", "send", ISSUE, "--list",
                                "viele", "--yes"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.handler.received) < 10 and sending.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        received = set(smtp_server.handler.per_recipient())
        code, output = newsletter(workdir, "backup", str(tmp_path / "backup.tar.gz"))
        assert sending.poll() is None, "the send ended before the backup did: the test proves nothing"
    finally:
        sending.wait(60)
    assert code == 0, output
    assert restore(tmp_path / "backup.tar.gz", tmp_path / "moved")[0] == 0
    rows = status_csv(tmp_path / "moved")
    assert set(rows) == set(addresses) and len(received) >= 10
    assert all(rows[a]["status"] in ("sent", "sending") for a in received)
    assert any(row["status"] == "pending" for row in rows.values())


def test_the_restored_files_have_the_tools_permissions(workdir: Path, tmp_path: Path) -> None:
    Path(".env").write_text("NEWSLETTER_FROM_ADDRESS=kontakt@example.org\n")
    restored = moved(workdir, tmp_path)
    assert mode(tmp_path / "backup.tar.gz") == 0o600
    assert mode(restored / ".newsletter") == 0o700
    assert {name: mode(restored / name) for name in (".env", ".newsletter/state.db", ".newsletter/secret",
                                                     "subscribers/volunteers.csv")} == {
        ".env": 0o600, ".newsletter/state.db": 0o600, ".newsletter/secret": 0o600, "subscribers/volunteers.csv": 0o600}
    assert mode(restored / ISSUE) == 0o644


def test_photos_and_templates_travel_builds_temporary_files_and_the_outbox_do_not(workdir: Path, tmp_path: Path) -> None:
    Path("issues/fotos").mkdir()
    Path("issues/fotos/sommerfest.jpg").write_bytes(b"\xff\xd8 a photo")
    Path("issues/fotos/.sommerfest.jpg.tmp-0123abcd").write_bytes(b"half")
    Path("templates").mkdir()
    Path("templates/footer.mjml.j2").write_text("<mj-text>eigen</mj-text>")
    Path("build").mkdir()
    Path("build/2020-12.html").write_text("<html>")
    Path("outbox").mkdir()
    Path("outbox/anna.eml").write_text("Subject: x\n")
    restored = moved(workdir, tmp_path)
    assert (restored / "issues/fotos/sommerfest.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert (restored / "templates/footer.mjml.j2").read_text() == "<mj-text>eigen</mj-text>"
    assert not (restored / "issues/fotos/.sommerfest.jpg.tmp-0123abcd").exists()
    assert not (restored / "build").exists() and not (restored / "outbox").exists()
    (tmp_path / "again").mkdir()
    again = moved(workdir, tmp_path / "again", "--with-outbox")
    assert (again / "outbox/anna.eml").read_text() == "Subject: x\n"


def test_a_state_kept_outside_the_folder_comes_back_inside_it(workdir: Path, tmp_path: Path,
                                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    Path(".env").write_text(f"NEWSLETTER_STATE_DIR={tmp_path_factory.mktemp('anderswo')}\n")
    newsletter(workdir, "unsubscribe", "anna.mueller@example.org")
    restored = moved(workdir, tmp_path)
    assert "# NEWSLETTER_STATE_DIR=" in (restored / ".env").read_text()
    assert (restored / ".newsletter/state.db").is_file()
    assert newsletter(restored, "subscribers", "volunteers") == newsletter(workdir, "subscribers", "volunteers")


def test_an_archive_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "backup.tar.gz"
    target.write_bytes(b"the backup of yesterday")
    with pytest.raises(RuntimeError), atomic.writing(target, atomic.PRIVATE) as stream:
        stream.write(b"half of today's")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"the backup of yesterday" and list(tmp_path.iterdir()) == [target]


# -- secrets ------------------------------------------------------------------------------------------------


def env_with_passwords() -> None:
    Path(".env").write_text(f"NEWSLETTER_SMTP_HOST=mail.example.org\nNEWSLETTER_SMTP_USERNAME=buero\n"
                            f"NEWSLETTER_SMTP_PASSWORD={SMTP_PASSWORD}\nNEWSLETTER_FROM_ADDRESS=kontakt@example.org\n")


def test_passwords_are_left_out_unless_asked_and_the_output_says_so(workdir: Path, tmp_path: Path) -> None:
    env_with_passwords()
    code, output = newsletter(workdir, "backup", str(tmp_path / "plain.tar.gz"))
    assert code == 0 and "Passwords left out; add --with-secrets to include them." in output
    with tarfile.open(tmp_path / "plain.tar.gz") as tar:
        assert SMTP_PASSWORD.encode() not in tar.extractfile(".env").read()
    code, output = restore(tmp_path / "plain.tar.gz", tmp_path / "plain")
    assert "fill in NEWSLETTER_SMTP_PASSWORD" in output
    env = (tmp_path / "plain/.env").read_text()
    assert SMTP_PASSWORD not in env and "# NEWSLETTER_SMTP_PASSWORD=" in env and "NEWSLETTER_SMTP_USERNAME=buero\n" in env
    assert (tmp_path / "plain/.newsletter/secret").read_bytes() == (workdir / ".newsletter/secret").read_bytes()

    code, output = newsletter(workdir, "backup", str(tmp_path / "full.tar.gz"), "--with-secrets")
    assert code == 0 and "Passwords left out" not in output
    restore(tmp_path / "full.tar.gz", tmp_path / "full")
    assert (tmp_path / "full/.env").read_text() == (workdir / ".env").read_text()
    assert (tmp_path / "full/.newsletter/secret").read_bytes() == (workdir / ".newsletter/secret").read_bytes()


def test_a_link_secret_set_in_env_travels_there_even_without_passwords(workdir: Path, tmp_path: Path) -> None:
    env_with_passwords()
    with Path(".env").open("a") as env:
        env.write("NEWSLETTER_SECRET_KEY=unser-eigener-schluessel\n")
    restored = moved(workdir, tmp_path)
    assert "NEWSLETTER_SECRET_KEY=unser-eigener-schluessel\n" in (restored / ".env").read_text()


def test_a_link_secret_from_the_environment_is_kept_in_the_restored_env(
        workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET_KEY", "aus der Umgebung #1")
    code, output = newsletter(workdir, "backup", str(tmp_path / "backup.tar.gz"))
    assert "The link secret came from the environment" in output
    monkeypatch.delenv("NEWSLETTER_SECRET_KEY")
    assert restore(tmp_path / "backup.tar.gz", tmp_path / "moved")[0] == 0
    settings = load_settings(tmp_path / "moved/.env")
    assert load_secret(settings.secret_key.get_secret_value(), tmp_path / "moved/.newsletter") == b"aus der Umgebung #1"


# -- refused archives ---------------------------------------------------------------------------------------


@pytest.fixture
def archive(workdir: Path, tmp_path: Path) -> Path:
    code, output = newsletter(workdir, "backup", str(tmp_path / "backup.tar.gz"))
    assert code == 0, output
    return tmp_path / "backup.tar.gz"


def refused(archive: Path, target: Path) -> str:
    code, output = restore(archive, target)
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert not target.exists() and not [p for p in target.parent.iterdir() if ".restore-" in p.name]
    return output


def test_an_archive_without_the_link_secret_is_refused(archive: Path, tmp_path: Path) -> None:
    def drop_secret(manifest: dict[str, object], files: dict[str, bytes]) -> None:
        del files[".newsletter/secret"], manifest["files"][".newsletter/secret"]  # type: ignore[attr-defined]

    output = refused(rewritten(archive, drop_secret, tmp_path / "ohne.tar.gz"), tmp_path / "moved")
    assert "holds no link secret" in output and "unsubscribe link" in output


@pytest.mark.parametrize("newer", [{"release": "99.0.0"}, {"format": FORMAT + 1}, {"state_version": 999}])
def test_a_backup_from_a_newer_release_is_refused(archive: Path, tmp_path: Path, newer: dict[str, object]) -> None:
    output = refused(rewritten(archive, lambda manifest, _: manifest.update(newer), tmp_path / "neu.tar.gz"), tmp_path / "moved")
    assert "was made by a newer release of newsletter-composer" in output and "update newsletter-composer" in output


def test_a_damaged_archive_is_refused(archive: Path, tmp_path: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "kaputt.tar.gz").write_bytes(bytes(data))
    assert "damaged" in refused(tmp_path / "kaputt.tar.gz", tmp_path / "moved")
    (tmp_path / "kurz.tar.gz").write_bytes(archive.read_bytes()[: len(data) // 2])
    assert "damaged" in refused(tmp_path / "kurz.tar.gz", tmp_path / "moved")


def test_a_file_changed_inside_the_archive_is_refused(archive: Path, tmp_path: Path) -> None:
    def edit(_: dict[str, object], files: dict[str, bytes]) -> None:
        files[ISSUE] += b"\nNachtrag\n"

    assert f"damaged: {ISSUE} is not what was backed up" in refused(rewritten(archive, edit, tmp_path / "x.tar.gz"),
                                                                    tmp_path / "moved")


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize("bad", [member("../ausserhalb.txt"), member("issues/../../ausserhalb.txt"),
                                 member("/tmp/ausserhalb.txt"), member("issues/link", tarfile.SYMTYPE, "/etc/passwd"),
                                 member("issues/hart", tarfile.LNKTYPE, ".env"), member("issues/fifo", tarfile.FIFOTYPE)],
                         ids=["parent", "climbing", "absolute", "symlink", "hardlink", "fifo"])
def test_members_outside_the_folder_links_and_special_files_are_refused(
        archive: Path, tmp_path: Path, bad: tarfile.TarInfo) -> None:
    output = refused(with_member(archive, bad, tmp_path / "bad.tar.gz", b"boese"), tmp_path / "sub" / "moved")
    assert "refused" in output and bad.name in output
    assert not (tmp_path / "ausserhalb.txt").exists() and not (tmp_path / "sub/ausserhalb.txt").exists()


def test_an_archive_larger_than_the_bound_is_refused_before_it_is_unpacked(archive: Path, tmp_path: Path) -> None:
    from composer.config.restore import RestoreError
    from composer.config.restore import restore as unpack

    with pytest.raises(RestoreError, match="more than a newsletter backup can"):
        unpack(archive, tmp_path / "moved", max_bytes=1000)
    with pytest.raises(RestoreError, match="more than a newsletter backup can"):
        unpack(archive, tmp_path / "moved", max_members=3)
    assert not (tmp_path / "moved").exists()


def test_an_archive_that_is_no_backup_is_refused(workdir: Path, tmp_path: Path) -> None:
    with tarfile.open(tmp_path / "fremd.tar.gz", "w:gz") as tar:
        tar.add("issues", arcname="issues")
    assert "not a backup of `newsletter backup`" in refused(tmp_path / "fremd.tar.gz", tmp_path / "moved")


def test_restore_refuses_a_folder_that_is_not_empty(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "belegt").mkdir()
    (tmp_path / "belegt/notiz.txt").write_text("meins")
    code, output = restore(archive, tmp_path / "belegt")
    assert code == 2 and "not empty; restore into a new folder" in output
    assert [p.name for p in (tmp_path / "belegt").iterdir()] == ["notiz.txt"]
    (tmp_path / "leer").mkdir()
    assert restore(archive, tmp_path / "leer")[0] == 0 and (tmp_path / "leer/.newsletter/state.db").is_file()


# -- the desk -----------------------------------------------------------------------------------------------


def test_the_desk_button_downloads_a_backup_that_restores(workdir: Path, tmp_path: Path) -> None:
    env_with_passwords()
    settings = load_settings(Path(".env"), state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        page = client.get("/settings")
        assert "Sicherung herunterladen" in page.text
        answer = client.post("/settings/backup", data={"csrf": csrf_of(page.text)})
        client.cookies.set("desk_lang", "en")
        assert "Download a backup" in client.get("/settings").text
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/gzip"
    assert answer.headers["content-disposition"].startswith('attachment; filename="newsletter-sicherung-')
    (tmp_path / "download.tar.gz").write_bytes(answer.content)
    assert restore(tmp_path / "download.tar.gz", tmp_path / "moved")[0] == 0
    assert SMTP_PASSWORD not in (tmp_path / "moved/.env").read_text()
    assert (tmp_path / "moved/.newsletter/secret").read_bytes() == (workdir / ".newsletter/secret").read_bytes()


def test_the_desk_makes_no_backup_on_a_get_or_without_its_form(workdir: Path, tmp_path: Path) -> None:
    settings = load_settings(None, state_dir=workdir / ".newsletter")
    scratch = set(Path(tempfile.gettempdir()).glob("newsletter-desk-backup-*"))
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        assert client.get("/settings/backup").status_code == 405
        assert client.post("/settings/backup", data={"csrf": "0" * 32}).status_code == 403
    assert set(Path(tempfile.gettempdir()).glob("newsletter-desk-backup-*")) == scratch
