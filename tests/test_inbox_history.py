"""The Posteingang keeps a history of its runs in the state (issue 28, item 8): after leaving the page it still says
what each run handled and what was left for her; `forget` removes the lines that name an address."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from conftest import maildir
from typer.testing import CliRunner

from composer.cli import app
from composer.state import Journal
from tests.conftest import make_settings
from tests.deskserver import desk_server
from tests.test_desk_inbox import ABMELDEN, KARL, QUESTION, fetch
from tests.test_inbox import MAIL, delivered


def test_the_history_says_each_run_after_leaving_the_page_and_forget_removes_the_address(workdir: Path,
                                                                                        tmp_path: Path) -> None:
    delivered("2020-12", KARL)
    box = maildir(tmp_path / "Maildir", [(MAIL / "postfix-dsn-1.eml").read_bytes(), ABMELDEN, QUESTION])
    settings = make_settings(state_dir=workdir / ".newsletter", inbox_maildir=box)
    with desk_server(workdir, settings) as desk:
        fetch(desk)
        fetch(desk)  # nothing new the second time
        page = BeautifulSoup(desk.client().get("/inbox").text, "html.parser")
    runs = page.select("#history article")
    assert len(runs) == 2
    assert runs[0].h3.text.endswith(": 1 für Sie liegen gelassen")  # the question stays in the mailbox, still hers
    older = runs[1].text
    assert "marie.dubois@example.org: abgemeldet" in older and "für Sie liegen gelassen: Frage <b>Sprachcafé</b>" in older
    assert CliRunner().invoke(app, ["forget", "marie.dubois@example.org", "--yes"]).exit_code == 0
    with Journal(workdir / ".newsletter") as journal:
        lines = [line for run in journal.inbox_runs() for _, line in run.lines]
    assert lines and not any("marie.dubois" in str(line) for line in lines)


def test_newsletter_inbox_mails_her_when_replies_are_left_for_her(workdir: Path, tmp_path: Path, smtp_server) -> None:
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From lena Thu Dec 24 10:00:00 2020\n" + QUESTION + b"\n")
    env = {**smtp_server.env(), "LANG": "de_DE.UTF-8", "LANGUAGE": ""}
    result = CliRunner().invoke(app, ["inbox", "--mbox", str(mbox), "--notify", "koordination@example.org"], env=env)
    assert result.exit_code == 0, result.output
    [told] = smtp_server.handler.messages()
    assert told["To"] == "koordination@example.org" and told["Subject"] == "Antworten für Sie: 1 im Postfach des Newsletters"
