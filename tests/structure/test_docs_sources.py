"""The documentation's generated pages cover the code: every rule id of ``rules.toml``,
every column of the schema and every public name has its page.

The pages are the text of ``docs/_ext/loadwatch_pages.py`` (the Sphinx extension of
``bash docs/build.sh``); these tests call its functions without building the site.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import loadwatch
from loadwatch import schema

ROOT = Path(__file__).resolve().parents[2]
RULES_TOML = ROOT / "loadwatch" / "rules" / "rules.toml"


@pytest.fixture(scope="module")
def pages() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "loadwatch_pages.py"
    spec = importlib.util.spec_from_file_location("loadwatch_pages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("loadwatch_pages", module)
    spec.loader.exec_module(module)
    return module


def test_every_rule_of_rules_toml_has_its_section(pages: ModuleType) -> None:
    # Read the file itself, not through the loader the page uses: a rule the loader
    # skipped would be caught here.
    ids = [
        key
        for key, value in tomllib.loads(RULES_TOML.read_text("utf-8")).items()
        if isinstance(value, dict)
    ]
    text = pages.rules_page()
    assert len(ids) >= 8
    for rule_id in ids:
        assert f"(rule-{rule_id})=\n## `{rule_id}`" in text, rule_id


def test_rules_page_quotes_each_rule_from_the_loader(pages: ModuleType) -> None:
    text = pages.rules_page()
    for rule in loadwatch.load_rules().values():
        section = text.split(f"## `{rule.id}`", 1)[1].split("\n## ", 1)[0]
        assert rule.explanation in section
        assert rule.evidence_note in section
        assert f"**Evidence: {rule.evidence}.**" in section
        for severity, value in rule.bands.items():
            assert f"{severity} {value:g}" in section.split("**Bands**", 1)[1].split("\n")[0]
        for doi in re.findall(r"doi:(10\.\d{4,9}/[^\s;]+?)(?=[.;,]?(?:\s|$))", rule.source):
            assert f"(https://doi.org/{doi})" in section, (rule.id, doi)


def test_every_column_of_every_table_is_in_the_nomenclature(pages: ModuleType) -> None:
    text = pages.nomenclature_page()
    for table in schema.TABLES.values():
        assert schema.markdown_table(table) in text + "\n", table.name
        for column in table.columns:
            assert f"| `{column.name}` | {column.dtype} |" in text


def test_every_public_name_is_in_the_api_reference(pages: ModuleType) -> None:
    text = pages.api_page()
    top = text.split(".. currentmodule:: loadwatch\n", 1)[1].split("\n\n``", 1)[0]
    for name in loadwatch.__all__:
        assert f"\n   {name}\n" in top + "\n", name
    for module_name in pages.PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert module.__doc__, f"{module_name} has no module docstring"
        assert f".. automodule:: {module_name}" in text
        for name in getattr(module, "__all__", ()):
            listed = f"\n   {name}\n" in text or f"<loadwatch.{name}>`" in text
            assert listed, f"{module_name}.{name}"
    assert {f"loadwatch.{n}" for n in loadwatch.__all__} <= pages.api_names()


def test_the_gallery_holds_every_notebook(pages: ModuleType) -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    text = pages.gallery_page()
    for notebook in notebooks:
        assert f"gallery/{notebook.stem}\n" in text, notebook.name
    for page in sorted((ROOT / "docs" / "examples").glob("*.md")):
        assert f"../examples/{page.stem}\n" in text, page.name


def test_the_medical_page_is_the_report_block(pages: ModuleType) -> None:
    from loadwatch.report import medical

    text = pages.medical_page()
    for part in (medical.INTRO, medical.SELF_CARE, medical.LIMITS):
        assert part in text
    for lead, _rest in medical.RED_FLAGS:
        assert lead in text


def test_every_cli_command_is_documented_and_version_is_named() -> None:
    from loadwatch.cli import main

    page = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert ".. click:: loadwatch.cli:main" in page and ":nested: full" in page
    assert "--version" in page
    assert main.commands, "the click group has commands"
