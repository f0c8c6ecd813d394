"""Pages of the documentation generated from the code, never written twice.

At ``builder-inited`` this Sphinx extension writes into ``docs/generated/``
(git-ignored, rewritten on every build):

* ``rules.md``: every rule and note of ``loadwatch/rules/rules.toml``, read
  through :func:`loadwatch.rules.load_rules` (id, what it compares, bands,
  parameters, evidence label, evidence sentence, sources with DOI links);
* ``nomenclature.md``: every column of every table of :mod:`loadwatch.schema`
  (:func:`loadwatch.schema.markdown_table`);
* ``api.rst``: the API reference, an ``autosummary`` of every name in
  ``loadwatch.__all__`` and in the ``__all__`` of the public submodules;
* ``medical.md``: the report's own "Not medical advice" block
  (:mod:`loadwatch.report.medical`);
* ``gallery/``: a copy of ``notebooks/*.ipynb`` (myst-nb executes them at build
  time) and ``gallery.md``, their index.

Resolving the docstrings' references is :mod:`loadwatch_refs`, beside it.

The functions returning each page's text are plain functions, so
``tests/structure/test_docs_sources.py`` checks, without a Sphinx build, that
every rule id and every public name has its page.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GENERATED = DOCS / "generated"
NOTEBOOKS = ROOT / "notebooks"

#: The public submodules: what the notebooks and the user guide import from
#: besides the top-level ``loadwatch``. Each is documented from its ``__all__``.
PUBLIC_MODULES = (
    "loadwatch.accessor",
    "loadwatch.schema",
    "loadwatch.rules",
    "loadwatch.units",
    "loadwatch.findings.injuries",
    "loadwatch.timeline.cohort",
    "loadwatch.report.plots",
    "loadwatch.report.medical",
    "loadwatch.synthetic",
)

_DOI = re.compile(r"doi:\s*(10\.\d{4,9}/[^\s;]+?)(?=[.;,]?(?:\s|$))")


# --- rules and evidence -------------------------------------------------------


def _doi_links(source: str) -> str:
    """``source`` with every ``doi:10.x/y`` made a link to doi.org."""
    return _DOI.sub(lambda m: f"[doi:{m[1]}](https://doi.org/{m[1]})", source)


def _number(value: float) -> str:
    return f"{value:g}"


def _param(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def rules_page() -> str:
    """The rules-and-evidence page (MyST Markdown), from the packaged ``rules.toml``."""
    from loadwatch.rules import load_rules

    rules = load_rules()
    lines = [
        "(rules)=",
        "# Rules and evidence",
        "",
        "Generated from `loadwatch/rules/rules.toml` through {py:func}`loadwatch.load_rules`: "
        "the thresholds, evidence labels and sources below are the ones the code uses, read "
        "from the same file. The bands are the numbers of the rule's `[bands]` table; what "
        "each measures (a percentage above the usual for most rules) is said in the rule's "
        "*What it compares*. The evidence labels "
        "are `observational` (a cohort study), `consensus heuristic` (advice without an "
        "injury study) and `contested` (studies disagree, or the origin is another sport).",
        "",
        "| rule id | kind | what it measures | caution band | high band | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules.values():
        caution = _number(rule.bands["caution"]) if "caution" in rule.bands else ""
        high = _number(rule.bands["high"]) if "high" in rule.bands else ""
        lines.append(
            f"| {{ref}}`{rule.id} <rule-{rule.id}>` | {rule.kind} | {rule.title} | {caution} "
            f"| {high} | {rule.evidence} |"
        )
    for rule in rules.values():
        kind = "a note: context, never an alarm" if rule.kind == "note" else "a rule"
        lines += [
            "",
            f"(rule-{rule.id})=",
            f"## `{rule.id}`",
            "",
            f"**{rule.title}** ({kind}; a finding's value and threshold are in `{rule.unit}`)",
            "",
            f"**What it compares.** {rule.explanation}",
            "",
        ]
        if rule.bands:
            bands = "; ".join(f"{sev} {_number(value)}" for sev, value in rule.bands.items())
            lines += [f"**Bands** (`[{rule.id}.bands]`): {bands}.", ""]
        if rule.params:
            lines += ["| parameter | value |", "|---|---|"]
            lines += [f"| `{name}` | {_param(value)} |" for name, value in rule.params.items()]
            lines.append("")
        lines += [
            f"**Evidence: {rule.evidence}.** {rule.evidence_note}",
            "",
            f"**Sources.** {_doi_links(rule.source)}",
            "",
            f"Cited in messages as: {rule.short}.",
        ]
    return "\n".join(lines) + "\n"


# --- nomenclature -------------------------------------------------------------


def nomenclature_page() -> str:
    """The nomenclature page: every column of every table of :mod:`loadwatch.schema`."""
    from loadwatch import schema

    lines = [
        "(nomenclature)=",
        "# Nomenclature",
        "",
        "Every table loadwatch produces, generated from {py:mod}`loadwatch.schema` (one "
        "declaration per table: the DataFrames, the `--json`/`--csv` fields and the import "
        "cache follow it). Units are in the column names and in the *unit* column; the "
        "types are explained in {py:mod}`loadwatch.schema`.",
    ]
    for table in schema.TABLES.values():
        hidden = [c.name for c in table.columns if not c.json]
        lines += ["", f"(table-{table.name})=", f"## `{table.name}`", ""]
        lines.append(schema.markdown_table(table).rstrip("\n"))
        lines += [
            "",
            "JSON and CSV fields, in their public order: "
            + ", ".join(f"`{name}`" for name in table.json_fields())
            + ".",
        ]
        if hidden:
            lines.append(
                "In the DataFrame only (not in JSON or CSV): "
                + ", ".join(f"`{name}`" for name in hidden)
                + "."
            )
    return "\n".join(lines) + "\n"


# --- not medical advice -------------------------------------------------------


def medical_page() -> str:
    """The "Not medical advice" page: the report's block, :mod:`loadwatch.report.medical`."""
    from loadwatch.report import medical

    lines = [
        "(not-medical-advice)=",
        f"# {medical.TITLE}",
        "",
        "The same block is printed in every report (generated from "
        "{py:mod}`loadwatch.report.medical`).",
        "",
        medical.INTRO,
        "",
    ]
    for lead, rest in medical.RED_FLAGS:
        lines.append(f"* **{lead}** {rest}".rstrip())
    lines += ["", medical.SELF_CARE, "", medical.LIMITS]
    return "\n".join(lines) + "\n"


