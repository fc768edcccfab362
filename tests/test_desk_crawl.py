"""Issue 23, what it must show: every desk page, crawled in German, holds no sentence of the English source, and in
English no German of the catalogue. One desk for the module, brought through what its pages show: an issue with
many findings, a broken file, every state of a send and of a run, every result of the inbox, the import's errors,
the list's refusals, the connection test and the desk's own refusals. A sentence is a stretch of four or more words
of a msgid (or its German) between its parameters; a stretch the other language writes the same is not one."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from conftest import SAMPLE, maildir

from composer.desk.context import internal_error
from composer.desk.sending import SendRun
from composer.i18n import LOCALE_DIR, message
from composer.state import Journal, Reason
from composer.state.store import disk_full
from tests.conftest import SMTPServer, make_settings
from tests.deskserver import Running, csrf_of, desk_server
from tests.test_bounded_inputs import LIST_ROWS, ods
from tests.test_desk_editor import form_fields
from tests.test_desk_findings import broken_issue
from tests.test_inbox import MAIL, SAMPLES, SAMPLES_SENT, delivered
from tests.test_inbox_trust import ARF_MESSAGE_ID, nested

PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s|%%")


SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def stretches(text: str) -> set[str]:
    """The sentences (and parts of sentences between parameters) of four or more words in a text, whitespace made
    single."""
    parts = (" ".join(p.split()) for stretch in PLACEHOLDER.split(text) for p in SENTENCE.split(stretch))
    return {part for part in parts if len(part.split()) >= 4}


def sentences() -> tuple[set[str], set[str]]:
    """(English, German): the stretches of each msgid whose German differs, and of its German, less any stretch
    both languages write."""
    english: set[str] = set()
    german: set[str] = set()
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        for entry in read_po(po):
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not entry.id or ids == strings:
                continue
            for text in ids:
                english |= stretches(text)
            for text in strings:
                german |= stretches(text)
    return english - german, german - english


ENGLISH, GERMAN = sentences()


@dataclass
class Crawl:
    """The pages seen in one language, by what was asked for."""

    lang: str
    pages: dict[str, str] = field(default_factory=dict)

    def keep(self, what: str, response: httpx.Response) -> httpx.Response:
        assert response.status_code != 500 or what.startswith("fault"), (what, response.status_code)
        soup = BeautifulSoup(response.text, "html.parser")
        for hidden in soup.select("script, style"):
            hidden.decompose()
        self.pages[what] = " ".join(soup.get_text(" ").split())
        return response


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def issue(slug: str, text: str | None = None) -> None:
    shutil.copy("issues/2020-12.md", f"issues/{slug}.md")
    if text is not None:
        Path(f"issues/{slug}.md").write_text(text, encoding="utf-8")


LIST = ("email,name\n" + "".join(f"person{n:02d}@example.org,Person {n}\n" for n in range(8))
        + "kein-at-zeichen,Kaputt\nperson01@example.org,Doppelt\n" + 'person09@example.org,"Offen\nperson10@example.org,X\n')


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, SMTPServer]]:
    from aiosmtpd.controller import Controller

    from tests.conftest import FaultyHandler, free_port

    folder = tmp_path_factory.mktemp("crawl")
    with pytest.MonkeyPatch.context() as patch:
        import os

        for name in [n for n in os.environ if n.startswith("NEWSLETTER_")]:
            patch.delenv(name)
        shutil.copytree(SAMPLE / "issues", folder / "issues")
        shutil.copytree(SAMPLE / "subscribers", folder / "subscribers")
        patch.chdir(folder)
        Path("subscribers/fifty.csv").write_text(LIST, encoding="utf-8")
        issue("2021-01", broken_issue(Path("issues/2020-12.md").read_text(encoding="utf-8")))
        issue("2021-02", Path("issues/2020-12.md").read_text(encoding="utf-8").replace("date: 2020-12-23", "date: 23.12.2020"))
        issue("kaputt", Path("issues/2020-12.md").read_text(encoding="utf-8").replace("publisher: Fachbereich", "publisher Fachbereich"))
        for slug in ("held", "stopping", "stopped", "finished", "fault", "full", "entwurf"):
            issue(slug)
        handler, port = FaultyHandler(), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        server = SMTPServer(handler, port)
        handler.rcpt_replies["person02@example.org"] = ["550 5.1.1 no such mailbox"]
        handler.rcpt_replies["person03@example.org"] = ["451 4.7.1 try again later"] * 10
        settings = server.settings(state_dir=folder / ".newsletter", concurrency=1)
        try:
            with desk_server(folder, settings) as running:
                sent(running)
                yield running, server
        finally:
            controller.stop()


def sent(running: Running) -> None:
    """The real send of 2020-12 to the list, then what happened after it: unsubscribed, a complaint, a bounce, a
    delivery possibly sent twice, one whose answer never came; the runs every other state of the send page shows."""
    client = running.client()
    client.post("/issues/2020-12/send", data={"csrf": csrf_of(client.get("/").text), "list": "fifty", "confirm": "yes"})
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "finished")
    with Journal(Path(".newsletter")) as journal:
        journal.suppress("person04@example.org", Reason("asked"))
        journal.suppress("person00@example.org", Reason("coordinator_because", {"why": "am Telefon"}))
        journal.complain("person05@example.org", Reason("complained", {"kind": "abuse", "issue": "2020-12"}), "arf")
        journal.record_bounce("person06@example.org", "2020-12", True, "5.1.1", None)
        journal.suppress("person06@example.org", Reason("bounced", {"status": "5.1.1"}), "bounced")
        journal.db.execute("UPDATE deliveries SET interrupted = 1 WHERE email = 'person07@example.org'")
        journal.db.execute("UPDATE deliveries SET status = 'uncertain' WHERE email = 'person01@example.org'")
    delivered("2020-11", {**SAMPLES_SENT, "lena.weiss@example.org": ARF_MESSAGE_ID})
    runs = running.desk.extra["runs"]
    soon = datetime.now().astimezone() + timedelta(hours=1)
    runs["held"] = SendRun("fifty", total=10, state="running", held_until=soon, held_by=message("hourly limit ({n})", n=2))
    runs["stopping"] = SendRun("fifty", total=10, sent=3, state="stopping")
    runs["stopped"] = SendRun("fifty", total=10, sent=3, state="stopped")
    runs["finished"] = SendRun("fifty", total=10, sent=10, state="finished")
    runs["fault"] = SendRun("fifty", state="error", message=internal_error(RuntimeError("kaputt")))
    runs["full"] = SendRun("fifty", state="error", message=disk_full(Path(".newsletter"), None).args[0])


def broken_transport() -> None:
    raise RuntimeError("kaputt")


def inbox_box(folder: Path) -> Path:
    """Every kind of mail the inbox knows, in a Maildir read for the first time."""
    shutil.rmtree(folder, ignore_errors=True)
    with Journal(Path(".newsletter")) as journal:
        journal.db.execute("DELETE FROM inbox_seen")
        journal.db.execute("DELETE FROM inbox_quarantine")
    return maildir(folder, [p.read_bytes() for p in SAMPLES] + [nested(300), (MAIL / "arf-yahoo.eml").read_bytes()])


def crawl(running: Running, server: SMTPServer, lang: str) -> Crawl:
    seen = Crawl(lang)
    client = running.client()
    client.headers["Accept-Language"] = lang
    get = lambda path: seen.keep(path, client.get(path))  # noqa: E731
    csrf = csrf_of(client.get("/").text)

    def post(what: str, path: str, **data: object) -> httpx.Response:
        files = data.pop("files", None)
        return seen.keep(what, client.post(path, data={"csrf": csrf, **data}, files=files))  # type: ignore[arg-type]

    for path in ("/", "/?error=x", "/issues/2020-12", "/issues/2020-12?note=saved", "/issues/2021-02", "/issues/kaputt",
                 "/issues/2021-01/check", "/issues/kaputt/check", "/issues/2021-02/check",
                 "/issues/2020-12/test", "/issues/2020-12/send", "/issues/2020-12/send?list=fifty",
                 "/issues/2021-01/send?list=fifty", "/issues/2020-12/status", "/issues/2020-12/status?state=failed&q=person",
                 "/issues/held/send", "/issues/stopping/send", "/issues/stopped/send", "/issues/finished/send",
                 "/issues/fault/send", "/issues/full/send", "/subscribers", "/subscribers/fifty",
                 "/subscribers/fifty?note=added", "/subscribers/fifty?note=unsubscribed", "/subscribers/fifty?note=imported",
                 "/subscribers/fifty?note=unbounced", "/subscribers/nope", "/subscribers/bad%20name", "/settings",
                 "/inbox", "/help", "/issues/nope", "/nowhere", "/issues/2021-02/email"):
        get(path)
    seen.keep("405", client.delete("/"))
    seen.keep("403 form", client.post("/new", data={"csrf": "wrong", "name": "x"}))
    seen.keep("login", httpx.get(f"{running.base}/login", headers={"Accept-Language": lang}))
    seen.keep("login link", httpx.get(f"{running.base}/login?token=wrong", headers={"Accept-Language": lang}))
    post("new exists", "/new", name="2020-12")
    post("new bad name", "/new", name="a b")
    # 2020-12 went out, and a sent issue is not edited any more: the editor's answers come from a draft
    post("kept version", "/issues/entwurf/resolve", kept="nope.md")
    fields = form_fields(client.get("/issues/entwurf").text)
    post("conflict", "/issues/entwurf", **{**fields, "base": "0" * 64, "subject": "Andere Fassung"})
    post("save bad date", "/issues/entwurf", **{**fields, "date": "23.12.2020"})
    post("field too large", "/issues/entwurf", **{**fields, "articles[0].body": "x" * (5 * 1024 * 1024)},
         files={"articles[1].image.upload": ("", b"", "image/jpeg")})
    post("not a photo", "/issues/entwurf", **{k: v for k, v in fields.items() if k != "articles[1].image.upload"},
         files={"articles[1].image.upload": ("rechnung.pdf", b"%PDF-1.4", "application/pdf")})
    post("test refused", "/issues/2020-12/test", addresses="ich@example.org\nkollegin.example.org")
    post("log out asked", "/logout")  # no password yet: the page asks before it logs out
    post("test sent", "/issues/2020-12/test", addresses="ich@example.org")
    post("test check errors", "/issues/2021-01/test", addresses="ich@example.org")
    post("send unconfirmed", "/issues/2020-12/send", list="fifty")
    post("send check errors", "/issues/2021-01/send", list="fifty", confirm="yes")
    with Journal(Path(".newsletter"), exclusive=True):
        post("send locked", "/issues/2021-02/send", list="fifty", confirm="yes")
    running.desk.extra["transports"] = broken_transport
    with running.client() as faulty:  # the server drops a connection after its 500 page: a client of its own
        seen.keep("fault test send", faulty.post("/issues/2020-12/test", headers={"Accept-Language": lang},
                                                 data={"csrf": csrf_of(faulty.get("/").text), "addresses": "ich@example.org"}))
    del running.desk.extra["transports"]
    for what, data in {"add no consent": {"email": "neu@example.org", "consent": ""},
                       "add listed": {"email": "person02@example.org", "consent": "Formular"},
                       "add unsubscribed": {"email": "person04@example.org", "consent": "Formular"},
                       "add invalid": {"email": "kein-at-zeichen", "consent": "Formular"},
                       "add two lines": {"email": "neu@example.org", "name": "A\nB", "consent": "Formular"}}.items():
        post(what, "/subscribers/fifty/add", **data)
    post("unsubscribe no reason", "/subscribers/fifty/unsubscribe", email="person02@example.org", reason="")
    post("unsubscribe twice", "/subscribers/fifty/unsubscribe", email="person04@example.org", reason="noch einmal")
    post("unbounce not bounced", "/subscribers/fifty/unbounce", email="person02@example.org")
    post("unbounce complained", "/subscribers/fifty/unbounce", email="person05@example.org")
    post("import bad name", "/subscribers/import", list="a b")
    post("import no file", "/subscribers/import", list="neu")
    for name, data in {"liste.pdf": b"%PDF", "liste.ods": b"PK\x03\x04 kaputt", "ohne.csv": b"adresse;name\na@example.org;A\n",
                       "weder.csv": b"email\n\x81\x8d\x8f\x90\x9d@example.org\n", "zeilen.ods": ods(LIST_ROWS),
                       "neu.csv": LIST.encode() + b"person04@example.org,Wieder\n"}.items():
        preview = post(f"import {name}", "/subscribers/import", list="fifty", files={"file": (name, data)})
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    post("import unknown", "/subscribers/import/confirm", token="unknown")
    Path("subscribers/fifty.csv").write_text(LIST + "spaet@example.org,Später\n", encoding="utf-8")
    post("import changed", "/subscribers/import/confirm", token=token)
    Path("subscribers/fifty.csv").write_text(LIST, encoding="utf-8")
    def configure(**values: object) -> None:
        """The desk's settings as if .env said so (the pages read them at each request)."""
        running.desk.settings = make_settings(**{"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_security": "none",
                                                 "state_dir": Path(".newsletter").resolve(), "concurrency": 1, **values})

    configure(smtp_host=None)
    post("smtp not set up", "/settings/test", service="smtp")
    post("imap not set up", "/settings/test", service="imap")
    configure(imap_host="127.0.0.1", imap_security="none", imap_username="u", imap_password="p")
    post("imap plaintext", "/settings/test", service="imap")
    configure()
    post("smtp works", "/settings/test", service="smtp")
    post("inbox not set up", "/inbox")
    configure(inbox_maildir=Path("subscribers").resolve())
    post("inbox not a maildir", "/inbox")
    configure(inbox_maildir=inbox_box(Path(f"Maildir-{lang}").resolve()))
    post("inbox fetched", "/inbox")
    configure()
    return seen


