"""Reports: a short terminal summary and one self-contained HTML file (charts inline).

::

    import loadwatch as lw
    from loadwatch.report import summary_text, write_report

    result = lw.import_activities("sample_data/")
    findings = lw.check(result)
    print(summary_text(result, findings))               # at most 25 lines for one runner
    write_report(result, "report.html", findings=findings)  # opens offline, can be mailed

A folder of athletes (a coach's roster) gives one report with an index table,
riskiest first, and a section per athlete.

==============  ==============================================================
module          what
==============  ==============================================================
``model``       everything a report says, computed once (:func:`build_report_data`)
``frames``      chart-ready tables from the load engine's own functions
``charts``      matplotlib figures (Agg canvas): one function per chart
``gallery``     one athlete's charts as PNG with titles, alt text and captions
``html``        the self-contained HTML page (:func:`write_report`)
``roster``      the coach's index, riskiest first
``summary``     the terminal summary (:func:`summary_text`)
``medical``     the fixed "not medical advice" block (red flags)
``limits``      how much a report shows at most (caps), and names made safe to show
==============  ==============================================================
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadwatch.report.gallery import (
        CHART_TITLES,
        ChartImage,
        athlete_charts,
        athlete_figures,
    )
    from loadwatch.report.html import render, render_html, write_report
    from loadwatch.report.model import OPEN_DAYS, AthleteView, ReportData, build_report_data
    from loadwatch.report.roster import index_rows
    from loadwatch.report.summary import summary_from_data, summary_text

#: Imported on first use: matplotlib takes ~0.5 s to load, and the terminal
#: commands (weeks, check, shoes …) never draw; a warm ``weeks``/``check`` run
#: never builds a report either (the HTML page, the report's model, the summary).
_LAZY = {
    **dict.fromkeys(("CHART_TITLES", "ChartImage", "athlete_charts", "athlete_figures"), "gallery"),
    **dict.fromkeys(("render", "render_html", "write_report"), "html"),
    **dict.fromkeys(("OPEN_DAYS", "AthleteView", "ReportData", "build_report_data"), "model"),
    "index_rows": "roster",
    **dict.fromkeys(("summary_from_data", "summary_text"), "summary"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHART_TITLES",
    "OPEN_DAYS",
    "AthleteView",
    "ChartImage",
    "ReportData",
    "athlete_charts",
    "athlete_figures",
    "build_report_data",
    "index_rows",
    "render",
    "render_html",
    "summary_from_data",
    "summary_text",
    "write_report",
]
