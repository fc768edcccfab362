"""`python -m composer` runs the `newsletter` command."""

from composer.cli import main

main()