@pytest.fixture(scope="module")
def crawled(desk: tuple[Running, SMTPServer]) -> dict[str, Crawl]:
    return {lang: crawl(*desk, lang) for lang in ("de", "en")}


def test_the_crawl_reaches_what_it_is_meant_to_show(crawled: dict[str, Crawl]) -> None:
    """The pages hold what they are crawled for, so an empty or wrong page cannot pass the language checks."""
    de, en = crawled["de"].pages, crawled["en"].pages
    assert "karl.nirgendwo@example.org: dauerhaft unzustellbar (5.1.1) bei 2020-11: wird nicht mehr angeschrieben" \
        in de["inbox fetched"] and "Unzustellbarkeitsmeldungen" in de["inbox fetched"]
    assert "hat sich beschwert (abuse-Meldung) über 2020-12" in de["/issues/2020-12/status"]
    assert "Stundengrenze des Anbieters: 2 Nachrichten" in de["/issues/held/send"]
    assert "liste.pdf: keine Tabelle" in de["import liste.pdf"] and "liste.pdf: not a spreadsheet" in en["import liste.pdf"]
    assert "steht doppelt in der Liste (zuerst in Zeile 3)" in de["/subscribers/fifty"]
    assert "internal error: RuntimeError: kaputt (please report this)" in en["fault test send"]
    assert "keine Postanschrift" in de["/issues/2021-01/check"] and "no postal address" in en["/issues/2021-01/check"]
    assert "ungewiss (keine Antwort des Servers)" in de["/issues/2020-12/status"]
    assert len(de) == len(en) > 75


@pytest.mark.parametrize(("lang", "other"), [("de", "English"), ("en", "German")])
def test_no_page_holds_a_sentence_of_the_other_language(crawled: dict[str, Crawl], lang: str, other: str) -> None:
    foreign = ENGLISH if lang == "de" else GERMAN
    found = {what: sorted(s for s in foreign if s in text) for what, text in crawled[lang].pages.items()}
    assert not {what: said for what, said in found.items() if said}, f"{other} on the {lang} pages"

