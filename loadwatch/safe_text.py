"""Text that cannot attack its reader: CSV cells, terminal output and JSON.

Names in activity files, settings and Strava exports are whatever their author
typed. Three places read them back as more than text:

* a spreadsheet runs a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a
  formula (``=HYPERLINK(…)``, ``+cmd|…``): :func:`neutralise_csv_cell`;
* a terminal runs control characters and escape sequences (``ESC ] 0;… BEL``
  retitles the window, ``ESC [2J`` clears it) and a newline in a file name
  breaks a one-line-per-file report: :func:`terminal_safe`;
* a JSON reader rejects ``NaN`` and ``Infinity``: :func:`json_finite`.

References
----------
OWASP, "CSV Injection". https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import math
import re
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A cell that is a plain number ("-3.5", "+1e3") is data, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

#: C0 controls (but newline and tab), DEL, C1 controls (8-bit CSI, OSC …), the
#: Unicode line and paragraph separators, bidirectional overrides and isolates
#: ("Trojan source"), and lone surrogates (undecodable bytes of a file name).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_BREAKS = re.compile("[\n\t]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def neutralise_csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: formula starts get a leading ``'``.

    Parameters
    ----------
    value
        Any cell value. Only strings are changed; numbers stay numbers, and a
        string that is a plain number (``"-3.5"``) stays as it is.

    Returns
    -------
    Any
        ``value``, or ``"'" + value`` for a string starting with ``=``, ``+``,
        ``-``, ``@``, tab or carriage return (the OWASP rule).

    Examples
    --------
    >>> neutralise_csv_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_csv_cell("-3.5")
    '-3.5'
    """
    if (
        isinstance(value, str)
        and value.startswith(CSV_FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape, never sent raw.

    An escape sequence such as ``ESC ] 0;title BEL`` becomes the visible text
    ``\\x1b]0;title\\x07``, which no terminal acts on; a byte of a file name
    that was not UTF-8 becomes ``\\xff``.

    Parameters
    ----------
    text
        What is about to be printed.
    keep_newlines
        Keep ``\\n`` and tab (text the program itself laid out in lines); with
        False they become ``\\n`` and ``\\t`` too, so that a value from a file
        always stays on one line.

    Returns
    -------
    str
        Printable text; unchanged when it held no control character.
    """
    text = _UNSAFE.sub(lambda match: _escape(match.group()), text)
    if not keep_newlines:
        text = _LINE_BREAKS.sub(lambda match: _escape(match.group()), text)
    return text


def one_line(text: str) -> str:
    """``text`` as one printable line: :func:`terminal_safe` with newlines escaped."""
    return terminal_safe(text, keep_newlines=False)


def name_cell(value: object, width: int) -> str:
    """A name in a terminal table column of ``width`` characters: one line
    (:func:`one_line`), cut with ``…`` where longer, padded with spaces.

    The one helper for every name (athlete, shoe) that goes in a column, so a long
    name never shifts the columns after it. Missing values (None, NaN) give blanks.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = ""
    else:
        text = one_line(str(value))
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text.ljust(width)


def json_finite(value: Any) -> Any:
    """``value`` with every float NaN or ±infinity (at any depth) replaced by None.

    JSON has no NaN or Infinity; ``json.dumps(json_finite(x), allow_nan=False)``
    gives strict JSON.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_finite(item) for item in value]
    return value


def json_terminal_safe(text: str) -> str:
    """JSON text with the characters :func:`terminal_safe` escapes written as ``\\uXXXX``.

    ``json.dumps(..., ensure_ascii=False)`` already escapes C0 controls; this
    also escapes DEL, C1 controls, bidirectional overrides and lone surrogates,
    which can only occur inside JSON strings, so the result is still valid JSON
    with the same values.
    """
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
