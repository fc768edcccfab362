"""`python -m composer.cli`: the same as the `newsletter` command."""

from composer.cli import main

main()
