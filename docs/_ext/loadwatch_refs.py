"""References from the docstrings to the code, resolved as the API reference documents it.

A Sphinx extension beside :mod:`loadwatch_pages` (whose ``PUBLIC_MODULES`` it
reads). With ``nitpicky`` on, every Python reference must resolve; this one:

* links a name documented under another path (``loadwatch.rules.ruleset.Rule`` is
  documented as ``loadwatch.Rule``) to its page;
* shows a real name of the code that the reference does not document (an internal
  helper) as code, without a link;
* leaves a name the code does not have as a warning, so a typo or a renamed
  function fails the build;
* gives a re-exported constant its own ``#:`` comment instead of its type's docstring.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from loadwatch_pages import PUBLIC_MODULES


def _documented_objects() -> dict[int, str]:
    """``id(object)`` → the name under which the API reference documents it."""
    import loadwatch

    found: dict[int, str] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        found[id(module)] = module_name
        for name in getattr(module, "__all__", ()):
            found.setdefault(id(getattr(module, name)), f"{module_name}.{name}")
    for name in loadwatch.__all__:  # the top level wins: shared names are documented there
        found[id(getattr(loadwatch, name))] = f"loadwatch.{name}"
    found[id(loadwatch)] = "loadwatch"
    return found


def _lookup(target: str, module: str | None, cls: str | None) -> tuple[Any, str] | None:
    """The object a Python reference names, and its path; None if the code has no such name.

    ``target`` is tried as written, then inside the current class and module, the
    way the Python domain itself searches.
    """
    candidates = [target]
    if module:
        candidates += [f"{module}.{cls}.{target}"] if cls else []
        candidates.append(f"{module}.{target}")
    for candidate in candidates:
        if not candidate.startswith("loadwatch"):
            continue
        parts = candidate.split(".")
        for split in range(len(parts), 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for part in parts[split:]:
                obj = _get(obj, part)
            if obj is _MISSING:
                break
            return obj, candidate
    return _lookup_anywhere(target)


def _lookup_anywhere(target: str) -> tuple[Any, str] | None:
    """A short name (``RULE_IDS``, ``Column.dtype``) as found in loadwatch's modules.

    For a reference written inside a docstring whose object the reference shows
    under another module (an autosummary page of ``loadwatch.Finding`` reads
    ``loadwatch.rules.ruleset``'s names). Only an unambiguous name is taken.
    """
    found: dict[int, tuple[Any, str]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not (
            module_name == "loadwatch" or module_name.startswith("loadwatch.")
        ):
            continue
        obj: Any = module
        for part in target.split("."):
            obj = _get(obj, part)
        if obj is not _MISSING and not isinstance(obj, type(sys)):
            found.setdefault(id(obj), (obj, f"{module_name}.{target}"))
    if len(found) == 1:
        return next(iter(found.values()))
    return None


_MISSING = object()


def _get(obj: Any, name: str) -> Any:
    """``obj.name``, a dataclass's field (no class attribute without a default), or _MISSING."""
    if obj is _MISSING:
        return _MISSING
    if hasattr(obj, name):
        return getattr(obj, name)
    return getattr(obj, "__dataclass_fields__", {}).get(name, _MISSING)


def _prefixes(path: str) -> list[tuple[int, Any]]:
    """The objects each prefix of the dotted ``path`` names: ``(number of parts, object)``."""
    parts = path.split(".")
    found: list[tuple[int, Any]] = []
    obj: Any = None
    for size in range(1, len(parts) + 1):
        try:
            obj = importlib.import_module(".".join(parts[:size]))
        except ImportError:
            obj = _MISSING if obj is None else _get(obj, parts[size - 1])
            if obj is _MISSING:
                break
        found.append((size, obj))
    return found


def _missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a docstring's reference to a loadwatch name the Python domain did not find.

    A name documented under another path (``loadwatch.rules.ruleset.Rule`` is
    documented as ``loadwatch.Rule``) links to its page; a real name of the code
    that the reference does not document (an internal helper) is shown as code,
    without a link. A name the code does not have stays a warning: a typo or a
    renamed function fails the build.
    """
    if node.get("refdomain") != "py":
        return None
    found = _lookup(node["reftarget"], node.get("py:module"), node.get("py:class"))
    if found is None:
        return None
    parts = found[1].split(".")
    domain = env.get_domain("py")
    for size, obj in reversed(_prefixes(found[1])):  # the longest documented prefix first
        alias = app.loadwatch_documented.get(id(obj))
        if alias is None:
            continue
        target = ".".join([alias, *parts[size:]])
        resolved = domain.resolve_xref(
            env, node["refdoc"], app.builder, "obj", target, node, contnode
        )
        if resolved is not None:
            return resolved
    return contnode


def _data_doc(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant's own ``#:`` comment, not the docstring of its type (``str``, ``tuple`` ...).

    A constant re-exported elsewhere (``loadwatch.COLUMNS``) keeps its comment where it
    is defined; autodoc only reads the comments of the module it documents from.
    """
    if what not in ("data", "attribute") or not name.startswith("loadwatch"):
        return
    type_doc = (type(obj).__doc__ or "").strip().splitlines()
    if lines and (not type_doc or type_doc[0].strip() not in [line.strip() for line in lines]):
        return  # the constant has its own documentation
    from sphinx.pycode import ModuleAnalyzer

    attr = name.rsplit(".", 1)[-1]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("loadwatch") or getattr(module, attr, _MISSING) is not obj:
            continue
        try:
            comments = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # a module without source: nothing to read
            continue
        if ("", attr) in comments:
            lines[:] = list(comments[("", attr)])
            return
    lines[:] = []


def _builder_inited(app: Any) -> None:
    app.loadwatch_documented = _documented_objects()


def setup(app: Any) -> dict[str, Any]:
    """Register the reference resolution with Sphinx."""
    app.connect("builder-inited", _builder_inited)
    app.connect("missing-reference", _missing_reference)
    app.connect("autodoc-process-docstring", _data_doc, priority=600)  # after numpydoc
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
