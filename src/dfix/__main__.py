"""`python -m dfix`: the same as the `dfix` command."""

from .cli import main

main()
