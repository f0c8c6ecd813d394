"""Sphinx configuration of the loadwatch documentation (built by ``bash docs/build.sh``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import loadwatch  # noqa: E402  (after the path above; the installed package)

project = "loadwatch"
author = "loadwatch developers"
copyright = "loadwatch developers, MIT license"
release = loadwatch.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_click",
    "myst_nb",
    "loadwatch_pages",
    "loadwatch_refs",
]

root_doc = "index"
# Options and commands are shown as typed: no "--" turned into a dash, no curly quotes.
smartquotes = False
exclude_patterns = ["_build", "generated/sample_data", "**/.ipynb_checkpoints", "_ext"]
templates_path = ["_templates"]

# --- references: every internal reference must resolve (-n turns a miss into a warning)
nitpicky = True
# Types from outside loadwatch: no intersphinx (the build runs offline), so they stay text.
nitpick_ignore_regex = [
    (r"py:.*", r"(pd|pandas|np|numpy|pa|pyarrow|plt|matplotlib|mpl|dask|distributed)\..*"),
    (r"py:.*", r"(pathlib|datetime|collections|typing|os|io|re|enum|dataclasses)(\..*)?"),
    (r"py:.*", r"(Path|PathLike|date|datetime|timedelta|tzinfo|Axes|Figure|DataFrame|Series)"),
    (r"py:.*", r"(Iterable|Iterator|Mapping|Sequence|Callable|Any|Literal|Self|TypeAlias)"),
    (r"py:.*", r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|None|object|type)"),
    (r"py:.*", r"(Exception|ValueError|KeyError|OSError|TypeError)"),
    (r"py:.*", r"(optional|default|callable|array-like|path-like|file-like|\.\.\.)"),
]

# --- API reference: autosummary writes one page per public name into generated/api/
autosummary_generate = ["generated/api.rst"]  # written by loadwatch_pages just before
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- notebooks: executed at every build, so the gallery shows today's figures
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"loadwatch {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
