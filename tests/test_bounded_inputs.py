"""Uploads are a stranger's files: a spreadsheet or a photo of a few bytes that claims millions of rows or pixels,
or unpacks to gigabytes, is read only as far as it holds something, or refused in one clear line (German on the
desk), and the desk keeps answering while a big sheet is read."""

from __future__ import annotations

import io
import itertools
import re
import signal
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from PIL import Image

from composer.audience.spreadsheets import Limits, SheetLimitError, read_sheet
from composer.desk import Access, Desk, create_desk
from composer.desk.server import DeskServer
from composer.errors import IssueFileError, SubscriberListError
from composer.send.pipeline import build_issue
from composer.send.tokens import load_secret
from tests.conftest import free_port, make_settings
from tests.deskserver import csrf_of, desk_server
from tests.test_desk_photos import upload as upload_photo
from tests.test_desk_subscribers import xlsx
from tests.test_images import ISSUE, PHOTO, built, issue_with, photo

OFFICE = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods(rows: str) -> bytes:
    """An OpenDocument spreadsheet written member by member, its one table holding `rows` (table-row elements)."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Liste">{rows}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def row(*cells: str, repeated: int = 1) -> str:
    inner = "".join(f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' if c
                    else "<table:table-cell/>" for c in cells)
    return f'<table:table-row table:number-rows-repeated="{repeated}">{inner}</table:table-row>'


BLANK_TAIL = ('<table:table-row table:number-rows-repeated="2000000"><table:table-cell table:number-columns-repeated="16384"/>'
              "</table:table-row>")
LIST_ROWS = row("email", "name") + row("anna@example.org", "Anna") + row("", "") + row("bernd@example.org", "Bernd")


def rewritten(data: bytes, changes: dict[str, Callable[[str], str]], extra: dict[str, str] | None = None) -> bytes:
    """The zip `data` with members' text changed and members added, as a hand-made file would be."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            change = changes.get(info.filename)
            target.writestr(info.filename, change(content.decode()).encode() if change else content)
        for name, text in (extra or {}).items():
            target.writestr(name, text)
    return out.getvalue()


def whole_sheet_dimension(data: bytes) -> bytes:
    return rewritten(data, {"xl/worksheets/sheet1.xml": lambda xml: re.sub(r'<dimension ref="[^"]*"/>',
                                                                           '<dimension ref="A1:XFD1048576"/>', xml)})


def test_an_ods_of_a_few_bytes_claiming_two_million_blank_rows_reads_only_its_rows() -> None:
    data = ods(LIST_ROWS + BLANK_TAIL)
    assert len(data) < 1200
    sheet = read_sheet("liste.ods", data)
    assert sheet.text == "email;name\nanna@example.org;Anna\nbernd@example.org;Bernd\n"
    assert sheet.row_of(3) == 4  # the blank row 3 is left out, and Bernd is still named by his row in the sheet


def test_an_xlsx_declaring_the_whole_sheet_as_its_dimension_reads_only_its_rows() -> None:
    data = whole_sheet_dimension(xlsx([["email", "name"], ["anna@example.org", "Anna"], ["bernd@example.org", "Bernd"]]))
    assert len(data) < 6000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b'<dimension ref="A1:XFD1048576"/>' in archive.read("xl/worksheets/sheet1.xml")
    assert read_sheet("liste.xlsx", data).text == "email;name\nanna@example.org;Anna\nbernd@example.org;Bernd\n"


def test_a_sheet_over_the_row_limit_is_refused_in_one_line() -> None:
    data = ods(row("email") + row("anna@example.org", repeated=200_000))
    with pytest.raises(SheetLimitError, match=r"^liste\.ods: more than 200000 rows; split the list, or delete what is below it$"):
        read_sheet("liste.ods", data)


