"""The README's first output is what ``loadwatch report sample_data/`` really prints.

A newcomer compares the two on their first run: a summary changed in the code but
not in the README fails here, not in their terminal.
"""

from __future__ import annotations

import re

import loadwatch as lw
from loadwatch.report import summary_text

from support import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def test_readme_first_output_is_the_real_summary_of_sample_data() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```text\n(loadwatch report: .*?)```", text, re.S)
    assert block is not None, "README lacks the first output block"
    shown = block[1].rstrip("\n").splitlines()
    assert shown[-1] == "Report written to report.html"
    real = summary_text(lw.import_activities(PROJECT_ROOT / "sample_data")).splitlines()
    assert shown[:-1] == real
