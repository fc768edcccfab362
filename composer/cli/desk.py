"""`newsletter desk`: Die Redaktion in the browser, on the same files and send state as every other command."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import EXIT_INPUT, command, err, handled, out, settings_and_secret
from composer.cli.interrupts import exit_code
from composer.cli.language import _
from composer.i18n import N_

STOPPED = N_("Die Redaktion has stopped; a send it was running goes on with \"Versand fortsetzen\" or the same "
             "`newsletter send`")


@command(help=N_("Write, check, test-send and send an issue in the browser (Die Redaktion)."))
def desk(
    host: Annotated[str, typer.Option(metavar="ADDRESS",
        help=N_("Address to listen on; anything but 127.0.0.1 needs a password"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help=N_("Port"))] = 8025,
    no_browser: Annotated[bool, typer.Option("--no-browser", help=N_("Only print the login link"))] = False,
    set_password: Annotated[bool, typer.Option("--set-password",
                                               help=N_("Store a desk password (argon2 hash) in .env"))] = False,
) -> None:
    from composer.desk import Access, Desk, create_desk
    from composer.config.settings import load_settings
    from composer.desk.access import hash_password, store_password_hash
    from composer.desk.sessions import LOOPBACK_SECONDS, Sessions
    from composer.i18n import message
    from composer.office import protocol
    from composer.office.people import MIN_PASSWORD
    from composer.office.roles import Actor
    from composer.state import Journal

    if set_password:
        password = typer.prompt(_("New desk password"), hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            err.print(_("error:") + " " + _("use at least {count} characters for the desk password", count=MIN_PASSWORD))
            raise typer.Exit(EXIT_INPUT)
        with handled():
            store_password_hash(Path(".env"), hash_password(password))
            state_dir = load_settings().state_dir
            Sessions(state_dir, LOOPBACK_SECONDS).close_all()
            with Journal(state_dir) as journal:
                protocol.record(journal, Actor.command_line(), "password_set", message("Set the desk password"))
        out.print(_("The desk password is stored (as an argon2 hash) in .env. Every login to the desk has "
                    "ended: log in again with the new password or the link `newsletter desk` prints."))
        return
    from composer.desk.server import serve
    from composer.web.ports import ensure_free

    with handled():
        settings, secret = settings_and_secret()
        hashed = settings.desk_password_hash.get_secret_value() if settings.desk_password_hash else None
        access = Access(host, hashed)
        state = Desk(Path.cwd(), settings, secret, access)
        web = create_desk(state)
        ensure_free(host, port)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown_host}:{port}/login" + (f"?token={access.login_token}" if access.login_token else "")
    out.print(_("Die Redaktion: {url}  - Ctrl+C to stop", url=url))
    from composer.desk.opening import browser_login

    try:
        with browser_login(url, access) if not no_browser else contextlib.nullcontext():
            serve(web, state.stopping, host, port)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: a server is stopped, there is nothing to "run again"
        err.print(_(STOPPED))
        raise typer.Exit(exit_code(exc)) from None