def test_a_value_far_right_of_the_list_is_refused_in_one_line() -> None:
    data = ods(row("email") + '<table:table-row><table:table-cell table:number-columns-repeated="500"/>'
               '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    with pytest.raises(SheetLimitError, match=r"row 2 has a value in column 501; at most 100 columns are read"):
        read_sheet("liste.ods", data)


def test_a_cell_longer_than_any_list_needs_is_refused_in_one_line() -> None:
    data = xlsx([["email", "name"], ["anna@example.org", "A" * 10_001]])
    with pytest.raises(SheetLimitError, match=r"row 2, column 2 holds more than 10000 characters"):
        read_sheet("liste.xlsx", data)


def test_a_cell_of_a_few_bytes_asking_for_a_billion_spaces_is_refused_without_making_them() -> None:
    spaces = '<text:s text:c="1000000000"/>' * 1000
    data = ods(row("email", "name") + '<table:table-row><table:table-cell office:value-type="string"><text:p>anna@example.org'
               f'</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>A{spaces}</text:p>'
               "</table:table-cell></table:table-row>")
    with pytest.raises(SheetLimitError, match=r"row 2, column 2 holds more than 10000 characters"):
        read_sheet("liste.ods", data)


def test_a_repeated_row_of_long_cells_is_refused_by_the_size_of_the_whole_list() -> None:
    long_row = row("anna@example.org", *["x" * 9_000] * 99, repeated=100_000)
    with pytest.raises(SheetLimitError, match=r"^liste\.ods: more than 64 MB of text; is this the subscriber list\?$"):
        read_sheet("liste.ods", ods(row("email") + long_row))


def test_a_zip_bomb_member_is_refused_by_its_declared_size_before_anything_is_unpacked() -> None:
    out = io.BytesIO(xlsx([["email"], ["anna@example.org"]]))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, archive.open("xl/media/image1.bin", "w") as member:
        zeros = bytes(1024 * 1024)
        for _ in range(260):
            member.write(zeros)
    assert len(out.getvalue()) < 2 * 1024 * 1024  # a bomb: 130 times its size unpacked
    with pytest.raises(SheetLimitError, match=r"unpacked it would be 260 MB, more than 256 MB"):
        read_sheet("liste.xlsx", out.getvalue())


def test_a_member_that_unpacks_to_more_than_it_declares_is_broken_not_read_whole() -> None:
    data = bytearray(ods(LIST_ROWS + row("x" * 5_000_000)))
    central = data.rfind(b"PK\x01\x02")  # the last member's entry in the central directory: content.xml
    struct.pack_into("<I", data, central + 24, 1000)  # its unpacked size, declared small
    with pytest.raises(SubscriberListError, match=r"cannot be read as a ods spreadsheet \(BadZipFile: Bad CRC-32"):
        read_sheet("liste.ods", bytes(data))


def test_a_huge_shared_string_table_is_refused_before_openpyxl_reads_it() -> None:
    data = xlsx([["email"], ["anna@example.org"]])
    strings = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               f'<si><t>{"a" * 40 * 1024 * 1024}</t></si></sst>')
    kind = ('<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    huge = rewritten(data, {"[Content_Types].xml": lambda xml: xml.replace("</Types>", kind),
                            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                                '<c r="A2" t="inlineStr"><is><t>anna@example.org</t></is></c>', '<c r="A2" t="s"><v>0</v></c>')},
                     {"xl/sharedStrings.xml": strings})
    assert len(huge) < 200_000
    with pytest.raises(SheetLimitError, match=r"its texts take 40 MB unpacked, more than 32 MB"):
        read_sheet("liste.xlsx", huge)


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", None])
def test_a_malformed_ods_is_one_clear_line(data: bytes | None) -> None:
    broken = data or ods(LIST_ROWS).replace(b"content.xml", b"content.xmX")  # no content where the format keeps it
    with pytest.raises(SubscriberListError, match=r"^liste\.ods: cannot be read as a ods spreadsheet \(.*\); save it again"):
        read_sheet("liste.ods", broken)


