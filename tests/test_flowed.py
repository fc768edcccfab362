"""The text part is format=flowed (RFC 3676, DelSp=No): parsed back and un-flowed, its paragraphs come back whole."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from conftest import make_settings
from test_issuefile import HEAD, write

from composer.issue.issuefile import load_issue
from composer.issue.markdown import tokens
from composer.records import Recipient
from composer.render.build import Build, build
from composer.send.message import MessageFactory

READER = Recipient("anna@example.org", "Anna Müller")


def received(result: Build) -> EmailMessage:
    raw = MessageFactory(result, make_settings().sender, b"secret").personalise(READER).data
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_part(result: Build) -> EmailMessage:
    part = received(result).get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return part


def text_of(result: Build) -> str:
    return text_part(result).get_content().replace("\r\n", "\n")


def unflow(text: str) -> list[tuple[int, str]]:
    """RFC 3676 section 4.2 for DelSp=No: (quote depth, logical line) after un-stuffing and joining flowed lines."""
    logical: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        line = line[depth:].removeprefix(" ")
        if joining and logical and logical[-1][0] == depth:
            logical[-1] = (depth, logical[-1][1] + line.rstrip(" ") + (" " if line.endswith(" ") else ""))
        else:
            logical.append((depth, line))
        joining = line.endswith(" ") and line != "-- "
    return [(depth, line.rstrip(" ")) for depth, line in logical]


def test_the_text_part_says_it_is_flowed(sample_build: Build) -> None:
    part = text_part(sample_build)
    assert part.get_param("format") == "flowed"
    assert part.get_param("delsp") == "no"


def test_unflowed_paragraphs_come_back_whole(sample_build: Build) -> None:
    lines = [line for _, line in unflow(text_of(sample_build))]
    for article in sample_build.issue.articles:
        for token in tokens(article.body):
            if token.type == "inline" and "[" not in token.content and "*" not in token.content:
                paragraph = " ".join(token.content.split())
                assert paragraph in lines or f"- {paragraph}" in lines


def test_no_line_passes_78_characters_except_a_url_alone(tmp_path: Path) -> None:
    url = "https://example.org/" + "sehr-lange-adresse/" * 6
    issue = HEAD.replace("reason:", "reason: Weil " + "Sie sich angemeldet haben, " * 6 + "und") + (
        "# Ein Titel, der so lang ist, dass er auf einem Telefon niemals in eine einzige Zeile passen würde\n\n"
        f"Siehe [hier]({url}) und " + "noch mehr Text " * 20 + "\n")
    text = text_of(build(load_issue(write(tmp_path, issue)), "x"))
    for line in text.split("\n"):
        assert len(line) <= 78 or re.fullmatch(r"https?://\S+|mailto:\S+", line), line
    assert f"\n{url}\n" in text


def test_the_unsubscribe_link_stands_alone_and_unflows_onto_its_label(sample_build: Build) -> None:
    text = text_of(sample_build)
    assert re.search(r"\nNewsletter abbestellen: \n(https://|mailto:)\S+\n", text)
    assert any(re.fullmatch(r"Newsletter abbestellen: (https://|mailto:)\S+", line) for _, line in unflow(text))


def test_quotes_lists_and_code_read_right_after_unflowing(tmp_path: Path) -> None:
    long = "ein Satz, der weiter geht " * 5
    body = (f"> Zitat {long}Ende.\n>\n> > Im Zitat {long}Ende.\n\n- Punkt {long}Ende.\n- Zweiter\n\n"
            f"1. Erstens {long}Ende.\n2. Zweitens\n\nFrom Krefeld {long}Ende.\n\n    code  mit  Abstand\n")
    text = text_of(build(load_issue(write(tmp_path, HEAD + "# A\n\n" + body)), "x"))
    logical = unflow(text)
    assert (1, f"Zitat {long}Ende.") in logical
    assert (2, f"Im Zitat {long}Ende.") in logical
    assert (0, f"- Punkt {long}Ende.") in logical and (0, "- Zweiter") in logical
    assert (0, f"1. Erstens {long}Ende.") in logical and (0, "2. Zweitens") in logical
    assert (0, "    code  mit  Abstand") in logical
    assert (0, f"From Krefeld {long}Ende.") in logical
    assert "\n From Krefeld" in text and "\n     code" in text
    assert "\n- Zweiter\n\n1. Erstens" in text


def test_the_signature_separator_stays_as_it_is(sample_build: Build) -> None:
    assert "\n-- \n" in text_of(sample_build)
