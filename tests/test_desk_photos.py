"""Bilder: a photo from the coordinator's computer goes into an article through the desk's form, becomes a local
image of the issue (a file beside it, named by its path) and shows in the rendered email."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from composer.issue.issuefile import read_issue
from tests.conftest import make_settings
from tests.deskserver import csrf_of, desk_server
from tests.test_desk_editor import form_fields


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def photo(width: int = 2400, height: int = 1600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 80)).save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(running, alt: str, name: str = "Sprachcafé Juni.jpg", data: bytes | None = None):
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields.pop("articles[1].image.upload", None)
    fields["articles[1].image.alt"] = alt
    files = {"articles[1].image.upload": (name, data if data is not None else photo(), "image/jpeg")}
    return client.post("/issues/2020-12", data=fields, files=files)


def test_an_uploaded_photo_is_kept_beside_the_issue_and_named_by_its_path(running) -> None:
    answer = upload(running, "Das Sprachcafé in der Stadtbibliothek")
    assert answer.status_code == 303
    issue, _ = read_issue(Path("issues/2020-12.md"))
    image = issue.articles[1].image
    assert image is not None and image.path == "fotos/2020-12-sprachcafe-juni.jpg" and image.url is None
    assert image.alt == "Das Sprachcafé in der Stadtbibliothek"
    assert Path("issues/fotos/2020-12-sprachcafe-juni.jpg").read_bytes() == photo()


def test_the_email_carries_the_uploaded_photo_resized(running) -> None:
    upload(running, "Das Sprachcafé")
    html = running.client().get("/issues/2020-12/email").text
    assert 'alt="Das Sprachcaf' in html and "data:image/jpeg;base64," in html


def test_a_photo_without_a_description_is_not_saved_and_the_description_field_says_why(running) -> None:
    before = Path("issues/2020-12.md").read_text()
    answer = upload(running, "")
    assert answer.status_code == 422 and 'id="f-articles-1-image-alt-err"' in answer.text
    assert Path("issues/2020-12.md").read_text() == before
    assert 'value="fotos/2020-12-sprachcafe-juni.jpg"' in answer.text  # the photo stays in the form: no second upload


def test_a_file_that_is_not_a_photo_is_refused_at_its_field(running) -> None:
    answer = upload(running, "Ein Bild", name="rechnung.pdf", data=b"%PDF-1.4 not a photo")
    assert answer.status_code == 422 and "rechnung.pdf: kein Foto; nehmen Sie eine JPEG-, PNG-, GIF- oder WebP-Datei" in answer.text
    assert 'id="f-articles-1-image-upload-err"' in answer.text and not Path("issues/fotos").exists()


def test_the_form_posts_photos_as_multipart(running) -> None:
    page = running.client().get("/issues/2020-12").text
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert csrf_of(page)
