"""A file's problem in an import: skipped, unreadable, or read with a warning.

One line a runner understands (:meth:`FileProblem.line`), the exception kept
for ``--debug`` where it could be, its traceback as text where it could not
(decoded in another process, or read back from the cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loadwatch.errors import ActivityFileError
from loadwatch.safe_text import one_line

__all__ = ["FileProblem", "internal_problem", "problem_of"]


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped, or read with a warning."""

    source: str
    kind: str
    reason: str
    error: BaseException | None = field(default=None, compare=False, repr=False)
    #: The traceback as text, where ``error`` itself could not be kept (read in
    #: another process, or from the cache).
    trace: str = field(default="", compare=False, repr=False)

    def line(self) -> str:
        """``file: what is wrong`` on one line, whatever the file name holds.

        Control characters (a newline or an escape sequence in a file name) are
        shown as escapes (:func:`loadwatch.safe_text.one_line`).
        """
        return one_line(f"{self.source}: {self.reason}")


def problem_of(exc: ActivityFileError) -> FileProblem:
    """The problem an importer's error names (its file, kind and one-line reason)."""
    return FileProblem(exc.path, exc.kind, exc.reason, exc)


def internal_problem(source: str, exc: BaseException) -> FileProblem:
    """A bug or a parser crash on ``source``, kept as an error line: it must not stop the import."""
    return FileProblem(source, "internal", f"could not be read ({type(exc).__name__}: {exc})", exc)
