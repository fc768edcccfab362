"""The public pages as a link scanner, an attacker and a mail provider meet them: uvicorn on loopback, raw HTTP
(httpx), the confirmation mails caught by a real SMTP server."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import SMTPServer, free_port
from typer.testing import CliRunner

from composer.cli import app
from composer.desk.app import hosted_desk
from composer.state import Journal, Reason
from composer.send.links import Links
from composer.config.settings import load_settings
from composer.send.tokens import load_secret, unsubscribe_token
from composer.web import create_app
from composer.web.site import site_for

runner = CliRunner()
ANNA = "anna.mueller@example.org"
VICTIM = "opfer@example.com"
SECURITY_HEADERS = {"content-security-policy", "x-frame-options", "referrer-policy", "x-content-type-options"}


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    base: str
    clock: Clock
    smtp: SMTPServer

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)

    def token(self, email: str = ANNA, list_name: str = "volunteers") -> str:
        """The unsubscribe token a send to this list put into the address's email."""
        secret = Path(".newsletter/secret").read_bytes().strip()
        with Journal(Path(".newsletter")) as journal:
            Links(journal, secret).remember([email], list_name)
        return unsubscribe_token(secret, email, list_name)

    def mails(self, to: str = VICTIM) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.smtp.handler.messages()
                if m["To"].addresses[0].addr_spec == to]


def serve(monkeypatch: pytest.MonkeyPatch, smtp: SMTPServer, **env: str) -> Iterator[Site]:
    port = free_port()
    public = env.pop("PUBLIC_URL", f"http://127.0.0.1:{port}")
    for name, value in {**smtp.env(), "NEWSLETTER_PUBLIC_URL": public, "NEWSLETTER_PUBLIC_LISTS": "volunteers=Ehrenamtliche",
                        **{f"NEWSLETTER_{k}": v for k, v in env.items()}}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(env_file=None)
    clock = Clock()
    secret, site = load_secret(None, settings.state_dir), site_for(settings)
    web = create_app(settings, secret, site, clock, desk=hosted_desk(settings, secret, site.public_base))
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield Site(f"http://127.0.0.1:{port}", clock, smtp)
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000")


def settled() -> None:
    """The welcome a confirmation sends in the background has gone (or given way): the send state is free again."""
    with Journal(Path(".newsletter"), exclusive=True, wait=10):
        pass


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


def undo_form(page: httpx.Response) -> dict[str, str]:
    """What the "unsubscribed" page's undo button posts."""
    return {"csrf": csrf_of(page), "undo": re.search(r'name="undo" value="([^"]+)"', page.text).group(1)}


def sign_up(client: httpx.Client, email: str = VICTIM, name: str = "", **extra: str) -> httpx.Response:
    csrf = csrf_of(client.get("/subscribe"))
    return client.post("/subscribe", data={"email": email, "name": name, "list": "volunteers", "consent": "yes",
                                           "csrf": csrf, **extra})


def confirmation_token(site: Site, to: str = VICTIM) -> str:
    return re.search(r"/confirm/([a-z2-7]{32})", site.mails(to)[-1]).group(1)


def states() -> dict[str, str]:
    out = runner.invoke(app, ["subscribers", "volunteers"]).output
    return {line.split()[1]: line.split()[0] for line in out.splitlines() if "@" in line}


def suppress(email: str, kind: str, reason: Reason) -> None:
    with Journal(Path(".newsletter")) as journal:
        journal.suppress(email, reason, kind)


def test_get_and_head_change_nothing_on_any_route(site: Site) -> None:
    with site.client() as c:
        sign_up(c)
        confirm, unsubscribe = confirmation_token(site), site.token()
        for path in ["/subscribe", f"/confirm/{confirm}", f"/u/{unsubscribe}", f"/u/{unsubscribe}/undo", "/archive/2020-12.html"]:
            for method in ("GET", "HEAD"):
                c.request(method, path)
    assert states()[ANNA] == "active" and VICTIM not in states()
    assert len(site.mails()) == 1


