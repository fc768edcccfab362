"""Photos from the coordinator's computer: resized with Pillow, embedded as inline parts or published beside the web version."""

from __future__ import annotations

import email
import email.policy
import io
import os
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import SMTPServer, make_settings
from PIL import Image
from typer.testing import CliRunner

from composer.checks import check, prepare
from composer.cli import app
from composer.send.pipeline import SAMPLE_RECIPIENT, build_issue
from composer.publish.archive import build_archive
from composer.send.message import MessageFactory
from composer.config.settings import Settings

runner = CliRunner()
ISSUE = "issues/2021-03.md"
PHOTO = "media/impfzentrum.jpg"


def photo(path: Path, size: tuple[int, int] = (3000, 2000), mode: str = "RGB", noise: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if noise:
        picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        picture = Image.new(mode, size, (180, 40, 60, 128) if mode == "RGBA" else (180, 40, 60))
    picture.save(path)
    return path


def issue_with(image_path: str, width: int = 550, articles: int = 1) -> Path:
    """The sample with its first articles showing the photo at `image_path`."""
    text = Path("issues/2020-12.md").read_text(encoding="utf-8")
    head, *rest = text.split("\n# ")
    fields = f"---\nimage:\n  path: {image_path}\n  alt: Das Impfzentrum in der Messe\n  width: {width}\n---\n"
    parts = [head] + [("\n".join((a.split("\n", 1)[0], fields.rstrip("\n"), a.split("\n", 1)[1])) if n < articles
                       and not a.split("\n", 1)[1].startswith("---") else a) for n, a in enumerate(rest)]
    Path(ISSUE).write_text("\n# ".join(parts), encoding="utf-8")
    return Path(ISSUE)


def path_line() -> int:
    """The line of the first article's `path:` in the issue file."""
    return next(n for n, line in enumerate(Path(ISSUE).read_text(encoding="utf-8").splitlines(), 1) if "  path: " in line)


def built(settings: Settings | None = None) -> email.message.EmailMessage:
    """The message the sample subscriber would receive, parsed back."""
    settings = settings or make_settings()
    data = MessageFactory(build_issue(Path(ISSUE), settings), settings.sender, b"secret").personalise(SAMPLE_RECIPIENT).data
    return email.message_from_bytes(data, policy=email.policy.default)


def test_a_local_photo_travels_inside_the_message_with_its_content_id(workdir: Path, smtp_server: SMTPServer) -> None:
    photo(workdir / "issues" / PHOTO)
    issue_with(PHOTO)
    Path("subscribers/one.csv").write_text("email\nanna@example.org\n", encoding="utf-8")
    result = runner.invoke(app, ["send", ISSUE, "--list", "one", "--yes"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    (message,) = smtp_server.handler.messages()
    assert message.get_content_type() == "multipart/related"
    alternative, image = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert image.get_content_type() == "image/jpeg" and image["Content-Disposition"].startswith("inline")
    cid = image["Content-ID"].strip("<>")
    img = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser").find("img", alt="Das Impfzentrum in der Messe")
    assert img["src"] == f"cid:{cid}" and img["width"] == "550"
    assert Image.open(io.BytesIO(image.get_content())).size == (1100, 733)


def test_the_photo_is_resized_to_twice_its_width_at_most_1200_pixels(workdir: Path) -> None:
    photo(workdir / "issues" / PHOTO, (4000, 1000))
    issue_with(PHOTO, width=600)
    image = next(p for p in built().walk() if p.get_content_maintype() == "image")
    assert Image.open(io.BytesIO(image.get_content())).size == (1200, 300)


def test_a_transparent_picture_stays_a_png(workdir: Path) -> None:
    photo(workdir / "issues" / "media" / "logo.png", (200, 100), mode="RGBA")
    issue_with("media/logo.png", width=100)
    image = next(p for p in built().walk() if p.get_content_maintype() == "image")
    assert image.get_content_type() == "image/png"
    assert Image.open(io.BytesIO(image.get_content())).mode == "RGBA"


def test_with_a_public_address_the_email_links_the_photo_published_beside_the_web_version(workdir: Path) -> None:
    photo(workdir / "issues" / PHOTO)
    issue_with(PHOTO)
    settings = make_settings(public_url="https://news.example.org")
    written = build_archive(workdir / "issues", workdir / "site", settings, b"secret", pdf=False)
    published = workdir / "site" / "media" / "2021-03-1-impfzentrum.jpg"
    assert published in written and Image.open(published).size == (1100, 733)
    page = BeautifulSoup((workdir / "site" / "2021-03.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("img", alt="Das Impfzentrum in der Messe")["src"] == "https://news.example.org/archive/media/2021-03-1-impfzentrum.jpg"
    assert built(settings).get_content_type() == "multipart/alternative"


def test_a_test_mail_carries_its_photo_inside_though_the_issue_links_it_once_sent(
        workdir: Path, smtp_server: SMTPServer) -> None:
    """Before the send the photo is not on the web yet: the test mail would show only its description."""
    photo(workdir / "issues" / PHOTO)
    issue_with(PHOTO)
    env = {**smtp_server.env(), "NEWSLETTER_PUBLIC_URL": "https://news.example.org"}
    result = runner.invoke(app, ["send", ISSUE, "--to", "ich@example.org"], env=env)
    assert result.exit_code == 0, result.output
    (message,) = smtp_server.handler.messages()
    assert message.get_content_type() == "multipart/related"
    image = next(p for p in message.walk() if p.get_content_maintype() == "image")
    img = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser").find("img", alt="Das Impfzentrum in der Messe")
    assert img["src"] == f"cid:{image['Content-ID'].strip('<>')}"


def test_the_preview_shows_a_photo_the_email_links_on_the_web_from_its_own_bytes(workdir: Path) -> None:
    photo(workdir / "issues" / PHOTO)
    issue_with(PHOTO)
    settings = make_settings(public_url="https://news.example.org")
    result = build_issue(Path(ISSUE), settings)
    html, _ = MessageFactory(result, settings.sender, b"secret").preview(SAMPLE_RECIPIENT)
    img = BeautifulSoup(result.viewable(html), "html.parser").find("img", alt="Das Impfzentrum in der Messe")
    assert img["src"].startswith("data:image/jpeg;base64,")


def test_without_a_public_address_the_archive_page_shows_the_copy_beside_it(workdir: Path) -> None:
    photo(workdir / "issues" / PHOTO)
    issue_with(PHOTO)
    build_archive(workdir / "issues", workdir / "site", make_settings(), b"secret", pdf=False)
    page = BeautifulSoup((workdir / "site" / "2021-03.html").read_text(encoding="utf-8"), "html.parser")
    src = page.find("img", alt="Das Impfzentrum in der Messe")["src"]
    assert src == "media/2021-03-1-impfzentrum.jpg" and (workdir / "site" / src).is_file()


def test_a_missing_photo_is_one_line_with_file_and_line(workdir: Path) -> None:
    issue_with("media/fehlt.jpg")
    result = runner.invoke(app, ["check", ISSUE])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: issues/2021-03.md:{path_line()}: articles[0].image.path: no such file media/fehlt.jpg "
                                     "(the path is relative to the issue's folder)")


def test_a_file_that_is_no_picture_is_one_line_too(workdir: Path) -> None:
    (workdir / "issues" / "media").mkdir()
    (workdir / "issues" / PHOTO).write_text("kein Bild", encoding="utf-8")
    issue_with(PHOTO)
    result = runner.invoke(app, ["check", ISSUE])
    assert result.exit_code == 2
    assert f"issues/2021-03.md:{path_line()}: articles[0].image.path: media/impfzentrum.jpg cannot be read as a picture" in result.output


def test_check_warns_when_embedded_photos_make_the_message_heavy(workdir: Path) -> None:
    photo(workdir / "issues" / "media" / "a.jpg", (1200, 1200), noise=True)
    issue_with("media/a.jpg", width=600, articles=2)
    (heavy,) = [str(f) for f in check(prepare(Path(ISSUE), make_settings(), b"secret"), spam=False).warnings
                if "is an example address" not in str(f.message)]
    assert heavy.startswith(f"warning: issues/2021-03.md:{path_line()}: articles[0].image.path: the message weighs ")
