"""`newsletter init`: a new newsletter folder of the office's own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import app, handled, out


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="The new newsletter folder, e.g. ~/newsletter")]) -> None:
    """Create a newsletter folder: a starter issue for this month, an example list, .env and .gitignore."""
    from composer.folder import init as make

    with handled():
        written = make(folder)
    for path in written:
        out.print(str(path))
    out.print(f"Next: cd {folder}, set NEWSLETTER_FROM_ADDRESS in .env, then `newsletter preview {written[0].relative_to(folder)}`.")
