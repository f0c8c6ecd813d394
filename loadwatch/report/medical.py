"""The fixed "not medical advice" block: red flags that need a doctor, not a training plan.

The text is static on purpose: it does not depend on the findings, so it is in
every report, even one with no warnings. It follows the red-flags entry of the
project's evidence sheet (NHS guidance on deep-vein thrombosis, checked via
third-party copies only): a clot in the calf can feel like a calf strain, so
swelling, warmth or redness in one calf needs urgent advice, and breathlessness
or chest pain an emergency number. It is not diagnostic, and a DVT can have no
symptoms at all.

References
----------
NHS. DVT (deep vein thrombosis). nhs.uk/conditions/deep-vein-thrombosis-dvt/
"""

from __future__ import annotations

import html
import textwrap

#: Heading of the block.
TITLE = "Not medical advice"

#: What loadwatch is and is not, one sentence.
INTRO = (
    "loadwatch describes training load; it cannot tell whether you are injured and it "
    "cannot rule anything out. See a doctor rather than adjusting your training for:"
)

#: The red flags, most urgent first. Each is (lead, rest).
RED_FLAGS: tuple[tuple[str, str], ...] = (
    (
        "Throbbing or cramping pain in one calf (or thigh) with swelling, warmth, red or "
        "darkened skin, or hard, sore veins.",
        "A deep-vein thrombosis (a blood clot) can feel like a calf strain: get urgent "
        "advice the same day (in the UK: your GP or NHS 111). Call an emergency number "
        "(999 / 112 / 911) if you are also breathless or have chest pain.",
    ),
    ("Numbness or tingling in the leg or foot.", ""),
    ("Pain that stops you walking or bearing weight.", ""),
    ("Pain at rest or at night.", ""),
)

#: Self-care for an ordinary strain (no red flags).
SELF_CARE = (
    "For an ordinary calf strain without these signs: rest from running, then a gradual "
    "return, starting with short easy runs and building back over weeks, not days. If it "
    "is not getting better, see a GP or a physiotherapist."
)

#: The limits of the block itself.
LIMITS = (
    "This list is not a diagnosis and not complete: a blood clot can also have no symptoms. "
    "Source: NHS, Deep vein thrombosis (nhs.uk/conditions/deep-vein-thrombosis-dvt)."
)

#: One line for the terminal summary.
ONE_LINE = (
    "Not medical advice. See a doctor for calf swelling, redness or warmth (urgent: possible "
    "blood clot; 999/112/911 if breathless or chest pain), numbness or tingling, or pain "
    "that stops you walking or comes at rest or at night."
)

__all__ = ["INTRO", "LIMITS", "ONE_LINE", "RED_FLAGS", "SELF_CARE", "TITLE", "html_block", "text"]


def text(width: int = 88) -> str:
    """The whole block as plain text wrapped to ``width`` characters."""
    lines = [TITLE.upper(), textwrap.fill(INTRO, width)]
    for lead, rest in RED_FLAGS:
        item = f"{lead} {rest}".strip()
        lines.append(textwrap.fill(item, width, initial_indent="* ", subsequent_indent="  "))
    lines += [textwrap.fill(SELF_CARE, width), textwrap.fill(LIMITS, width)]
    return "\n".join(lines)


def html_block() -> str:
    """The block as an HTML ``<aside id="not-medical-advice">`` (escaped, no links out)."""
    items = "".join(
        f"<li><strong>{html.escape(lead)}</strong>{' ' + html.escape(rest) if rest else ''}</li>"
        for lead, rest in RED_FLAGS
    )
    return (
        '<aside id="not-medical-advice" class="medical">'
        f"<h2>{html.escape(TITLE)}</h2>"
        f"<p>{html.escape(INTRO)}</p><ul>{items}</ul>"
        f"<p>{html.escape(SELF_CARE)}</p>"
        f'<p class="small">{html.escape(LIMITS)}</p>'
        "</aside>"
    )