@pytest.mark.parametrize("method", ["PUT", "OPTIONS", "DELETE", "PATCH"])
def test_other_methods_are_refused_on_every_route(site: Site, method: str) -> None:
    token = site.token()
    with site.client() as c:
        for path in ["/subscribe", f"/confirm/{token}", f"/u/{token}", f"/u/{token}/undo", "/archive/2020-12.html"]:
            assert c.request(method, path).status_code == 405, path
    assert states()[ANNA] == "active"


def test_the_confirmation_link_opens_a_page_whose_button_confirms(site: Site) -> None:
    with site.client() as c:
        sign_up(c, name="Neu Dabei")
        page = c.get(f"/confirm/{confirmation_token(site)}")
        assert page.status_code == 200 and "Anmeldung bestätigen" in page.text and 'method="post"' in page.text
        assert VICTIM not in states()
        done = c.post(f"/confirm/{confirmation_token(site)}", data={"csrf": csrf_of(page)})
    assert done.status_code == 200 and "Anmeldung bestätigt" in done.text
    assert states()[VICTIM] == "active"


def test_a_confirmation_posted_from_another_site_is_refused(site: Site) -> None:
    with site.client() as c:
        sign_up(c)
    with site.client(Origin="https://evil.example.com") as stranger:
        refused = stranger.post(f"/confirm/{confirmation_token(site)}", data={"csrf": "0" * 32})
    assert refused.status_code == 403 and VICTIM not in states()


