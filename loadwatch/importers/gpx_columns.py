"""Columns of XML texts read at once with NumPy, exactly as Python reads them one by one.

The bulk GPX reader (:mod:`loadwatch.importers.gpx_bulk`) gathers every point's
``<ele>``, ``<time>`` or sensor text of a chunk into one NumPy bytes array
(dtype ``S``, NUL-padded); this module turns such a column into numbers
(:func:`floats`: what ``float()`` gives) or UTC times (:func:`plain_utc_times`:
what :func:`~loadwatch.importers.gpx_stream.parse_times` gives for ``...Z``
times), and declines (``None``) whatever it cannot read exactly so.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decimals", "floats", "plain_utc_times", "without_tag"]


def without_tag(texts: np.ndarray, tag_length: int) -> np.ndarray | None:
    """``<tag>text`` bytes (or ``b""``) as ``text`` bytes (``b""``), at once; None if all empty.

    Done on the bytes (NumPy pads ``S`` arrays with NUL): a row without the tag
    is all NUL, and stays empty.
    """
    width = texts.dtype.itemsize - tag_length
    if width <= 0:
        return None
    grid = texts.view(np.uint8).reshape(texts.size, width + tag_length)[:, tag_length:]
    return np.ascontiguousarray(grid).view(f"S{width}").ravel()


#: ``YYYY-MM-DDThh:mm:ss``: which bytes are digits (the rest are ``-``, ``T``, ``:``).
_DIGITS = np.array([c.isdigit() for c in "2026-05-04T06:30:00"])
_SEPARATORS = np.frombuffer(b"2026-05-04T06:30:00", dtype=np.uint8)


def plain_utc_times(texts: np.ndarray) -> np.ndarray | None:
    """``YYYY-MM-DDThh:mm:ss[.f{1,6}]Z`` texts (dtype ``S``) as ``datetime64[us]``, all at once.

    The texts :func:`~loadwatch.importers.gpx_stream.parse_times` hands to NumPy
    (its ``_PLAIN_UTC``), recognised column by column on the bytes; ``None``
    when any text is another kind (no time, an offset, 7 fraction digits ...),
    for :func:`~loadwatch.importers.gpx_stream.parse_times` to read one by one.
    """
    if not 20 <= texts.dtype.itemsize <= 27:
        return None
    width = texts.dtype.itemsize
    n = texts.size
    grid = texts.view(np.uint8).reshape(n, width).copy()
    lengths = (grid != 0).sum(axis=1)  # XML text holds no NUL: the rest is padding
    digit = (grid >= ord("0")) & (grid <= ord("9"))
    fixed = np.where(_DIGITS, digit[:, :19], grid[:, :19] == _SEPARATORS)
    if not fixed.all() or (grid[:, 0] == ord("0")).any():
        return None
    micro = np.zeros(n, dtype=np.int64)
    for length in np.unique(lengths).tolist():
        rows = lengths == length
        if length == 20:
            tail_ok = True
        elif 22 <= length <= 27:
            tail_ok = bool(
                (grid[rows, 19] == ord(".")).all() and digit[rows, 20 : length - 1].all()
            )
        else:
            return None
        if not tail_ok or not (grid[rows, length - 1] == ord("Z")).all():
            return None
        fraction = np.zeros(n, dtype=np.int64)
        for column in range(20, length - 1):  # up to 6 digits of a second, in µs
            fraction[rows] += (grid[rows, column].astype(np.int64) - ord("0")) * 10 ** (25 - column)
        micro[rows] = fraction[rows]
    # The moment from its fields, by arithmetic: NumPy's own parsing of bytes crashes
    # (NumPy 2.4) on an impossible date such as a 13th month among valid ones.
    year, month, day = _number(grid, 0, 4), _number(grid, 5, 7), _number(grid, 8, 10)
    hour, minute, second = _number(grid, 11, 13), _number(grid, 14, 16), _number(grid, 17, 19)
    if not ((month >= 1) & (month <= 12)).all():
        return None  # parse_times decides, one by one
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first_day = months.astype("datetime64[D]")
    month_days = ((months + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    valid = (day >= 1) & (day <= month_days) & (hour < 24) & (minute < 60) & (second < 60)
    if not valid.all():
        return None
    seconds = (day - 1) * 86400 + hour * 3600 + minute * 60 + second
    offset = (seconds * 1_000_000 + micro).astype("timedelta64[us]")
    return first_day.astype("datetime64[us]") + offset


def _number(grid: np.ndarray, begin: int, end: int) -> np.ndarray:
    """The decimal number in byte columns ``begin..end-1`` of each row (all digits)."""
    value = np.zeros(grid.shape[0], dtype=np.int64)
    for column in range(begin, end):
        value = value * 10 + (grid[:, column].astype(np.int64) - ord("0"))
    return value


def floats(texts: np.ndarray) -> np.ndarray:
    """``float()`` of each text: at once for plain decimals, else one by one.

    Raises
    ------
    ValueError
        A text ``float()`` does not read.
    """
    values = decimals(texts)
    if values is None:
        values = np.array([float(text) for text in texts.tolist()], dtype=float)
    return values


#: Powers of ten that are exact doubles (10**22 is the last).
_EXACT_POWERS = 10.0 ** np.arange(23)


def decimals(texts: np.ndarray) -> np.ndarray | None:
    """Plain decimals (``-73.9666175``, ``30.0``, ``12``) as ``float()`` reads them, at once.

    A decimal of at most 15 digits is an integer ``m`` below 2**53 over ``10**k``
    (k ≤ 22), both exact doubles, and IEEE division rounds the exact quotient
    correctly: the result is the double nearest the decimal, which is what
    ``float()`` returns (the fast path of Clinger, 1990). Longer plain decimals
    (full-precision coordinates: 16-17 digits) are cast by NumPy, whose reading
    of a plain decimal is correctly rounded as ``float()``'s is (the same double;
    ``tests/importers/test_gpx_bulk.py`` checks it on full-precision doubles).
    Anything else (a sign other than a leading ``-``, an exponent, white space,
    empty, wider than 24 bytes) gives ``None``, for ``float()`` to read one by one.

    Parameters
    ----------
    texts
        A NumPy bytes array (dtype ``S``).
    """
    width = texts.dtype.itemsize
    if texts.size == 0 or width == 0 or width > 24:
        return None
    grid = texts.view(np.uint8).reshape(texts.size, width)
    value = grid - np.uint8(ord("0"))  # wraps around below "0": not a digit
    digit = value < 10
    dot = grid == ord(".")
    filled = grid != 0
    minus = grid[:, 0] == ord("-")
    other = filled & ~(digit | dot)
    other[:, 0] &= ~minus
    if other.any() or ((grid[:, 1:] != 0) & ~filled[:, :-1]).any():
        return None  # a NUL inside the text (XML has none) is no plain decimal either
    n_digits = np.count_nonzero(digit, axis=1)
    after_dot = np.cumsum(dot, axis=1, dtype=np.uint8)
    if (n_digits == 0).any() or (after_dot[:, -1] > 1).any():
        return None
    long = n_digits > 15  # not exact by Horner's rule in doubles below: NumPy's cast reads them
    if long.all():
        return texts.astype(np.float64)
    fraction_digits = np.count_nonzero(digit & (after_dot > 0), axis=1)
    # Horner's rule, a byte column at a time: exact in doubles up to 15 digits (< 2**53).
    scale = np.where(digit, 10.0, 1.0).T.copy()
    add = np.where(digit, value, 0).astype(np.float64).T.copy()
    mantissa = add[0]
    for column in range(1, width):
        mantissa = mantissa * scale[column] + add[column]
    values = mantissa / _EXACT_POWERS[fraction_digits]
    values = np.where(minus, -values, values)
    if long.any():
        values[long] = texts[long].astype(np.float64)
    return values
