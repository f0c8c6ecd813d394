"""How much a report shows at most: every cap of the HTML report and the terminal summary.

A roster of thousands of pairs, years of findings or a 10,000-character name
must still give a report that opens quickly and reads in minutes. Each list
that grows with the input is cut to the cap below, most relevant first, and
says how many were left out and where to see them all (``loadwatch shoes
--csv``, ``loadwatch check``). Free text from files (athlete, activity, shoe
and file names, and the messages that quote them) is cleaned of control
characters and cut with an ellipsis (:func:`clean`, :func:`shorten`).

==========================  =====  =============================================
cap                         value  what
==========================  =====  =============================================
:data:`SHOE_CHART_MAX`         30  bars in the shoe chart
:data:`SHOE_TABLE_MAX`        100  rows of the shoe table
:data:`SHOES_DUE_MAX`          10  pairs named in "Shoes due" (verdict, index,
                                   summary)
:data:`WARNING_CARDS_MAX`      50  warnings explained, newest first
:data:`NOTE_DATES_MAX`         30  dates listed in one rule's note card
:data:`RUN_ROWS_MAX`          100  rows of the recent-activities table
:data:`PROBLEM_LINES_MAX`      20  files that could not be read, listed
:data:`NAME_CHARS`             60  a name in a table cell or a list
:data:`LABEL_CHARS`            26  a name as a chart label
:data:`TEXT_CHARS`          2,000  one paragraph of text (a finding's message)
:data:`TITLE_CHARS`         1,000  a full name in a ``title`` attribute
:data:`ROSTER_LINES_MAX`       40  athletes in the terminal summary of a roster
:data:`CHARTED_ATHLETES_MAX`   30  athletes of a roster whose charts are drawn
                                   (riskiest first; the others get the text)
==========================  =====  =============================================
"""

from __future__ import annotations

import html
import re

import pandas as pd

from loadwatch.safe_text import terminal_safe

#: Bars in the shoe chart [pairs].
SHOE_CHART_MAX = 30
#: Rows of the HTML shoe table [pairs]; the unassigned row is always shown besides.
SHOE_TABLE_MAX = 100
#: Pairs named in a "Shoes due" list (verdict, roster index, terminal summary).
SHOES_DUE_MAX = 10
#: Warnings explained one card each, newest first.
WARNING_CARDS_MAX = 50
#: Dates (with their number) listed in one rule's note card, latest kept.
NOTE_DATES_MAX = 30
#: Rows of the recent-activities table, newest kept.
RUN_ROWS_MAX = 100
#: Files that could not be read, one line each, before "and N more".
PROBLEM_LINES_MAX = 20
#: Characters of a name in a table cell or a list (the full name in ``title``).
NAME_CHARS = 60
#: Characters of a name as a chart label.
LABEL_CHARS = 26
#: Characters of one paragraph of text, e.g. a finding's message quoting a name.
TEXT_CHARS = 2000
#: Characters of the full name kept in a ``title`` attribute.
TITLE_CHARS = 1000
#: Athletes listed in the terminal summary of a roster, riskiest first.
ROSTER_LINES_MAX = 40
#: Athletes of a roster whose charts are drawn, riskiest first: charts are most of a
#: report's time (about a second per athlete) and size; the others get every table.
CHARTED_ATHLETES_MAX = 30

#: Where to see every pair, every finding.
SHOES_COMMAND = "loadwatch shoes --csv"
CHECK_COMMAND = "loadwatch check"

__all__ = [
    "CHARTED_ATHLETES_MAX",
    "CHECK_COMMAND",
    "LABEL_CHARS",
    "NAME_CHARS",
    "NOTE_DATES_MAX",
    "PROBLEM_LINES_MAX",
    "ROSTER_LINES_MAX",
    "RUN_ROWS_MAX",
    "SHOES_COMMAND",
    "SHOES_DUE_MAX",
    "SHOE_CHART_MAX",
    "SHOE_TABLE_MAX",
    "TEXT_CHARS",
    "TITLE_CHARS",
    "WARNING_CARDS_MAX",
    "clean",
    "html_name",
    "html_text",
    "more",
    "pairs_shown",
    "shorten",
]

_SPACE = re.compile(r"[\t\n\r]+")


def clean(value: object, limit: int | None = None) -> str:
    """Untrusted text made safe to show: control characters as visible ``\\x1b`` escapes
    (:func:`loadwatch.safe_text.terminal_safe`, the terminal's rule),
    tabs and line breaks as one space, at most ``limit`` characters (cut with ``…``).

    Missing values (None, NaN) give an empty string.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = terminal_safe(_SPACE.sub(" ", str(value)))
    return shorten(text, limit) if limit is not None else text


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one ``…``."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def html_text(value: object, limit: int | None = TEXT_CHARS) -> str:
    """``value`` as HTML text: :func:`clean` (at most ``limit`` characters), then
    escaped, quotes too; missing values as an empty string."""
    return html.escape(clean(value, limit), quote=True)


def html_name(value: object, limit: int = NAME_CHARS) -> str:
    """A name from a file as HTML text cut to ``limit`` characters; a cut name keeps its
    full spelling (up to :data:`TITLE_CHARS`) in a ``title`` attribute."""
    full = clean(value)
    if len(full) <= limit:
        return html_text(full, None)
    return f'<span title="{html_text(full, TITLE_CHARS)}">{html_text(full, limit)}</span>'


def more(hidden: int, what: str, where: str | None = None) -> str:
    """``12 more pairs not shown (see `loadwatch shoes --csv`)``; empty when none is hidden.

    ``what`` is plural; for one, its first plural word is made singular (``1 more pair
    due``, ``1 more earlier activity``).
    """
    if hidden <= 0:
        return ""
    if hidden == 1:
        words = what.split(" ")
        for i, word in enumerate(words):
            if word.endswith("s"):
                words[i] = word[:-3] + "y" if word.endswith("ies") else word[:-1]
                break
        what = " ".join(words)
    see = f" (see `{where}`)" if where else ""
    return f"{hidden} more {what} not shown{see}"


def pairs_shown(shoes: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, int]:
    """The pairs that matter most, at most ``limit``, in the table's own order.

    Pairs in use come first, then pairs past the high line, then past the caution
    line, then the most worn; the runs with no pair (``shoe`` None) are always kept
    and not counted in ``limit``.

    Returns
    -------
    (pandas.DataFrame, int)
        The rows kept, and how many pairs were left out.
    """
    named = shoes[shoes["shoe"].notna()]
    if len(named) <= limit:
        return shoes, 0
    in_use = named["in_use"] if "in_use" in named else pd.Series(False, index=named.index)
    rank = named["status"].map({"high": 0, "caution": 1}).fillna(2)
    order = pd.DataFrame(
        {"unused": ~in_use.astype(bool), "rank": rank, "km": -named["distance_km"].fillna(0.0)}
    ).sort_values(["unused", "rank", "km"], kind="stable")
    keep = set(order.index[:limit]) | set(shoes.index[shoes["shoe"].isna()])
    return shoes[shoes.index.isin(keep)], len(named) - limit