def test_broken_xml_in_an_ods_is_one_clear_line() -> None:
    data = rewritten(ods(LIST_ROWS), {"content.xml": lambda xml: xml[: len(xml) // 2]})
    with pytest.raises(SubscriberListError, match=r"cannot be read as a ods spreadsheet \(XMLSyntaxError"):
        read_sheet("liste.ods", data)


def test_a_sheet_taking_longer_than_the_time_limit_is_refused() -> None:
    ticks = iter(range(1000))
    data = ods(row("email") + row("anna@example.org") + row("bernd@example.org"))
    with pytest.raises(SheetLimitError, match=r"reading it took longer than 1 seconds; export it as CSV UTF-8"):
        read_sheet("liste.ods", data, Limits(seconds=1), clock=lambda: next(ticks))


def big_xlsx(count: int) -> bytes:
    """An .xlsx of `count` address rows as Excel writes it (its dimension first, strings inline), members written here."""
    cells = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>person{n}@example.org</t></is></c>'
                    f'<c r="B{n}" t="inlineStr"><is><t>Person {n}</t></is></c></row>' for n in range(2, count + 2))
    return rewritten(xlsx([["email", "name"]]), {"xl/worksheets/sheet1.xml": lambda xml: re.sub(
        r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:B{count + 1}"/>', xml).replace("</sheetData>", cells + "</sheetData>")})


@pytest.mark.parametrize("limits", [Limits(rows=1), Limits(columns=1), Limits(cell=3), Limits(text=10), Limits(unpacked=10),
                                    Limits(members=1), Limits(seconds=0)],
                         ids=["rows", "columns", "cell", "text", "unpacked", "members", "seconds"])
def test_every_limit_is_said_in_german_on_the_desk(limits: Limits) -> None:
    with pytest.raises(SheetLimitError) as refused:
        read_sheet("liste.ods", ods(LIST_ROWS), limits, clock=itertools.count().__next__)
    assert refused.value.shown("de").startswith("liste.ods: ") and str(refused.value).startswith("liste.ods: ")
    assert refused.value.shown("de") != str(refused.value)


def test_a_hundred_thousand_row_xlsx_is_read_whole() -> None:
    read = read_sheet("gross.xlsx", big_xlsx(100_000))
    lines = read.text.splitlines()
    assert len(lines) == 100_001 and lines[-1] == "person100001@example.org;Person 100001" and read.row_of(100_001) == 100_001


# The desk


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def imported(client: httpx.Client, filename: str, data: bytes) -> httpx.Response:
    page = client.get("/subscribers")
    return client.post("/subscribers/import", data={"csrf": csrf_of(page.text), "list": "neu"}, files={"file": (filename, data)})


def alert(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text.strip()


def test_the_desk_imports_the_tiny_bombs_as_their_real_rows(running) -> None:
    client = running.client()
    for name, data in [("liste.ods", ods(LIST_ROWS + BLANK_TAIL)),
                       ("liste.xlsx", whole_sheet_dimension(xlsx([["email"], ["anna@example.org"], ["bernd@example.org"]])))]:
        preview = imported(client, name, data)
        assert preview.status_code == 200
        assert "Zeilen gelesen 2" in " ".join(BeautifulSoup(preview.text, "html.parser").select_one("#import-counts").text.split())


def test_the_desk_refuses_a_sheet_over_the_limit_in_german(running) -> None:
    response = imported(running.client(), "liste.ods", ods(row("email") + row("anna@example.org", repeated=200_000)))
    assert response.status_code == 400
    assert alert(response) == "liste.ods: mehr als 200000 Zeilen; teilen Sie die Liste auf oder löschen Sie, was unter ihr steht"


def test_the_desk_answers_a_malformed_ods_with_400_in_german(running) -> None:
    response = imported(running.client(), "liste.ods", b"PK\x03\x04 not really a zip")
    assert response.status_code == 400 and alert(response).startswith("liste.ods: lässt sich nicht als ods-Tabelle lesen (")


class Gate(threading.Event):
    """The desk's `stopping`, which the import asks at every row: holds the import at its first row until opened."""

    def __init__(self) -> None:
        super().__init__()
        self.reached, self.opened = threading.Event(), threading.Event()

    def is_set(self) -> bool:
        self.reached.set()
        assert self.opened.wait(30)
        return super().is_set()


def test_the_desk_answers_other_pages_while_an_import_is_read(running) -> None:
    running.desk.stopping = gate = Gate()
    answers: list[httpx.Response] = []
    importer = threading.Thread(target=lambda: answers.append(imported(running.client(), "liste.ods", ods(LIST_ROWS))))
    importer.start()
    try:
        assert gate.reached.wait(30)  # the import is being read now, and stays so until the gate opens
        other = httpx.get(f"{running.base}/subscribers", cookies=running.client().cookies, timeout=10)
        assert other.status_code == 200 and not answers
    finally:
        gate.opened.set()
        importer.join(30)
    assert answers[0].status_code == 200 and "anna@example.org" in answers[0].text


def test_sigterm_during_an_import_stops_the_import_and_the_desk(workdir: Path) -> None:
    settings = make_settings(state_dir=workdir / ".newsletter")
    desk = Desk(workdir, settings, load_secret(None, settings.state_dir), Access("127.0.0.1"))
    desk.stopping = gate = Gate()
    port = free_port()
    server = DeskServer(uvicorn.Config(create_desk(desk), host="127.0.0.1", port=port, log_level="warning"), gate)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=30)
    client.get(f"/login?token={desk.access.login_token}")
    answers: list[httpx.Response] = []
    importer = threading.Thread(target=lambda: answers.append(imported(client, "liste.ods", ods(LIST_ROWS + BLANK_TAIL))))
    importer.start()
    assert gate.reached.wait(30)
    server.handle_exit(signal.SIGTERM, None)  # what uvicorn's signal handler calls
    gate.opened.set()
    importer.join(30)
    serving.join(30)
    assert not serving.is_alive()
    assert answers[0].status_code == 400
    assert alert(answers[0]) == "liste.ods: der Import wurde abgebrochen, weil die Redaktion beendet wird"


# Photos


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width`×`height` pixels in a few bytes: a decompression bomb if anything decoded it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def big_photo(width: int, height: int) -> bytes:
    """A real picture of that size that weighs little: one bit per pixel."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG")
    return out.getvalue()


TOO_MANY = "bombe.png: viel zu viele Pixel, um es sicher zu lesen; nehmen Sie ein Foto mit höchstens 40 Megapixeln"


@pytest.mark.parametrize(("make", "german"), ids=["bomb", "12000x12000", "8000x6000"], argvalues=[
    (lambda: png_header(100_000, 100_000), TOO_MANY),
    (lambda: big_photo(12_000, 12_000), TOO_MANY),
    (lambda: big_photo(8_000, 6_000), "bombe.png: 8000×6000 Pixel sind mehr als 40 Megapixel; verkleinern Sie das Foto in "
                                      "einem Bildprogramm (4000 Pixel Breite genügen) und nehmen Sie dieses")])
def test_the_desk_refuses_a_photo_with_too_many_pixels_at_its_field_in_german(workdir: Path, make, german: str) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        answer = upload_photo(desk, "Ein Bild", name="bombe.png", data=make())
    assert answer.status_code == 422
    error = BeautifulSoup(answer.text, "html.parser").select_one("#f-articles-1-image-upload-err")
    assert error is not None and german in error.text and not Path("issues/fotos").exists()


def test_a_photo_with_too_many_pixels_in_the_issue_is_a_problem_at_its_path(workdir: Path) -> None:
    (workdir / "issues" / PHOTO).parent.mkdir(parents=True)
    (workdir / "issues" / PHOTO).write_bytes(big_photo(8_000, 6_000))
    issue_with(PHOTO)
    with pytest.raises(IssueFileError) as refused:
        build_issue(Path(ISSUE), make_settings())
    (problem,) = refused.value.problems
    assert problem.field == "articles[0].image.path"
    assert str(problem.message).startswith(f"{PHOTO}: 8000×6000 pixels is more than 40 megapixels")


def test_a_decompression_bomb_in_the_issue_is_a_problem_at_its_path(workdir: Path) -> None:
    (workdir / "issues" / PHOTO).parent.mkdir(parents=True)
    (workdir / "issues" / PHOTO).write_bytes(png_header(100_000, 100_000))
    issue_with(PHOTO)
    with pytest.raises(IssueFileError, match="far too many pixels to be read safely"):
        build_issue(Path(ISSUE), make_settings())


def test_a_photo_is_resized_once_and_then_taken_from_the_cache(workdir: Path) -> None:
    photo(workdir / "issues" / PHOTO, (3000, 2000))
    issue_with(PHOTO)
    first = next(p for p in built().walk() if p.get_content_maintype() == "image").get_content()
    (cached,) = (workdir / ".newsletter" / "cache" / "images").glob("*.jpg")
    assert cached.read_bytes() == first and cached.stat().st_mode & 0o077 == 0
    marker = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 255)).save(marker, "JPEG")
    cached.write_bytes(marker.getvalue())  # a second build that decoded the photo again would not carry this
    again = next(p for p in built().walk() if p.get_content_maintype() == "image").get_content()
    assert again == marker.getvalue()
