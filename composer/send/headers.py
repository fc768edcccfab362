"""Header lines as they go on the wire: every header of an issue's messages (and of their MIME parts) is made
by `header`, so every line ends in CRLF (RFC 5321 forbids a bare LF, and strict servers refuse it with 550)
and none passes 998 octets. (dkimpy folds its DKIM-Signature with CRLF itself; the plain confirmation mails
are made by email.policy.SMTP.)

The folding is the stdlib's (email.header.Header, encoded with linesep CRLF). Not email.policy.SMTP's header
registry: it writes a URL too long for a line as RFC 2047 encoded words, which breaks List-Unsubscribe, and it
costs hundreds of microseconds a header where a send makes a To header per recipient.
"""

from __future__ import annotations

from email.charset import Charset
from email.header import Header
from email.utils import formataddr

from composer.errors import HeaderInjectionError, MessageError

CRLF = "\r\n"
MAX_LINE = 78  # RFC 5322's SHOULD; its MUST is 998 octets
WIRE_LIMIT = 998
_UTF8 = Charset("utf-8")  # made once: making a Charset costs a microsecond


def check_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"{name} contains a line break, which could add hidden recipients; remove it")
    return value


def header(name: str, value: str = "", text: str = "") -> str:
    """`name: text value` as folded header lines, each ending in CRLF. `value` is ASCII syntax (an address in
    angle brackets, URLs, MIME parameters) written as it is. `text` is words a person wrote (a subject, a
    display name): RFC 2047-encoded when it is not ASCII (or looks like an encoded word itself, so it decodes
    back to exactly what was written). A header that fits on one line is written at once, as email.policy
    does: the same bytes the folder would make (a test checks that), and the fast path for the headers made
    per recipient."""
    check_header(name, text)
    check_header(name, value)
    if not value.isascii():
        raise MessageError(f"the {name} header cannot carry {value!r}: only its words may be other than ASCII")
    encode = not text.isascii() or "=?" in text
    words = _UTF8.header_encode(text) if encode and text else text
    line = f"{words} {value}" if words and value else words or value
    if len(name) + 2 + len(line) <= MAX_LINE:
        return f"{name}: {line}{CRLF}"
    folded = _folded(name, value, text, encode)
    if not encode and text and _too_long(folded):  # an ASCII word longer than a line: encoded words always fold
        folded = _folded(name, value, text, encode=True)
    if _too_long(folded):
        raise MessageError(f"the {name} header holds a word longer than a mail line may be ({WIRE_LIMIT} characters)")
    return folded


def address(name: str, email: str) -> tuple[str, str]:
    """`value` and `text` for header(): the address, and a display name (quoted where a phrase needs it)."""
    if not name:
        return email, ""
    if name.isascii() and "=?" not in name:
        return formataddr((name, email)), ""
    return f"<{email}>", name


def _folded(name: str, value: str, text: str, encode: bool) -> str:
    folder = Header(header_name=name, maxlinelen=MAX_LINE)
    if encode:
        folder.append(text, _UTF8)
        if value:
            folder.append(value, "us-ascii")  # Header puts the space between encoded words and plain text
    else:
        folder.append(f"{text} {value}" if text and value else text or value, "us-ascii")
    # Only at spaces: folding there adds nothing (unfolding takes the CRLF away, not the space); folding at a
    # comma, as Header would by default, would add a space to the text.
    lines = folder.encode(splitchars=" ", linesep=CRLF)
    if lines.startswith(CRLF):  # the first word did not fit beside the name: it goes there all the same
        lines = lines[len(CRLF):].lstrip(" ")
    return f"{name}: {lines}{CRLF}"


def _too_long(lines: str) -> bool:
    return any(len(line.encode()) > WIRE_LIMIT for line in lines.split(CRLF))
