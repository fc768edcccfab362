"""Ctrl-C at any moment of `newsletter send` ends with one line and exit 130, never a traceback or an
"internal error": raised at named points of the start (while the commands load, before the build, during the
list's staging, during the links' staging), not by timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from composer.cli.interrupts import interrupted

ON_IMPORT = """
class Interrupting:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupting())
"""
ON_CALL = """
import {module} as target
def interrupting(*args, **kwargs):
    raise KeyboardInterrupt
setattr(target, {name!r}, interrupting)
"""
STAGES = {
    "while the commands load": ON_IMPORT.format(module="composer.cli.sending"),
    "before the build": ON_IMPORT.format(module="composer.campaign"),
    "during staging": ON_CALL.format(module="composer.send.staging", name="fingerprint"),
    "during the staging's inserts": ON_CALL.format(module="composer.state.staging", name="Inserts").replace(
        "setattr(target, 'Inserts', interrupting)", "target.Inserts.add = interrupting"),
    "during link staging": ON_CALL.format(module="composer.send.links", name="unsubscribe_id"),
}


def interrupted_send(hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in its own process, the hook planted first."""
    code = f"import sys\n{hook}\nfrom composer.cli import main\nsys.argv[1:] = {list(args)!r}\nmain()\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("stage", STAGES)
def test_ctrl_c_at_each_stage_of_the_start_is_one_line_and_exit_130(workdir: Path, stage: str) -> None:
    done = interrupted_send(STAGES[stage], "send", "issues/2020-12.md", "--list", "volunteers", "--yes")
    assert (done.returncode, done.stderr.splitlines()) == (130, [interrupted()]), done.stderr
    assert not list(Path().glob("outbox/**/*.eml"))
