"""``python -m loadwatch``."""

from .cli import main

main(prog_name="loadwatch")