# --- API reference ------------------------------------------------------------


def _all(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return list(getattr(module, "__all__", ()))


def _autosummary(module_name: str, names: list[str]) -> list[str]:
    if not names:
        return []
    lines = [
        f".. currentmodule:: {module_name}",
        "",
        ".. autosummary::",
        "   :toctree: api",
        "",
    ]
    lines += [f"   {name}" for name in names]
    return [*lines, ""]


def api_page() -> str:
    """The API reference (reStructuredText): ``loadwatch.__all__`` and each public submodule."""
    import loadwatch

    top = list(loadwatch.__all__)
    lines = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Generated from the docstrings. ``import loadwatch as lw`` gives every name of the",
        "first section; the public submodules follow. A name a submodule shares with the",
        "top level is documented once, at the top level.",
        "",
        "The top level: ``loadwatch``",
        "----------------------------",
        "",
        ".. automodule:: loadwatch",
        "   :no-members:",
        "   :no-index:",
        "",
        *_autosummary("loadwatch", top),
    ]
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names = _all(module_name)
        if not names:  # a module without __all__: its public functions
            names = sorted(
                n
                for n, v in vars(module).items()
                if not n.startswith("_") and getattr(v, "__module__", None) == module_name
            )
        own = [n for n in names if getattr(loadwatch, n, None) is not getattr(module, n)]
        shared = [n for n in names if n not in own]
        title = f"``{module_name}``"
        lines += [title, "-" * len(title), ""]
        lines += [f".. automodule:: {module_name}", "   :no-members:", ""]
        if shared:
            lines += [
                "Also here, documented at the top level: "
                + ", ".join(f":py:obj:`{n} <loadwatch.{n}>`" for n in shared)
                + ".",
                "",
            ]
        lines += _autosummary(module_name, own)
    return "\n".join(lines) + "\n"


def api_names() -> set[str]:
    """Every documented public name, qualified (``loadwatch.check``, ``loadwatch.schema.PLAN``)."""
    import loadwatch

    names = {f"loadwatch.{n}" for n in loadwatch.__all__}
    for module_name in PUBLIC_MODULES:
        names |= {f"{module_name}.{n}" for n in _all(module_name)}
    return names


# --- gallery ------------------------------------------------------------------


#: Pages of the gallery written for it (MyST notebooks in ``docs/examples/``).
EXAMPLES = DOCS / "examples"


def notebooks() -> list[Path]:
    """The notebooks of the gallery: ``notebooks/*.ipynb``, by name."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def examples() -> list[Path]:
    """The gallery's own pages: ``docs/examples/*.md``, by name."""
    return sorted(EXAMPLES.glob("*.md"))


def _title(page: Path) -> str:
    """The first ``# `` heading of a notebook or a MyST page."""
    if page.suffix == ".ipynb":
        content = json.loads(page.read_text(encoding="utf-8"))
        markdown = [c for c in content["cells"] if c["cell_type"] == "markdown"]
        text = "\n".join("".join(c["source"]) for c in markdown)
    else:
        text = page.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


def _with_cell_ids(text: str) -> str:
    """The notebook with an id on every cell (nbformat 4.5), as Jupyter would add on save."""
    content = json.loads(text)
    content["nbformat_minor"] = max(content.get("nbformat_minor", 0), 5)
    for index, cell in enumerate(content["cells"]):
        cell.setdefault("id", f"cell-{index}")
    return json.dumps(content, indent=1, ensure_ascii=False) + "\n"


