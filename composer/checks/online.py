"""`--online`: does every web link of the email answer? HEAD first, GET when HEAD is refused."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from lxml import html as lxml_html

from composer.i18n import Message, message
from composer.checks.findings import Finding, Subject

TIMEOUT = 10
WORKERS = 8
AGENT = "newsletter-composer link check"


def check(s: Subject) -> Iterator[Finding]:
    doc = lxml_html.document_fromstring(s.html)
    urls = {a.get("href") for a in doc.iter("a")} | {img.get("src") for img in doc.iter("img")}
    links = sorted(u for u in urls if u and u.startswith(("http://", "https://")) and u != s.unsubscribe_link)
    with ThreadPoolExecutor(WORKERS) as pool:
        for url, problem in zip(links, pool.map(probe, links), strict=True):
            if problem:
                yield Finding("error", "links", message("{url} {problem}", url=url, problem=problem))


def probe(url: str) -> Message | None:
    """None when the URL answers with success (after redirects), else what went wrong."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": AGENT})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT):
                return None
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            return message("answers {code} {reason}", code=exc.code, reason=exc.reason)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return message("cannot be reached ({why})", why=str(getattr(exc, "reason", exc)))
    return None