def test_undo_lifts_the_unsubscribe_its_own_one_click_made(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        page = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert page.status_code == 200 and states()[ANNA] == "unsubscribed"
        undone = c.post(f"/u/{token}/undo", data=undo_form(page))
    assert undone.status_code == 200 and "wieder" in undone.text
    assert states()[ANNA] == "active"


def test_the_unsubscribe_link_opened_again_says_it_is_done_instead_of_asking_again(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        assert "Möchten Sie" in c.get(f"/u/{token}").text
        c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        again = c.get(f"/u/{token}")
    assert again.status_code == 200 and f"{ANNA} ist schon abgemeldet" in again.text
    assert "Möchten Sie" not in again.text and 'method="post"' not in again.text.split("<main", 1)[-1].split("</main>")[0]


def has_undo(page: httpx.Response) -> bool:
    return 'name="undo"' in page.text or "/undo" in page.text


@pytest.mark.parametrize(("kind", "reason"), [("bounced", Reason("bounced", {"status": "5.1.1"})),
                                              ("unsubscribed", Reason("coordinator"))])
def test_a_click_on_an_address_suppressed_another_way_offers_no_undo(site: Site, kind: str, reason: str) -> None:
    suppress(ANNA, kind, reason)
    token = site.token()
    with site.client(Accept="text/html") as c:
        page = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert page.status_code == 200 and "erhält den Newsletter nicht mehr" in page.text and not has_undo(page)
        guessed = c.post(f"/u/{token}/undo", data={"csrf": csrf_of(c.get("/subscribe")), "undo": "x" * 24})
    assert guessed.status_code == 409 and "nicht mehr rückgängig" in guessed.text
    assert states()[ANNA] == kind


def test_a_click_on_a_link_of_a_reader_who_left_a_month_ago_changes_nothing_and_offers_no_undo(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as reader:
        first = reader.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert has_undo(first)
    site.clock.now += 30 * 86_400
    with site.client(Accept="text/html") as stranger:  # the link from a forwarded or old issue
        again = stranger.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200 and not has_undo(again)
        form = {"csrf": csrf_of(stranger.get("/subscribe")), "undo": "1.abc"}
        assert stranger.post(f"/u/{token}/undo", data=form).status_code == 409
    assert states()[ANNA] == "unsubscribed"


def test_a_second_click_of_the_same_link_gets_no_undo_and_the_first_code_still_belongs_to_its_click(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        first = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        second = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert not has_undo(second)
        assert c.post(f"/u/{token}/undo", data=undo_form(first)).status_code == 200
    assert states()[ANNA] == "active"


def test_an_undo_code_works_once_and_never_for_a_later_unsubscribe(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        first = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert c.post(f"/u/{token}/undo", data=undo_form(first)).status_code == 200
        assert c.post(f"/u/{token}/undo", data=undo_form(first)).status_code == 409  # nothing left to lift
        c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})  # the reader leaves again
        assert c.post(f"/u/{token}/undo", data=undo_form(first)).status_code == 409  # the old code is not this one's
    assert states()[ANNA] == "unsubscribed"


def test_the_state_keeps_the_undo_code_with_the_leaving_it_belongs_to(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        page = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    code = undo_form(page)["undo"]
    with Journal(Path(".newsletter")) as journal:
        [(listed, link, undo, until, created)] = journal.db.execute(
            "SELECT list, link, undo, undo_until, created FROM left_lists WHERE email = ?", (ANNA,)).fetchall()
        assert journal.suppression(ANNA) is None and listed == "volunteers"  # the list the mail came from, only
    assert link == token[:16] and undo == hashlib.sha256(code.encode()).hexdigest() and code not in undo
    assert created == site.clock.now and until == created + 3600


@pytest.mark.parametrize("later", ["coordinator", "bounce"])
def test_a_later_unsubscribe_by_the_coordinator_or_a_bounce_cannot_be_undone_by_the_link(site: Site, later: str) -> None:
    token = site.token()
    with site.client(Accept="text/html") as c:
        page = c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        if later == "coordinator":
            runner.invoke(app, ["unsubscribe", ANNA])
        else:
            suppress(ANNA, "bounced", Reason("bounced", {"status": "5.1.1"}))
        assert c.post(f"/u/{token}/undo", data=undo_form(page)).status_code == 409
    assert states()[ANNA] == ("unsubscribed" if later == "coordinator" else "bounced")


def test_an_old_or_forwarded_issue_cannot_undo_an_unsubscribe(site: Site) -> None:
    token = site.token()
    with site.client(Accept="text/html") as reader:
        page = reader.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    with site.client() as stranger:  # has the token from a forwarded issue and a form of its own
        form = stranger.get("/subscribe")
        assert stranger.post(f"/u/{token}/undo", data={"csrf": csrf_of(form), "undo": "1.abc"}).status_code == 409
    with site.client(Accept="text/html") as reader:
        site.clock.now += 3601  # the reader's own undo button, but more than an hour later
        reader.cookies.update(dict(page.cookies))
        assert reader.post(f"/u/{token}/undo", data=undo_form(page)).status_code in (403, 409)
    assert states()[ANNA] == "unsubscribed"


def test_undo_with_a_token_of_another_list_lifts_nothing(site: Site) -> None:
    with site.client(Accept="text/html") as c:
        page = c.post(f"/u/{site.token()}", data={"List-Unsubscribe": "One-Click"})
        other = site.token(ANNA, "presse")
        assert has_undo(c.post(f"/u/{other}", data={"List-Unsubscribe": "One-Click"}))  # a leaving of its own list
        assert c.post(f"/u/{other}/undo", data=undo_form(page)).status_code == 409  # not by the other click's code
    assert states()[ANNA] == "unsubscribed"


def test_a_confirmed_sign_up_lifts_an_unsubscribe_and_a_bounce(site: Site) -> None:
    """The confirmation was clicked in that mailbox, so it receives mail again (issue 25); the lift is recorded."""
    suppress(VICTIM, "bounced", Reason("bounced", {"status": "5.1.1"}))
    suppress(ANNA, "unsubscribed", Reason("coordinator"))
    with site.client() as c:
        for email in (VICTIM, ANNA):
            sign_up(c, email)
            page = c.get(f"/confirm/{confirmation_token(site, email)}")
            done = c.post(f"/confirm/{confirmation_token(site, email)}", data={"csrf": csrf_of(page)})
            assert "Anmeldung bestätigt" in done.text and "zuletzt keine E-Mails zustellen" not in done.text
    assert states()[VICTIM] == "active" and states()[ANNA] == "active"
    with Journal(Path(".newsletter")) as journal:
        assert [(kind, by) for kind, _, by, _ in journal.lifted_of(VICTIM)] == [("bounced", "a confirmed sign-up to volunteers")]


@pytest.mark.parametrize("origin", ["https://evil.example.com", None])
def test_a_sign_up_from_another_origin_or_without_the_form_is_refused(site: Site, origin: str | None) -> None:
    headers = {"Origin": origin} if origin else {}
    with site.client(**headers) as stranger:
        data = {"email": VICTIM, "list": "volunteers", "consent": "yes"}
        if origin:  # the attacker's page may even carry a field it read from our form: the cookie is missing
            data["csrf"] = csrf_of(httpx.get(f"{site.base}/subscribe"))
        refused = stranger.post("/subscribe", data=data)
    assert refused.status_code == 403 and site.mails() == []


def test_a_hundred_sign_ups_for_one_address_send_exactly_one_mail(site: Site) -> None:
    with site.client() as c:
        answers = {sign_up(c).status_code for _ in range(100)}
    assert answers == {200}
    assert len(site.mails()) == 1


def test_a_day_later_the_address_may_get_a_new_confirmation_mail(site: Site) -> None:
    with site.client() as c:
        sign_up(c)
        site.clock.now += 86_400 + 1
        sign_up(c)
    assert len(site.mails()) == 2


def test_the_confirmation_mail_holds_nothing_the_requester_typed_but_the_address(site: Site) -> None:
    with site.client() as c:
        sign_up(c, name="Gewinn! Klicken Sie https://evil.example.com")
    [mail] = [m for m in site.smtp.handler.messages()]
    assert mail["To"] == VICTIM and "evil" not in mail.as_string() and "Gewinn" not in mail.as_string()
    text = site.mails()[0]
    assert text.splitlines()[0] == "Guten Tag,"
    assert "Newsletter Flüchtlingskoordination" in mail["Subject"] and "Newsletter Flüchtlingskoordination" in text
    assert "Musterstraße 1, 47798 Krefeld" in text  # the imprint of the newest issue


def test_the_confirmation_link_uses_the_public_url_whatever_host_is_sent(
        workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, PUBLIC_URL="https://newsletter.example.org"):
        with site.client(Host="evil.example.com") as c:
            form = c.get("/subscribe")  # its cookie is Secure (the public URL is https): sent here by hand
            cookie = form.headers["set-cookie"].split(";")[0]
            c.post("/subscribe", data={"email": VICTIM, "list": "volunteers", "consent": "yes", "csrf": csrf_of(form)},
                   headers={"Cookie": cookie})
        assert re.search(r"^https://newsletter\.example\.org/confirm/[a-z2-7]{32}\?lang=de\r?$", site.mails()[0], re.M)


def test_sign_ups_from_one_client_are_rate_limited(workdir: Path, smtp_server: SMTPServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, SIGNUP_LIMIT="5"):
        with site.client() as c:
            answers = [sign_up(c, f"person{n}@example.com").status_code for n in range(7)]
        with site.client(**{"X-Forwarded-For": "198.51.100.7"}) as spoofing:
            forwarded = sign_up(spoofing, "other@example.com")
        assert answers == [200] * 5 + [429] * 2
        assert forwarded.status_code == 429  # without a trusted proxy, X-Forwarded-For is not believed
        assert len(site.smtp.handler.messages()) == 5


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
        workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, SIGNUP_LIMIT="2", TRUSTED_PROXIES="127.0.0.1"):
        with site.client(**{"X-Forwarded-For": "198.51.100.7"}) as first, \
                site.client(**{"X-Forwarded-For": "198.51.100.8"}) as second:
            assert [sign_up(first, f"a{n}@example.com").status_code for n in range(3)] == [200, 200, 429]
            assert sign_up(second, "b@example.com").status_code == 200
            # a client's own X-Forwarded-For line, then the proxy's: the proxy's line names the client
            first.headers = httpx.Headers([("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-For", "198.51.100.7")])
            assert sign_up(first, "c@example.com").status_code == 429


@pytest.mark.parametrize("token", ["ä" * 32, "x" * 5000, "abc", "a" * 31, "%00" * 32, "A" * 32, "€" * 16 + "a" * 16])
def test_any_malformed_token_gets_the_400_page(site: Site, token: str) -> None:
    with site.client() as c:
        for path in (f"/u/{token}", f"/confirm/{token}"):
            answer = c.get(path)
            assert answer.status_code == 400 and "Dieser Link funktioniert nicht" in answer.text, path


def test_forged_altered_and_misused_tokens_get_the_400_page(site: Site) -> None:
    good = site.token()
    forged = unsubscribe_token(b"not-our-secret", ANNA, "volunteers")
    altered = good[:-1] + ("a" if good[-1] != "a" else "b")
    with site.client() as c:
        sign_up(c)
        confirm = confirmation_token(site)
        for path in (f"/u/{forged}", f"/u/{altered}", f"/u/{confirm}"):
            answer = c.post(path, data={"List-Unsubscribe": "One-Click"}, headers={"Accept": "text/html"})
            assert answer.status_code == 400 and "Dieser Link funktioniert nicht" in answer.text, path
        assert c.get(f"/confirm/{good}").status_code == 400
    assert states()[ANNA] == "active"


def test_a_confirmation_link_expires_but_an_unsubscribe_link_never_does(site: Site) -> None:
    token = site.token()
    with site.client() as c:
        sign_up(c)
        site.clock.now += 8 * 86_400
        assert c.get(f"/confirm/{confirmation_token(site)}").status_code == 400
        with Journal(Path(".newsletter")) as journal:  # a link sent ten years ago
            journal.db.execute("UPDATE links SET created = created - 315360000 WHERE purpose = 'unsubscribe'")
        assert c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_tokens_are_short_and_name_nobody(site: Site) -> None:
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    for mail in site.smtp.handler.messages():
        header = str(mail["List-Unsubscribe"])
        tokens = re.findall(r"(?:/u/|%20)([^>/]+)>", header)
        assert tokens and all(len(t) <= 40 for t in tokens)
        assert "anna" not in header.replace("unsubscribe", "") and "YW5uY" not in header
        text = mail.get_body(("plain",)).get_content()
        assert all(len(line) < 100 for line in text.splitlines() if tokens[0] in line)


def test_every_response_carries_the_security_headers(site: Site) -> None:
    token = site.token()
    with site.client() as c:
        answers = [c.get("/subscribe"), c.get(f"/u/{token}"), c.get("/u/bad"), c.get("/nowhere"), c.put("/subscribe"),
                   c.post("/subscribe", data={}), c.head("/subscribe"), c.get("/archive/2020-12.html")]
    for answer in answers:
        assert set(answer.headers) >= SECURITY_HEADERS, answer.request.url
        assert "script-src" not in answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer" and answer.headers["x-content-type-options"] == "nosniff"
    assert answers[1].headers["cache-control"] == "no-store"


def test_the_web_version_is_served_from_the_issue_file_once_the_issue_is_sent(site: Site) -> None:
    with site.client() as c:
        assert c.get("/archive/2020-12.html").status_code == 404  # a draft stays private
        runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
        page = c.get("/archive/2020-12.html")
        assert page.status_code == 200 and "Krefeld auf dem Weg" in page.text and "Hallo Anna" not in page.text
        issue = Path("issues/2020-12.md")
        issue.write_text(issue.read_text().replace("Krefeld auf dem Weg", "Krefeld ganz auf dem Weg"))
        assert "Krefeld ganz auf dem Weg" in c.get("/archive/2020-12.html").text


def test_the_form_names_only_the_public_lists_with_their_titles(site: Site) -> None:
    Path("subscribers/intern.csv").write_text("email\nchef@example.org\n")
    with site.client() as c:
        form = c.get("/subscribe").text
        assert "intern" not in form and 'value="volunteers"' in form
        refused = sign_up(c, list="intern")
    assert refused.status_code == 400 and "Diesen Verteiler gibt es nicht." in refused.text


def test_a_confirmed_web_sign_up_is_listed_and_exported_with_its_consent_time(site: Site) -> None:
    with site.client() as c:
        sign_up(c, name="Neu Dabei")
        page = c.get(f"/confirm/{confirmation_token(site)}")
        c.post(f"/confirm/{confirmation_token(site)}", data={"csrf": csrf_of(page)})
    result = runner.invoke(app, ["subscribers", "volunteers", "--export", "active.csv"])
    assert re.search(rf"active\s+{VICTIM}\s+Neu Dabei\s+\(web sign-up, consent \d{{4}}-\d\d-\d\d \d\d:\d\d\)", result.output)
    assert "(1 of them web sign-ups)" in result.output
    assert VICTIM in Path("active.csv").read_text()


def test_serve_needs_the_public_url_unless_local(workdir: Path) -> None:
    result = runner.invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "NEWSLETTER_PUBLIC_URL is not set" in result.output and "--local" in result.output


def test_a_sign_up_needs_consent_and_a_valid_address_and_keeps_what_was_typed(site: Site) -> None:
    with site.client() as c:
        answer = sign_up(c, "kaputt", name="X", consent="no")
    assert answer.status_code == 400
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in answer.text and "Häkchen" in answer.text
    assert 'aria-invalid="true"' in answer.text and 'value="X"' in answer.text
    assert site.mails() == []


def test_when_the_mail_server_refuses_the_login_the_page_says_try_later_and_a_retry_mails_again(
        workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, SMTP_USERNAME="buero", SMTP_PASSWORD="geheim",
                      SMTP_ALLOW_PLAINTEXT_AUTH="true"):
        with site.client() as c:
            answers = [sign_up(c) for _ in range(2)]
        assert [a.status_code for a in answers] == [503, 503]  # not "check your mail": nothing was sent
        assert set(answers[0].headers) >= SECURITY_HEADERS and "später" in answers[0].text


def test_paths_with_a_trailing_slash_are_not_redirected_by_host(site: Site) -> None:
    with site.client(Host="evil.example.com") as c:
        for path in (f"/u/{site.token()}/", "/subscribe/"):
            answer = c.get(path)
            assert answer.status_code == 404 and "location" not in answer.headers, path
        assert c.get("/archive").status_code == 200  # served as it is, no redirect


def test_big_or_file_carrying_posts_are_refused_before_they_are_read(site: Site) -> None:
    token = site.token()
    with site.client() as c:
        assert c.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click&x=" + b"a" * 100_000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
        assert c.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"},
                      files={"f": ("a.txt", b"x" * 100)}).status_code == 400
    assert states()[ANNA] == "active"


def test_a_typed_name_loses_formulas_and_invisible_characters(site: Site) -> None:
    with site.client() as c:
        sign_up(c, name='=HYPERLINK("http://evil.example.com")\u202eNeu\u200b')
        page = c.get(f"/confirm/{confirmation_token(site)}")
        c.post(f"/confirm/{confirmation_token(site)}", data={"csrf": csrf_of(page)})
    settled()
    listed = runner.invoke(app, ["subscribers", "volunteers", "--export", "active.csv"])
    assert listed.exit_code == 0, listed.output
    exported = Path("active.csv").read_text()
    assert f'{VICTIM};"HYPERLINK(""http://evil.example.com"") Neu"' in exported and "=HYPER" not in exported
    assert "\u202e" not in exported and "\u200b" not in exported


def test_confirming_again_after_an_unsubscribe_changes_nothing_and_says_so(site: Site) -> None:
    with site.client(Accept="text/html") as c:
        sign_up(c)
        token = confirmation_token(site)
        c.post(f"/confirm/{token}", data={"csrf": csrf_of(c.get(f"/confirm/{token}"))})
        c.post(f"/u/{site.token(VICTIM)}", data={"List-Unsubscribe": "One-Click"})
        again = c.post(f"/confirm/{token}", data={"csrf": csrf_of(c.get(f"/confirm/{token}"))})
    assert "schon bestätigt" in again.text and "zustellen" not in again.text
    assert states()[VICTIM] == "unsubscribed"


def test_link_errors_are_said_in_the_pages_language(site: Site) -> None:
    with site.client() as c:
        sign_up(c)
        site.clock.now += 8 * 86_400
        german = c.get(f"/confirm/{confirmation_token(site)}")
        english = c.get(f"/confirm/{confirmation_token(site)}?lang=en")
    assert "Der Link ist abgelaufen." in german.text and "The link has expired." in english.text


def test_form_pages_are_never_cached_web_versions_may_be(site: Site) -> None:
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    with site.client() as c:
        assert c.get("/subscribe").headers["cache-control"] == "no-store"
        assert "cache-control" not in c.get("/archive/2020-12.html").headers


def test_a_public_url_with_a_path_is_refused_in_one_line(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_PUBLIC_URL", "https://example.org/newsletter/")
    result = runner.invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2 and "has a path" in result.output


def test_the_archive_lists_sent_issues_only_even_after_a_static_build(site: Site) -> None:
    draft = Path("issues/2021-01.md")
    draft.write_text(Path("issues/2020-12.md").read_text().replace("Dezember 2020", "GEHEIMER ENTWURF"))
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    runner.invoke(app, ["archive", "--out", "site", "--no-pdf"])
    assert not Path("site/2021-01.html").exists() and Path("site/2020-12.html").exists()
    with site.client() as c:
        index = c.get("/archive/")
        assert "Dezember 2020" in index.text and "GEHEIMER" not in index.text
        assert c.get("/archive/2021-01.html").status_code == 404


@pytest.fixture
def public_site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """Behind its https:// public address, as on the internet (the test reaches it on loopback)."""
    yield from serve(monkeypatch, smtp_server, PUBLIC_URL="https://news.example.org")


def test_a_photo_from_the_computer_is_served_beside_the_web_version_once_the_issue_is_sent(public_site: Site) -> None:
    from test_images import ISSUE, PHOTO, issue_with, photo

    site = public_site
    photo(Path("issues") / PHOTO)
    issue_with(PHOTO)
    media = "/archive/media/2021-03-1-impfzentrum.jpg"
    with site.client() as c:
        assert c.get(media).status_code == 404  # a draft's photo stays private too
        result = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
        assert result.exit_code == 0, result.output
        assert f'src="https://news.example.org{media}"' in c.get("/archive/2021-03.html").text
        answer = c.get(media)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        assert answer.content.startswith(b"\xff\xd8") and c.get("/archive/media/..%2F2021-03.md").status_code == 404


def test_confirmation_mails_count_toward_the_providers_limit(workdir: Path, smtp_server: SMTPServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, HOURLY_LIMIT="10", SIGNUP_LIMIT="100"):
        with Journal(Path(".newsletter")) as journal:  # an issue's send used nine of the provider's ten
            for _ in range(9):
                journal.log_handed(site.clock())
        with site.client() as c:
            answers = [sign_up(c, f"person{n}@example.com").status_code for n in range(2)]
        assert answers == [200, 503] and len(site.smtp.handler.messages()) == 1


def forwarded_from(client: httpx.Client, address: str) -> httpx.Client:
    client.headers["X-Forwarded-For"] = address
    return client


def test_a_flood_from_one_ipv6_48_is_capped_as_one_client(workdir: Path, smtp_server: SMTPServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, TRUSTED_PROXIES="127.0.0.1"):
        with site.client() as c:  # every sign-up from another /64 of 2001:db8:1::/48, to another address
            answers = [sign_up(forwarded_from(c, f"2001:db8:1:{n:x}::1"), f"p{n}@example.com").status_code
                       for n in range(1000)]
            other = sign_up(forwarded_from(c, "2001:db8:2::1"), "else@example.com").status_code
        assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
        assert len(site.smtp.handler.messages()) == 6 and other == 200


def test_the_whole_site_is_capped_from_many_networks_and_the_issues_quota_stays(
        workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, TRUSTED_PROXIES="127.0.0.1", DAILY_LIMIT="40"):
        with site.client() as c:  # 20 networks, one sign-up each; sign-ups may use a fifth of the 40: 8
            answers = [sign_up(forwarded_from(c, f"198.51.{n}.7"), f"p{n}@example.com") for n in range(20)]
        assert [a.status_code for a in answers] == [200] * 8 + [429] * 12
        assert "Gerade sehr viele Anmeldungen" in answers[-1].text and "keine E-Mail verschickt" in answers[-1].text
        assert len(site.smtp.handler.messages()) == 8
        sent = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
        assert sent.exit_code == 0, sent.output
        assert len(site.smtp.handler.messages()) == 8 + 8  # every reader of the list got the issue at once


def test_the_hourly_site_cap_frees_after_the_hour(workdir: Path, smtp_server: SMTPServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, TRUSTED_PROXIES="127.0.0.1", SIGNUP_HOURLY_CAP="3"):
        with site.client() as c:
            first = [sign_up(forwarded_from(c, f"203.0.113.{n}"), f"p{n}@example.com").status_code for n in range(5)]
            site.clock.now += 3601
            later = [sign_up(forwarded_from(c, f"192.0.2.{n}"), f"q{n}@example.com").status_code for n in range(4)]
        assert first == [200] * 3 + [429] * 2 and later == [200] * 3 + [429]
        assert len(site.smtp.handler.messages()) == 6


def test_plus_addresses_and_case_are_one_address_for_the_one_mail_a_day(site: Site) -> None:
    with site.client() as c:
        answers = [sign_up(c, email).status_code for email in
                   ("opfer@example.com", "opfer+1@example.com", "Opfer+Newsletter@EXAMPLE.com", "OPFER@example.com")]
    assert answers == [200] * 4 and len(site.smtp.handler.messages()) == 1


def test_a_new_issue_names_the_pages_without_a_restart_and_newest_means_by_date(site: Site) -> None:
    sample = Path("issues/2020-12.md").read_text(encoding="utf-8")
    old_name = sample.replace("newsletter: Newsletter Flüchtlingskoordination", "newsletter: Alter Rundbrief")
    Path("issues/zz-archiv.md").write_text(old_name.replace("date: 2020-12-23", "date: 2019-05-01"), encoding="utf-8")
    with site.client() as client:
        first = client.get("/subscribe").text
        assert "Newsletter Flüchtlingskoordination" in first and "Alter Rundbrief" not in first
        renamed = sample.replace("newsletter: Newsletter Flüchtlingskoordination", "newsletter: Rundbrief Ehrenamt")
        Path("issues/2021-01.md").write_text(renamed.replace("date: 2020-12-23", "date: 2021-01-20"), encoding="utf-8")
        page = client.get("/subscribe").text
    assert "Rundbrief Ehrenamt" in page and "Alter Rundbrief" not in page
