"""``python -m loadwatch``."""

from loadwatch.cli import main

if __name__ == "__main__":  # worker processes (Dask, spawn) import this module again
    main(prog_name="loadwatch")
