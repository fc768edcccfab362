"""Every file the tool writes is written whole: a process killed with SIGKILL at any step of a save leaves the old
file or the new one, never half of one, and nothing half written under a name the tool reads; a desk save racing
a hand edit gives the conflict page; private files are private from their creation."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import signal
import stat
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from composer import atomic
from composer.atomic import PRIVATE, temporary_name, write_text
from composer.audience import importing
from composer.audience.welcome import STARTER as WELCOME
from composer.cli import app
from composer.config.folder import GITIGNORE, SAMPLE, STARTER_LIST, init
from composer.issue import saving
from composer.issue.issuefile import parse_issue, read_issue
from composer.issue.revision import revised_text
from composer.issue.saving import digest, save_issue
from composer.issue.scaffold import new_issue
from composer.issue.writer import issue_data
from composer.state import Journal
from composer.send.transports.outbox import file_name
from composer.send.tokens import load_secret
from tests.conftest import make_settings
from tests.deskserver import desk_server
from tests.test_desk_editor import form_fields

SYSTEM_CALLS = ("open", "stat", "fstat", "read", "write", "fsync", "fchmod", "close", "replace", "link", "unlink")
OLD_ENV = "NEWSLETTER_FROM_ADDRESS=kontakt@example.org\nNEWSLETTER_DESK_PASSWORD_HASH='$argon2id$v=19$alt'\n"
NEW_ENV = "NEWSLETTER_FROM_ADDRESS=kontakt@example.org\nNEWSLETTER_DESK_PASSWORD_HASH='$argon2id$v=19$neu'\n" + \
          "# " + "x" * 100_000 + "\n"


def killed(save: Callable[[], object], step: int) -> bool:
    """Runs `save` in a child process that is killed with SIGKILL at its `step`-th call of one of SYSTEM_CALLS
    (a write is cut in half first, as a kill in the middle of a large write leaves it); False when the save
    finished before that step."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 1
        try:
            calls = 0

            def dying(name: str, real: Callable[..., object]) -> Callable[..., object]:
                def call(*args: object, **kwargs: object) -> object:
                    nonlocal calls
                    calls += 1
                    if calls == step:
                        if name == "write":
                            real(args[0], bytes(args[1])[: len(args[1]) // 2])  # type: ignore[arg-type]
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real(*args, **kwargs)
                return call

            for name in SYSTEM_CALLS:
                setattr(os, name, dying(name, getattr(os, name)))
            save()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the save failed in the child"
    return False


def killed_at_every_step(prepare: Callable[[Path], None], save: Callable[[Path], object],
                         check: Callable[[Path, bool], None], tmp_path: Path) -> int:
    """Kills the save at its first system call, then at its second, and so on, each time in a fresh folder, and
    checks what each kill left; then lets one save finish and checks that. Returns how many kills there were."""
    step = 1
    while True:
        folder = tmp_path / f"kill-{step}"
        folder.mkdir()
        prepare(folder)
        if not killed(functools.partial(save, folder), step):
            check(folder, True)
            return step - 1
        check(folder, False)
        step += 1


def files(folder: Path) -> Iterator[Path]:
    """The files the tool could read, below `folder`: every file but the save's temporary ones, which must carry
    a temporary name (and so are read by nothing)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not temporary_name(path):
            yield path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_env_killed_at_every_step_of_a_rewrite_is_the_old_or_the_new_file_and_stays_private(tmp_path: Path) -> None:
    def prepare(folder: Path) -> None:
        (folder / ".env").write_text(OLD_ENV)
        (folder / ".env").chmod(0o600)

    def check(folder: Path, finished: bool) -> None:
        assert [p.name for p in files(folder)] == [".env"]
        assert (folder / ".env").read_text() in ((NEW_ENV,) if finished else (OLD_ENV, NEW_ENV))
        assert mode(folder / ".env") == 0o600

    kills = killed_at_every_step(prepare, lambda folder: write_text(folder / ".env", NEW_ENV, PRIVATE), check, tmp_path)
    assert kills >= 8


def test_init_killed_at_every_step_leaves_each_file_whole_or_absent(tmp_path: Path) -> None:
    day = dt.date(2021, 3, 4)
    init(tmp_path / "whole", day)
    issue = (tmp_path / "whole" / "issues" / "2021-03.md").read_text()
    env = re.sub("[0-9a-f]{64}", "SECRET", (tmp_path / "whole" / ".env").read_text())
    whole = {"2021-03.md": issue, "newsletter.csv": STARTER_LIST, ".gitignore": GITIGNORE, ".env": env,
             "willkommen.md": WELCOME}

    def check(folder: Path, finished: bool) -> None:
        written = {p.name: re.sub("[0-9a-f]{64}", "SECRET", p.read_text()) for p in files(folder)}
        assert written == {name: whole[name] for name in written}
        assert not finished or written == whole

    kills = killed_at_every_step(lambda folder: None, lambda folder: init(folder / "office", day), check, tmp_path)
    assert kills >= 20


def big_issue() -> str:
    """The sample with a chronicle of about 1 MB, as an office that keeps a year's reports in one issue."""
    paragraph = "Das Sprachcafé in der Stadtbibliothek trifft sich jeden Donnerstag um 17 Uhr im Lesesaal. " * 4 + "\n\n"
    return (SAMPLE / "issues" / "2020-12.md").read_text() + "\n# Chronik\n\n" + paragraph * 2750


def test_a_desk_save_of_a_large_issue_killed_at_every_step_leaves_the_old_or_the_new_issue(tmp_path: Path) -> None:
    old = big_issue()
    assert len(old.encode()) > 1_000_000
    data = issue_data(parse_issue(old, "issue")[0])
    data["subject"] = "Aus der Redaktion"
    new = revised_text(old, data, "issue")

    def prepare(folder: Path) -> None:
        (folder / "issues").mkdir()
        (folder / "issues" / "2020-12.md").write_text(old)

    def save(folder: Path) -> None:
        assert save_issue(folder / "issues" / "2020-12.md", data, digest(old), folder / ".newsletter" / "desk-conflicts") is None

    def check(folder: Path, finished: bool) -> None:
        assert [p.relative_to(folder).as_posix() for p in files(folder)] == ["issues/2020-12.md"]
        assert (folder / "issues" / "2020-12.md").read_text() in ((new,) if finished else (old, new))

    assert killed_at_every_step(prepare, save, check, tmp_path) >= 10


def test_a_list_replacement_killed_at_every_step_leaves_the_old_or_the_new_list_and_whole_backups(tmp_path: Path) -> None:
    old = "email;name\n" + "".join(f"alt{n}@example.org;Alt {n}\n" for n in range(20_000))
    new = "email;name\n" + "".join(f"neu{n}@example.org;Neu {n}\n" for n in range(20_000))
    template = tmp_path / "template"
    (template / "subscribers").mkdir(parents=True)
    (template / "subscribers" / "volunteers.csv").write_text(old)
    with Journal(template / ".newsletter") as journal:
        token = importing.preview("volunteers", template / "subscribers", journal, template / ".newsletter",
                                  "Liste.csv", new.encode(), secret=b"s").token

    def check(folder: Path, finished: bool) -> None:
        lists = {p.relative_to(folder).as_posix(): p.read_text() for p in files(folder / "subscribers")}
        assert lists.pop("subscribers/volunteers.csv") in ((new,) if finished else (old, new))
        assert all(re.fullmatch(r"subscribers/backup/volunteers-[0-9-]+\.csv", name) for name in lists)
        assert all(text == old for text in lists.values())  # a backup is a whole copy or not there
        assert not finished or len(lists) == 1

    kills = killed_at_every_step(lambda folder: shutil.copytree(template, folder, dirs_exist_ok=True),
                                 lambda folder: importing.confirm(token, folder / "subscribers", folder / ".newsletter",
                                                                  dt.datetime(2024, 5, 1, 12)),
                                 check, tmp_path)
    assert kills >= 15


def test_env_and_secret_are_private_from_their_creation_with_umask_022(tmp_path: Path, umask_022: None,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("permissions are set at creation, never afterwards")

    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(os, "fchmod", no_chmod)
    init(tmp_path / "office")
    load_secret(None, tmp_path / "office" / ".newsletter")
    assert mode(tmp_path / "office" / ".env") == 0o600
    assert mode(tmp_path / "office" / ".newsletter" / "secret") == 0o600
    assert mode(tmp_path / "office" / "subscribers" / "newsletter.csv") == 0o600  # it holds an address
    assert mode(tmp_path / "office" / "issues" / f"{dt.date.today():%Y-%m}.md") == 0o644


def test_a_private_file_rewritten_is_no_longer_readable_by_others(tmp_path: Path, umask_022: None) -> None:
    (tmp_path / ".env").write_text(OLD_ENV)
    (tmp_path / ".env").chmod(0o644)
    write_text(tmp_path / ".env", NEW_ENV, PRIVATE)
    assert mode(tmp_path / ".env") == 0o600


def test_an_issue_file_saved_from_the_desk_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    issue = tmp_path / "issues" / "2020-12.md"
    issue.parent.mkdir()
    shutil.copy(SAMPLE / "issues" / "2020-12.md", issue)
    issue.chmod(0o664)  # group-writable, as an office that shares the folder has it: wider than the umask
    text = issue.read_text()
    data = issue_data(parse_issue(text, "issue")[0])
    data["subject"] = "Aus der Redaktion"
    assert save_issue(issue, data, digest(text), tmp_path / "conflicts") is None
    assert read_issue(issue)[0].subject == "Aus der Redaktion" and mode(issue) == 0o664
    new_issue(tmp_path / "issues" / "2021-01.md", issue)
    assert mode(tmp_path / "issues" / "2021-01.md") == 0o644


# A hand edit, made in place (as some editors save) or by renaming a new file over the issue (as most do). It keeps
# the file's size, so that only the times tell an edit while the file is read from none.
def in_place(path: Path, text: str) -> None:
    with path.open("r+b") as handle:
        handle.write(text.encode())
        handle.truncate()


def by_rename(path: Path, text: str) -> None:
    (path.parent / ".2020-12.md.swp").write_text(text)
    os.replace(path.parent / ".2020-12.md.swp", path)


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


@pytest.mark.parametrize("edit", [in_place, by_rename])
@pytest.mark.parametrize("moment", ["after the form was shown", "while the new text is made",
                                    "after the new text is written", "while the file is compared"])
def test_a_hand_edit_racing_a_desk_save_gives_the_conflict_page_and_loses_nothing(
        running, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path, str], None], moment: str) -> None:
    issue = Path("issues/2020-12.md")
    os.utime(issue, (0, 0))  # written long ago: an edit now has other times, however fine the clock
    by_hand = issue.read_text().replace("Dezember 2020", "Dezember 2021", 1)
    edited = []

    def hand_edit() -> None:
        if not edited:
            edited.append(moment)
            edit(issue, by_hand)

    def before(function: Callable[..., object]) -> Callable[..., object]:
        def wrapped(*args: object) -> object:
            hand_edit()
            return function(*args)
        return wrapped

    def after(function: Callable[..., object]) -> Callable[..., object]:
        def wrapped(*args: object) -> object:
            result = function(*args)
            hand_edit()
            return result
        return wrapped

    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["subject"] = "Aus der Redaktion"
    if moment == "after the form was shown":
        hand_edit()
    elif moment == "while the new text is made":
        monkeypatch.setattr(saving, "revised_text", before(saving.revised_text))
    elif moment == "after the new text is written":
        monkeypatch.setattr(atomic, "_written", after(atomic._written))
    else:  # after the compare read the old bytes: only the file's times and inode tell
        monkeypatch.setattr(atomic, "os", types.SimpleNamespace(**{**vars(os), "read": after(os.read)}))
    response = client.post("/issues/2020-12", data=fields)
    assert edited == [moment]
    assert response.status_code == 409
    page = BeautifulSoup(response.text, "html.parser")
    assert "Dezember 2021" in page.find(id="disk").text and "Aus der Redaktion" in page.find(id="mine").text
    assert issue.read_text() == by_hand
    kept = list(Path(".newsletter/desk-conflicts").glob("2020-12-*.md"))
    assert len(kept) == 1 and read_issue(kept[0])[0].subject == "Aus der Redaktion"


def test_a_save_over_a_file_that_is_gone_changes_nothing(tmp_path: Path) -> None:
    assert not atomic.replace_if_unchanged(tmp_path / "2020-12.md", b"neu", b"alt")
    assert list(tmp_path.iterdir()) == []


def test_what_a_kill_left_of_an_outbox_message_is_erased_with_the_person(workdir: Path) -> None:
    message = Path("outbox/2020-12") / file_name("anna@example.org")
    message.parent.mkdir(parents=True)
    message.write_bytes(b"To: anna@example.org\r\n\r\nHallo\r\n")
    left = message.with_name(f".{message.name}.tmp-0123abcd")
    left.write_bytes(b"To: anna@example.org\r\n\r\nHal")
    result = CliRunner().invoke(app, ["forget", "anna@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert not message.exists() and not left.exists()


def test_taking_the_kept_version_while_the_file_is_edited_by_hand_gives_the_conflict_page_again(
        running, monkeypatch: pytest.MonkeyPatch) -> None:
    issue = Path("issues/2020-12.md")
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["subject"] = "Aus der Redaktion"
    in_place(issue, issue.read_text().replace("Dezember 2020", "Dezember 2021", 1))
    kept = BeautifulSoup(client.post("/issues/2020-12", data=fields).text, "html.parser").find("input", {"name": "kept"})["value"]
    by_hand = issue.read_text().replace("Dezember 2021", "Dezember 2022", 1)
    write = atomic._written
    monkeypatch.setattr(atomic, "_written", lambda *args: (write(*args), by_rename(issue, by_hand))[0])
    response = client.post("/issues/2020-12/resolve", data={"csrf": fields["csrf"], "kept": kept})
    assert response.status_code == 409 and "Dezember 2022" in BeautifulSoup(response.text, "html.parser").find(id="disk").text
    assert issue.read_text() == by_hand
    texts = {read_issue(p)[0].subject for p in Path(".newsletter/desk-conflicts").glob("2020-12-*.md")}
    assert texts == {"Aus der Redaktion", "Newsletter Flüchtlingskoordination – Dezember 2021"}