def gallery_page() -> str:
    """The gallery's index: each notebook, executed at build time with its figures."""
    lines = [
        "(gallery)=",
        "# Gallery",
        "",
        "The notebooks of `notebooks/` (and the pages of `docs/examples/`), run at build "
        "time on `sample_data/` and on athletes generated by {py:mod}`loadwatch.synthetic`: "
        "every table and figure in them is what the code gives today.",
        "",
    ]
    lines += [f"* {{doc}}`{_title(nb)} <gallery/{nb.stem}>`" for nb in notebooks()]
    lines += [f"* {{doc}}`{_title(page)} <../examples/{page.stem}>`" for page in examples()]
    lines += ["", "```{toctree}", ":hidden:", ""]
    lines += [f"gallery/{nb.stem}" for nb in notebooks()]
    lines += [f"../examples/{page.stem}" for page in examples()]
    lines += ["```"]
    return "\n".join(lines) + "\n"


# --- the sample runner's output -----------------------------------------------

#: Commands of the getting-started page, run on ``sample_data/`` at build time:
#: name → (arguments, lines kept from the top, lines kept from the bottom; 0 = all).
SAMPLE_COMMANDS: dict[str, tuple[tuple[str, ...], int, int]] = {
    "report": (("report", "sample_data/"), 0, 0),
    "activities": (("activities", "sample_data/"), 5, 1),
    "weeks": (("weeks", "sample_data/"), 6, 3),
    "check": (("check", "sample_data/"), 18, 0),
    "shoes": (("shoes", "sample_data/"), 0, 0),
    "plan": (("plan", "sample_data/"), 0, 0),
    "days": (("days", "sample_data/"), 8, 3),
}


def _abridge(text: str, head: int, tail: int) -> str:
    lines = text.rstrip("\n").splitlines()
    if not head or len(lines) <= head + tail:
        return "\n".join(lines)
    return "\n".join([*lines[:head], "…", *(lines[-tail:] if tail else [])])


def sample_outputs() -> dict[str, str]:
    """What each of :data:`SAMPLE_COMMANDS` prints (stdout, then stderr), run as a user would.

    The commands run in a scratch folder holding ``sample_data`` (a link to the
    repository's), with their own cache folder, so file names read as in the README.
    """
    import os
    import subprocess
    import sys
    import tempfile

    outputs = {}
    with tempfile.TemporaryDirectory(prefix="loadwatch-docs-") as scratch:
        here = Path(scratch)
        try:
            (here / "sample_data").symlink_to(ROOT / "sample_data", target_is_directory=True)
        except OSError:  # no symbolic links (Windows without the right): a copy
            shutil.copytree(ROOT / "sample_data", here / "sample_data")
        env = {**os.environ, "LOADWATCH_CACHE_DIR": str(here / "cache"), "COLUMNS": "100"}
        for name, (args, head, tail) in SAMPLE_COMMANDS.items():
            done = subprocess.run(
                [sys.executable, "-m", "loadwatch", *args],
                cwd=here,
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"loadwatch {' '.join(args)} failed: {done.stderr}")
            text = _abridge(done.stdout, head, tail)
            if done.stderr.strip():
                text += "\n" + done.stderr.rstrip("\n")
            outputs[name] = f"$ loadwatch {' '.join(args)}\n{text}\n"
    return outputs


# --- writing ------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (keeps Sphinx's rebuilds incremental)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_pages(out: Path = GENERATED) -> None:
    """Write every generated page into ``out``."""
    _write(out / "rules.md", rules_page())
    _write(out / "nomenclature.md", nomenclature_page())
    _write(out / "medical.md", medical_page())
    _write(out / "api.rst", api_page())
    _write(out / "gallery.md", gallery_page())
    for name, text in sample_outputs().items():
        _write(out / "output" / f"{name}.txt", text)
    gallery = out / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    wanted = {nb.name for nb in notebooks()}
    for old in gallery.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for nb in notebooks():
        _write(gallery / nb.name, _with_cell_ids(nb.read_text(encoding="utf-8")))
    # The notebooks find the sample runner at ../sample_data, as from notebooks/.
    sample = out / "sample_data"
    if not sample.exists():
        try:
            sample.symlink_to(ROOT / "sample_data", target_is_directory=True)
        except OSError:  # no symbolic links (Windows without the right): a copy
            shutil.copytree(ROOT / "sample_data", sample)


def _click_examples_literal(app: Any, ctx: Any, lines: list[str]) -> None:
    """A command's ``Example:`` block (indented under it in the help) as a shell block."""
    for index in reversed(range(len(lines))):
        if lines[index].strip() in ("Example:", "Examples:"):
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            lines[index + 1 : index + 1] = ["", f"{indent}.. code-block:: shell"]


def _builder_inited(app: Any) -> None:
    write_pages(Path(app.srcdir) / "generated")


def setup(app: Any) -> dict[str, Any]:
    """Register the page generation with Sphinx."""
    # Before autosummary (priority 500) writes the stub pages of the API reference.
    app.connect("builder-inited", _builder_inited, priority=100)
    app.connect("sphinx-click-process-description", _click_examples_literal)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
