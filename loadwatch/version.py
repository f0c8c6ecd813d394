"""loadwatch's version, one source: hatchling reads it here when it builds the package.

A literal, not ``importlib.metadata``: reading the installed metadata costs a
warm re-run ~10 ms (it loads the ``email`` package), and a source tree that was
never installed has the right version too.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
