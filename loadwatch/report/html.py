"""The self-contained HTML report: one file, charts inline, no scripts, nothing fetched.

The page opens offline and can be mailed: charts are PNG ``data:`` URIs, the
CSS is a short inline ``<style>``, there is no JavaScript and no link to any
other host. Every text that comes from a file — athlete, activity, shoe and
file names, and the messages that quote them — goes through
:func:`html.escape`, so an activity named ``<script>…`` shows as text; control
characters show as ``\\x1b``, and long names and lists are cut to the caps of
:mod:`loadwatch.report.limits`, saying how many more there are.

Reading order, for a runner with ten seconds: what is risky now, since when,
and what to do this week; the latest week and shoes due; the red flags that
need a doctor; then the charts, every finding explained (numbers, threshold,
source, evidence label, what to do next), recent weeks and runs, and the rules.
"""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from loadwatch.load.common import pct
from loadwatch.report import medical, roster
from loadwatch.report.limits import (
    CHARTED_ATHLETES_MAX,
    CHECK_COMMAND,
    NAME_CHARS,
    NOTE_DATES_MAX,
    PROBLEM_LINES_MAX,
    RUN_ROWS_MAX,
    SHOE_TABLE_MAX,
    SHOES_COMMAND,
    SHOES_DUE_MAX,
    TEXT_CHARS,
    WARNING_CARDS_MAX,
    html_name,
    html_text,
    more,
    pairs_shown,
)
from loadwatch.report.model import (
    OPEN_DAYS,
    AthleteView,
    ReportData,
    build_report_data,
    distance,
)
from loadwatch.report.next_days import next_days_html
from loadwatch.report.output_files import check_report_path, generator_meta, write_text_atomic
from loadwatch.report.summary import open_line, week_lines
from loadwatch.rules.ruleset import Finding, RuleSet
from loadwatch.timeline.build import ImportResult
from loadwatch.units import climb_text, distance_text, to_km
from loadwatch.version import __version__

