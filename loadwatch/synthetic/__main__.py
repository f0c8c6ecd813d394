"""``python -m loadwatch.synthetic OUTDIR``: regenerate the sample data into ``OUTDIR``.

Writes :func:`loadwatch.synthetic.sample_athlete` into ``OUTDIR/avery-stone/``
(``loadwatch.toml`` and one FIT or GPX file per activity) and prints what it
wrote. Needs only loadwatch's own dependencies.
"""

from __future__ import annotations

import sys
from pathlib import Path

from loadwatch.synthetic import write_sample_data


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m loadwatch.synthetic OUTDIR   (e.g. sample_data/)")
        return 0 if args and args[0] in ("-h", "--help") else 2
    paths = write_sample_data(Path(args[0]))
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files ({total / 1e6:.2f} MB) into {paths[0].parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
