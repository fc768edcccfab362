"""A command loads only what it needs, so `newsletter --help` answers at once and a send starts quickly
(the times are measured in bench/render.py; here, which modules a fresh process has imported)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE_ISSUE

RENDERING = ("premailer", "cssutils", "requests", "mjml", "jinja2", "lxml", "markdown_it", "yaml", "dkim",
             "composer.render.build", "composer.issue.schema", "composer.checks")
SETTINGS = ("pydantic", "pydantic_settings", "composer.config.settings")
SENDING = ("aiosmtplib", "composer.campaign", "composer.send.dispatch")
ELSEWHERE = ("imapclient", "flufl.bounce", "composer.audience.inbox", "playwright", "composer.publish.chromium",
             "composer.web", "composer.desk", "urllib.request", "composer.checks.css")


def imported_by(args: list[str], watched: tuple[str, ...], cwd: Path = ROOT) -> list[str]:
    """Which of `watched` a fresh `newsletter ARGS` process had imported when it ended."""
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: print(' '.join(m for m in {watched!r} if m in sys.modules), file=sys.stderr))\n"
            "from composer.cli import main\n"
            f"sys.argv[1:] = {args!r}\n"
            "main()\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    return done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []


def test_importing_the_cli_loads_no_rendering_settings_sending_inbox_or_browser_modules() -> None:
    code = f"import sys, composer.cli; print(' '.join(m for m in {RENDERING + SETTINGS + SENDING + ELSEWHERE!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == []


def test_help_loads_nothing_a_command_needs() -> None:
    assert imported_by(["--help"], RENDERING + SETTINGS + SENDING + ELSEWHERE) == []


def test_a_send_loads_neither_the_inbox_nor_the_browser_nor_the_web_nor_the_link_and_css_checks(workdir: Path) -> None:
    """premailer's cssutils imports urllib.request (to fetch what it is never asked to here): the link check is
    watched by its own module. Pillow is loaded only for an issue with photos; the sample has none."""
    watched = tuple(m for m in ELSEWHERE if m != "urllib.request") + ("composer.checks.online", "PIL", "composer.campaign")
    assert imported_by(["send", str(SAMPLE_ISSUE), "--list", "volunteers", "--dry-run"], watched, workdir) == ["composer.campaign"]


def test_status_loads_no_rendering(workdir: Path) -> None:
    assert imported_by(["status", str(SAMPLE_ISSUE)], RENDERING + SENDING + ELSEWHERE, workdir) == []


def test_each_command_is_registered_by_the_module_the_cli_loads_for_it() -> None:
    code = ("import importlib, json, typer\n"
            "from composer.cli import MODULES\n"
            "from composer.cli.common import app\n"
            "seen, owner = set(), {}\n"
            "for module in sorted(set(MODULES.values())):\n"
            "    importlib.import_module(f'composer.cli.{module}')\n"
            "    names = set(typer.main.get_command(app).commands) - seen\n"
            "    owner.update(dict.fromkeys(names, module)); seen |= names\n"
            "print(json.dumps(owner))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    from composer.cli import MODULES

    assert json.loads(done.stdout) == MODULES


def test_a_send_loads_only_its_own_commands_module(workdir: Path) -> None:
    others = tuple(f"composer.cli.{m}" for m in ("audience", "compose", "desk", "doctor", "office", "privacy", "web"))
    assert imported_by(["send", str(SAMPLE_ISSUE), "--list", "volunteers", "--dry-run"], others, workdir) == []
    assert imported_by(["--folder", str(workdir), "check", str(SAMPLE_ISSUE)], others, workdir) == ["composer.cli.compose"]
