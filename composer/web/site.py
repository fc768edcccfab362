"""What the public web side is told at its start: its public address (links and the form check are built from
it alone, never from a request's Host), the lists the form may name, the folders and the sign-up limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from composer.audience.subscribers import LIST_DIR, LIST_NAME
from composer.errors import SettingsError
from composer.config.settings import Settings

DEFAULT_LIST = "newsletter"


@dataclass(frozen=True)
class Site:
    public_base: str
    lists: dict[str, str]  # list name -> the title the form shows; no other list is ever named publicly
    lists_dir: Path
    issues_dir: Path
    signup_limit: int
    signup_window: float  # seconds
    trusted_proxies: frozenset[str]


def site_for(settings: Settings, local_base: str | None = None, lists_dir: Path = LIST_DIR,
             issues_dir: Path = Path("issues")) -> Site:
    """`local_base` is `serve --local`'s own address; without it NEWSLETTER_PUBLIC_URL must be set."""
    base = local_base or settings.public_base
    if not base:
        raise SettingsError("NEWSLETTER_PUBLIC_URL is not set: set it to the address readers reach the pages at "
                            "(e.g. https://newsletter.example.org), or try the pages on this computer with "
                            "`newsletter serve --local`")
    if urlsplit(base).path.strip("/"):
        raise SettingsError(f"NEWSLETTER_PUBLIC_URL: {base} has a path; the pages need an address of their own "
                            "(e.g. https://newsletter.example.org), which your web server forwards to `serve`")
    proxies = frozenset(a.strip() for a in (settings.trusted_proxies or "").split(",") if a.strip())
    return Site(base.rstrip("/"), public_lists(settings.public_lists), lists_dir, issues_dir,
                settings.signup_limit, settings.signup_window * 60.0, proxies)


def public_lists(value: str | None) -> dict[str, str]:
    """'volunteers=Ehrenamtliche; presse=Presse' -> {name: title}; a name without a title shows as itself.
    Unset: the one list `newsletter` (its title is the newsletter's name, filled in by the app)."""
    if not value or not value.strip():
        return {DEFAULT_LIST: ""}
    lists = {}
    for item in value.split(";"):
        name, _, title = (part.strip() for part in item.partition("="))
        if not name:
            continue
        if not LIST_NAME.fullmatch(name):
            raise SettingsError(f"NEWSLETTER_PUBLIC_LISTS: {name!r} is not a list name (letters, digits, - and _); "
                                "write it like 'volunteers=Ehrenamtliche; presse=Presse'")
        lists[name] = title or name
    return lists
