"""Commands for the web: serve, archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import command, handled, out, settings_and_secret
from composer.cli.language import _
from composer.i18n import N_


@command(help=N_("The web side: sign-up with confirmation (/subscribe), one-click unsubscribe (/u/...), the web versions "
                  "of sent issues (/archive/...). Needs NEWSLETTER_PUBLIC_URL, the address readers reach it at (or "
                  "--local)."))
def serve(
    host: Annotated[str, typer.Option(metavar="ADDRESS",
                                      help=N_("Address to listen on; keep 127.0.0.1 behind your web server"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help=N_("Port"))] = 8080,
    local: Annotated[bool, typer.Option("--local", help=N_("Try the pages on this computer: links point to this server, "
                                                           "NEWSLETTER_PUBLIC_URL is not needed"))] = False,
) -> None:
    import uvicorn

    from composer.desk.app import hosted_desk
    from composer.web import create_app
    from composer.web.ports import ensure_free
    from composer.web.site import site_for

    with handled():
        settings, secret = settings_and_secret()
        local_base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}" if local else None
        site = site_for(settings, local_base)
        desk = hosted_desk(settings, secret, site.public_base, host)  # None without a desk password
        web = create_app(settings, secret, site, desk=desk)
        ensure_free(host, port)
    out.print(_("Serving on {url} for {public} - Ctrl+C to stop", url=f"http://{host}:{port}/subscribe",
                public=site.public_base))
    if desk is not None:
        out.print(_("Die Redaktion: {url} (log in with the desk password)", url=f"{site.public_base}/redaktion/"))
    # The app reads X-Forwarded-For itself, and only from NEWSLETTER_TRUSTED_PROXIES (uvicorn would trust loopback).
    # The standard loop, named: uvicorn would pick uvloop whenever it is installed, and the tests run the pages on this one.
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False, loop="asyncio")


@command(help=N_("A static site of the sent issues, for offices that host files only: index (newest first), web "
                  "versions, Atom feed, PDFs."))
def archive(
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help=N_("Folder for the static site"))] = Path("site"),
    issues_dir: Annotated[Path, typer.Option("--issues", metavar="DIR", help=N_("Folder of issue files"))] = Path("issues"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help=N_("Print each issue to PDF with Chromium"))] = True,
    drafts: Annotated[bool, typer.Option("--drafts", help=N_("Include issues not sent yet (for a look on your own "
                                                              "computer)"))] = False,
) -> None:
    from composer.publish.archive import build_archive
    from composer.state import Journal

    with handled():
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            written = build_archive(issues_dir, out_dir, settings, secret, pdf, lambda slug: drafts or journal.was_sent(slug))
    for path in written:
        out.print(str(path))