#: Plain words for each evidence label.
EVIDENCE_GLOSS = {
    "observational": "observational: a cohort study followed runners; an association, not proof",
    "consensus heuristic": "consensus heuristic: a rule of thumb without an injury-outcome study",
    "contested": "contested: the studies disagree, or it was not reproduced in runners",
}
#: Rows of the recent-weeks table.
RECENT_WEEKS = 8
#: Days of runs in the recent-runs table.
RECENT_DAYS = 14

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1d1d1d;max-width:960px;margin:0 auto;padding:16px 20px;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:1.2em 0 .4em}
h3{font-size:1.1em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
.meta,.small,figcaption{font-size:.86em;color:#555}
.verdict{border-left:10px solid #0072B2;background:#EEF5FB;padding:10px 16px;margin:12px 0}
.verdict.high{border-color:#D55E00;background:#FCEEE6}
.verdict.caution{border-color:#E69F00;background:#FDF5E2}
.verdict .headline{font-size:1.25em;font-weight:700;margin:.2em 0 .4em}
.verdict ul{margin:.2em 0 .5em;padding-left:1.3em}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.78em;font-weight:700;
color:#fff;background:#0072B2;vertical-align:.1em}
.badge.high{background:#D55E00}.badge.caution{background:#E69F00;color:#1d1d1d}
.badge.note{background:#8C8C8C}
.medical{border:2px solid #D55E00;border-radius:4px;padding:4px 16px;margin:16px 0}
.medical h2{margin:.4em 0;font-size:1.15em;color:#A33C00}
figure{margin:18px 0;break-inside:avoid}figure img{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:.9em;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #e2e2e2;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num,th.num{text-align:right}tr.high td{background:#FCEEE6}
tr.caution td{background:#FDF5E2}td.name{white-space:nowrap}
.next7{border-left:10px solid #009E73;background:#EEF8F4;padding:8px 16px;margin:12px 0}
.next7 .headline{font-size:1.2em;font-weight:700;margin:.2em 0 .3em}
.badge.inactive{background:#56B4E9;color:#1d1d1d}tr.inactive td{background:#EAF4FB}
.finding{border:1px solid #ddd;border-left:6px solid #8C8C8C;padding:6px 12px;margin:10px 0;
break-inside:avoid}.finding.high{border-left-color:#D55E00}
.finding.caution{border-left-color:#E69F00}.finding p{margin:.35em 0}
.finding code{font-size:.85em;color:#555}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;font-size:.86em;
margin:.4em 0}dl.facts dt{font-weight:700;color:#444}dl.facts dd{margin:0}
.todo{background:#F5F5F5;padding:4px 8px}.line{display:block}
details.rule{margin:6px 0}details.rule summary{cursor:pointer}
@media print{body{max-width:none;padding:0;font-size:10.5pt}
.roster .athlete{break-before:page}h3{break-after:avoid}}
"""

__all__ = ["EVIDENCE_GLOSS", "render_html", "write_report"]


def esc(value: object, limit: int | None = TEXT_CHARS) -> str:
    """``value`` as HTML text (quotes escaped too, control characters shown as ``\\x1b``),
    at most ``limit`` characters; missing values as an empty string
    (:func:`~loadwatch.report.limits.html_text`)."""
    return html_text(value, limit)


def _more(hidden: int, what: str, where: str | None = None, tag: str = "p") -> str:
    """``<p class="small">N more … not shown (see <code>…</code>)</p>``, or nothing."""
    text = more(hidden, what, where)
    return f'<{tag} class="small more">{_code(esc(text))}</{tag}>' if text else ""


def _code(escaped: str) -> str:
    """```name``` in already escaped text as ``<code>name</code>``."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escaped)


def _badge(severity: str) -> str:
    label = {"high": "HIGH", "caution": "CAUTION", "note": "note"}.get(severity, severity)
    return f'<span class="badge {esc(severity)}">{esc(label)}</span>'


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _number(value: float, unit: str, units: str) -> str:
    """A finding's value or threshold in words: a distance in the athlete's ``units``
    (:mod:`loadwatch.units`), other quantities in the rule's ``unit``."""
    if value is None or pd.isna(value):
        return "-"
    if unit == "%":
        return pct(value)
    if unit == "km":
        return distance_text(value, units)
    if unit == "mi":  # the shoe lines: miles, with km beside them for a km runner
        value_km = to_km(value, "mi")
        text = distance_text(value_km, "mi", 0)
        return text if units == "mi" else f"{text} ({distance_text(value_km, 'km', 0)})"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "m":
        return climb_text(value, units)
    if unit == "mm":
        return f"{value:.0f} {unit}"
    if unit == "weeks":
        return _count(int(value), "week")
    return f"{value:g} {unit}"


def _rule_link(rule_id: str) -> str:
    """A link to the rule's expandable evidence and sources (once per rule, at the end)."""
    return f'<a href="#rule-{esc(rule_id)}">evidence and sources</a>'


def _context_html(finding: Finding, view: AthleteView) -> str:
    """The context findings of a warning's week (acute:chronic), shown beside it."""
    items = [
        f'<span data-finding="{esc(c.rule)}">{esc(c.numbers)} ({esc(c.advice)})</span>'
        for c in view.context_of(finding)
        if c.is_alarm
    ]
    if not items:
        return ""
    return f'<p class="small context"><strong>Context:</strong> {" ".join(items)}</p>'


def _finding_card(finding: Finding, view: AthleteView, data: ReportData) -> str:
    """One warning: a line of numbers, a line of advice, the value and threshold, and the
    context finding of its week; the rule's evidence and sources are once per rule."""
    measured = _number(finding.value, finding.unit, view.units)
    limit = _number(finding.threshold, finding.unit, view.units)
    shoe = getattr(finding, "shoe", None)
    todo = finding.advice
    todo_html = f'<p class="todo">{esc(todo)}</p>' if todo else ""
    shoe_row = f"<dt>Shoe</dt><dd>{html_name(shoe)}</dd>" if shoe else ""
    return (
        f'<article class="finding {esc(finding.severity)}" data-rule="{esc(finding.rule)}" '
        f'data-finding="{esc(finding.rule)}">'
        f"<p>{_badge(finding.severity)} <strong>{esc(data.title(finding.rule))}</strong> "
        f"<code>{esc(finding.rule)}</code> &middot; {finding.date.isoformat()} "
        f'<span class="small">(week of {finding.week_start.isoformat()})</span></p>'
        f'<p class="numbers">{esc(finding.numbers)}</p>{todo_html}'
        f"{_context_html(finding, view)}"
        f'<dl class="facts"><dt>Measured</dt><dd>{esc(measured)}</dd>'
        f"<dt>Threshold</dt><dd>{esc(limit)} ({esc(finding.severity)} line)</dd>{shoe_row}"
        f"<dt>Evidence</dt><dd>{esc(finding.evidence)} ({_rule_link(finding.rule)})</dd>"
        "</dl></article>"
    )


def _note_card(notes: list[Finding], view: AthleteView, data: ReportData) -> str:
    """The notes of one rule in one card: every date with its number, then the latest
    note's text and advice once (they repeat), the threshold, evidence and source."""
    latest = max(notes, key=lambda f: f.date)
    what, todo = latest.numbers, latest.advice
    dated = sorted(notes, key=lambda f: f.date)
    hidden = max(len(dated) - NOTE_DATES_MAX, 0)
    items = ", ".join(
        f'<span data-finding="{esc(f.rule)}">{f.date.isoformat()}: '
        f"{esc(_number(f.value, f.unit, view.units))}</span>"
        for f in dated[hidden:]
    )
    if hidden:
        items = f"{_code(esc(more(hidden, 'earlier notes', CHECK_COMMAND)))}: … {items}"
    todo_html = f'<p class="todo">{esc(todo)}</p>' if todo else ""
    return (
        f'<article class="finding note" data-rule="{esc(latest.rule)}">'
        f"<p>{_badge('note')} <strong>{esc(data.title(latest.rule))}</strong> "
        f"<code>{esc(latest.rule)}</code> &middot; {_count(len(notes), 'note')}</p>"
        f'<p class="small">{items}</p>'
        f"<p>The latest ({latest.date.isoformat()}): {esc(what)}</p>{todo_html}"
        f'<p class="small">Threshold {esc(_number(latest.threshold, latest.unit, view.units))}'
        f" &middot; evidence: {esc(latest.evidence)} ({_rule_link(latest.rule)})</p></article>"
    )


def _verdict(view: AthleteView, data: ReportData) -> str:
    """The top box: what is risky, since when, what to do this week, the latest week, shoes."""
    units = view.units
    parts = []
    if view.open_findings:
        counts = ", ".join(
            _count(view.count(s), s, s) for s in ("high", "caution") if view.count(s)
        )
        parts.append(f'<p class="headline">Open warnings: {esc(counts)}</p><ul>')
        for finding, since, count in view.open_by_rule():
            line = open_line(finding, since, count, data.title(finding.rule))
            # A title, then one line of numbers and one of advice (the latest of the rule).
            parts.append(
                f"<li>{_badge(finding.severity)} {esc(line)}: "
                f"{esc(_number(finding.value, finding.unit, units))} "
                f"(the {esc(finding.severity)} line is "
                f"{esc(_number(finding.threshold, finding.unit, units))})"
                f'<span class="line">{esc(finding.numbers)}</span>'
                f'<span class="line"><strong>{esc(finding.advice)}</strong></span>'
                f"{_context_html(finding, view)}</li>"
            )
        parts.append("</ul>")
    elif view.inactive_days is not None:
        last = view.as_of - timedelta(days=view.inactive_days) if view.as_of else None
        parts.append(
            f'<p class="headline">Inactive {_count(view.inactive_days, "day")}</p>'
            f"<p>No run since {esc(last)}. <strong>This week:</strong> come back on the "
            "return ramp above, not at the old load.</p>"
        )
    else:
        parts.append(
            '<p class="headline">Nothing too much, too soon right now</p>'
            f"<p>No warning in the {OPEN_DAYS} days to {esc(view.as_of)}. "
            "<strong>This week:</strong> no change is needed for load; if you build, add a "
            "little at a time, and ease off if a calf or Achilles stays sore.</p>"
        )
    parts += [f"<p>{esc(line)}</p>" for line in week_lines(view)]
    due = view.shoes_due()
    if due is not None:
        shoes = "; ".join(
            f"{html_name(row.shoe)} {esc(distance(row.distance_km, units, 0))} "
            f"({'past 500 mi' if row.status == 'high' else 'past 300 mi'})"
            for row in due.head(SHOES_DUE_MAX).itertuples(index=False)
        )
        if len(due) > SHOES_DUE_MAX:
            shoes += f"; {esc(more(len(due) - SHOES_DUE_MAX, 'pairs due', SHOES_COMMAND))}"
        parts.append(f"<p><strong>Shoes due:</strong> {_code(shoes) or 'none'}.</p>")
    history = view.alarms
    if history:
        first = min(f.date for f in history)
        parts.append(
            f'<p class="small">All records: {_count(len(history), "warning")} since '
            f"{first.isoformat()} ({view.count('high', open_only=False)} high, "
            f"{view.count('caution', open_only=False)} caution) and "
            f"{_count(len(view.notes), 'note')}, each explained below.</p>"
        )
    return f'<div class="verdict {view.level}">{"".join(parts)}</div>'


def _weeks_table(view: AthleteView) -> str:
    units = view.units
    bands = view.bands.tail(RECENT_WEEKS).merge(
        view.weeks[["week_start", "runs", "ascent_m", "fast_km", "longest_run_km"]],
        on="week_start",
        how="left",
    )
    rows = []
    for row in bands[::-1].itertuples(index=False):
        severity = row.severity if row.judged else ""
        change = pct(row.change_pct) if row.judged and pd.notna(row.change_pct) else "-"
        change = "return" if row.returning else change
        ascent = climb_text(row.ascent_m, units)
        rows.append(
            f'<tr class="{esc(severity)}"><td>{pd.Timestamp(row.week_start).date()}</td>'
            f'<td class="num">{esc(distance(row.distance_km, units))}</td>'
            f'<td class="num">{change}</td>'
            f'<td class="num">{esc(distance(row.established_km, units))}</td>'
            f'<td class="num">{int(row.runs)}</td>'
            f'<td class="num">{esc(distance(row.longest_run_km, units))}</td>'
            f'<td class="num">{ascent}</td>'
            f'<td class="num">{esc(distance(row.fast_km, units))}</td></tr>'
        )
    return (
        "<table><thead><tr><th>week from</th><th class=num>distance</th>"
        "<th class=num>change</th><th class=num>established</th><th class=num>runs</th>"
        "<th class=num>longest</th><th class=num>ascent</th><th class=num>fast</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _runs_table(view: AthleteView) -> str:
    if view.as_of is None or view.timeline.empty:
        return "<p>No activities.</p>"
    start = pd.Timestamp(view.as_of - timedelta(days=RECENT_DAYS - 1))
    recent = view.timeline[view.timeline["start_local"] >= start].sort_values("start_local")
    if recent.empty:
        return f"<p>No activities in the {RECENT_DAYS} days to {view.as_of}.</p>"
    shown = recent[::-1].head(RUN_ROWS_MAX)
    rows = []
    for row in shown.itertuples(index=False):
        minutes = round(row.duration_s / 60) if pd.notna(row.duration_s) else None
        time = f"{minutes // 60}:{minutes % 60:02d}" if minutes is not None else "-"
        sport = row.sport if row.is_run else f"{row.sport} (not running)"
        rows.append(
            f"<tr><td>{pd.Timestamp(row.start_local):%Y-%m-%d %H:%M}</td>"
            f"<td>{html_name(row.name)}</td><td>{html_name(sport)}</td>"
            f'<td class="num">{esc(distance(row.distance_km, view.units, 2))}</td>'
            f'<td class="num">{time}</td><td>{html_name(Path(str(row.file)).name)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>local start</th><th>name</th><th>sport</th>"
        "<th class=num>distance</th><th class=num>time</th><th>file</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + _more(len(recent) - len(shown), "earlier activities of these days")
    )


def _shoes_table(view: AthleteView) -> str:
    if view.shoes is None:
        return ""
    if view.shoes.empty:
        return (
            "<h3>Shoes</h3><p>No shoes tracked (add <code>[[shoes]]</code> to loadwatch.toml).</p>"
        )

    def day(value: object) -> str:
        return "-" if pd.isna(value) else f"{pd.Timestamp(value).date()}"

    shown, hidden = pairs_shown(view.shoes, SHOE_TABLE_MAX)
    rows = []
    for row in shown.itertuples(index=False):
        name = "runs with no pair" if row.shoe is None else row.shoe
        use = "in use" if row.in_use else ("-" if row.shoe is None else "not in use")
        rows.append(
            f'<tr class="{esc(row.status if row.in_use else "")}"><td>{html_name(name)}</td>'
            f'<td class="num">{esc(distance(row.distance_km, view.units, 0))}</td>'
            f'<td class="num">{esc(distance_text(row.distance_km, "mi", 0))}</td>'
            f'<td class="num">{int(row.runs)}</td>'
            f"<td>{esc(row.status or '-')}</td><td>{use}</td><td>{day(row.last_run)}</td>"
            f"<td>{day(row.forecast_300mi)}</td><td>{day(row.forecast_500mi)}</td></tr>"
        )
    return (
        "<h3>Shoes</h3><table><thead><tr><th>pair</th><th class=num>distance</th>"
        "<th class=num>miles</th><th class=num>runs</th><th>status</th><th>use</th>"
        "<th>last run</th><th>300 mi</th><th>500 mi</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + _more(hidden, "pairs", SHOES_COMMAND)
        + '<p class="small">300 mi / 500 mi: the day the pair passed the line, or when it will '
        "at its recent use. A replacement reminder, not an injury risk.</p>"
    )


def _details(view: AthleteView, data: ReportData, number: int) -> str:
    from loadwatch.report.gallery import athlete_charts  # matplotlib: loaded only to draw

    parts = ["<h3>Charts</h3>"]
    drawn = number <= CHARTED_ATHLETES_MAX
    charts = athlete_charts(view, data) if drawn and not view.runs.empty else []
    if not drawn:
        parts.append(
            f"<p>Charts are drawn for the {CHARTED_ATHLETES_MAX} riskiest athletes of a roster; "
            f"<code>loadwatch report PATH --athlete &quot;{esc(view.name, NAME_CHARS)}&quot;"
            "</code> draws this athlete's.</p>"
        )
    elif not charts:
        parts.append("<p>No runs yet, so no charts.</p>")
    for chart in charts:
        encoded = base64.b64encode(chart.png).decode("ascii")
        parts.append(
            f'<figure class="chart" id="chart-{number}-{chart.key}" data-chart="{chart.key}">'
            f'<img src="data:image/png;base64,{encoded}" alt="{esc(chart.alt)}">'
            f"<figcaption><strong>{esc(chart.title)}.</strong> {esc(chart.caption)}"
            "</figcaption></figure>"
        )
    alarms = sorted(view.alarms, key=lambda f: f.date, reverse=True)
    parts.append(f"<h3>Every warning, newest first ({len(alarms)})</h3>")
    shown = alarms[:WARNING_CARDS_MAX]
    parts += [_finding_card(f, view, data) for f in shown] or ["<p>No warnings.</p>"]
    parts.append(_more(len(alarms) - len(shown), "earlier warnings", CHECK_COMMAND))
    if view.notes:
        parts.append(f"<h3>Notes: context, not warnings ({len(view.notes)})</h3>")
        by_rule: dict[str, list[Finding]] = {}
        for note in view.notes:
            by_rule.setdefault(note.rule, []).append(note)
        parts += [_note_card(notes, view, data) for notes in by_rule.values()]
    parts.append(f"<h3>Recent weeks</h3>{_weeks_table(view)}")
    parts.append(f"<h3>Activities of the last {RECENT_DAYS} days</h3>{_runs_table(view)}")
    parts.append(_shoes_table(view))
    return "".join(parts)


def _rules_section(data: ReportData) -> str:
    fired = list(dict.fromkeys(f.rule for f in data.findings))
    parts = [
        '<section id="rules"><h2>The rules that fired</h2>'
        '<p class="small">Each rule\'s evidence and sources, once (open one to read it).</p>'
    ]
    for rule_id in fired:
        rule = data.rule(rule_id)
        if rule is None:
            parts.append(f"<p><code>{esc(rule_id)}</code></p>")
            continue
        gloss = EVIDENCE_GLOSS.get(rule.evidence, rule.evidence)
        parts.append(
            f'<details class="rule" id="rule-{esc(rule.id)}" data-rule="{esc(rule.id)}">'
            f"<summary><strong>{esc(rule.title)}</strong> <code>{esc(rule.id)}</code> "
            f"&middot; {esc(rule.evidence)}</summary>"
            f'<p class="evidence-note">{esc(rule.evidence_note)}</p>'
            f'<p class="small">Evidence: {esc(gloss)}.</p>'
            f'<p class="small">{_code(esc(rule.explanation))}</p>'
            f'<p class="small">Source: {esc(rule.source)}</p></details>'
        )
    quiet = [r for r in data.rules.values() if r.id not in fired and r.kind == "rule"]
    if quiet:
        names = ", ".join(f"{esc(r.title)} (<code>{esc(r.id)}</code>)" for r in quiet)
        parts.append(f"<p>Checked, nothing found: {names}.</p>")
    parts.append("</section>")
    return "".join(parts)


def _problems(result: ImportResult, injury_problems: list[str]) -> str:
    report = result.report
    lines = [p.line() for p in report.errors] + injury_problems
    if not lines:
        return ""
    shown = lines[:PROBLEM_LINES_MAX]
    items = "".join(f"<li>{esc(line, TEXT_CHARS)}</li>" for line in shown)
    rest = _more(len(lines) - len(shown), "files", tag="li")
    return (
        f'<h3>Files that could not be read ({len(lines)})</h3><ul class="small">{items}{rest}</ul>'
    )


def render(data: ReportData) -> str:
    """The HTML page of computed report data (:func:`build_report_data`)."""
    names = [a.name for a in data.athletes]
    who = names[0] if len(names) == 1 else f"{len(names)} athletes"
    as_of = data.as_of.isoformat() if data.as_of else "no activities"
    body = [
        f"<header><h1>loadwatch report: {html_name(who)}</h1>"
        f'<p class="meta">As of {esc(as_of)} (the last activity) &middot; '
        f"{esc(data.result.report.summary())} &middot; loadwatch {esc(__version__)}. "
        "Findings describe groups of runners in studies; they do not predict your injury."
        "</p></header>"
    ]
    if data.is_roster:
        body.append(roster.index_html(data))
        body.append(medical.html_block())
    for number, view in enumerate(data.athletes, start=1):
        section = [f'<section class="athlete" id="athlete-{number}">']
        if data.is_roster:
            section.append(f"<h2>{number}. {html_name(view.name)}</h2>")
        section.append(next_days_html(view))
        section.append(_verdict(view, data))
        if not data.is_roster:
            section.append(medical.html_block())
        section.append(_details(view, data, number))
        section.append("</section>")
        body.append("".join(section))
    body.append(_rules_section(data))
    body.append(_problems(data.result, data.injury_problems))
    page_class = "roster" if data.is_roster else "single"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"{generator_meta(__version__)}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>loadwatch report: {esc(who, NAME_CHARS)}</title><style>{_CSS}</style></head>"
        f'<body class="{page_class}">{"".join(body)}</body></html>\n'
    )


def render_html(
    result: ImportResult,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    *,
    as_of: date | None = None,
) -> str:
    """The self-contained HTML report of an import, as a string.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`): one athlete or a roster.
    findings
        :func:`loadwatch.check` of ``result``; computed when None.
    rules
        The rule set; the packaged ``rules.toml`` when None.
    as_of
        Report date; the day of the last activity by default.
    """
    return render(build_report_data(result, findings, rules, as_of=as_of))


def write_report(
    result: ImportResult,
    path: str | Path,
    *,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    as_of: date | None = None,
) -> Path:
    """Write the self-contained HTML report of an import to ``path`` (UTF-8).

    The path is checked first (:func:`loadwatch.report.output_files.check_report_path`):
    it must end in ``.html`` or ``.htm``, must not be one of the files read,
    a link or a device, and an existing file there is replaced only if it is
    a loadwatch report. The page is written to a temporary file beside it and
    renamed into place, so a failure (a full disk) leaves the old report intact.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputFileError
        The path is refused, or the file cannot be written (one line naming
        it and the reason); nothing is written.
    """
    path = check_report_path(path, _input_files(result))
    page = render_html(result, findings, rules, as_of=as_of)
    return write_text_atomic(path, page, encoding="utf-8", what="the report")


def _input_files(result: ImportResult) -> set[str]:
    """Every file an import read or named (a zip member also as its archive)."""
    report = result.report
    sources = {str(source) for source in result.timeline["file"].dropna()}
    sources |= {p.source for p in [*report.errors, *report.skipped, *report.warnings]}
    return sources | {source.split("!", 1)[0] for source in sources}
