"""Imports held weakly by a key that their timeline's ``attrs`` carries.

:func:`loadwatch.timeline.build.import_activities` notes each import here and
writes its key into ``timeline.attrs``; :func:`loadwatch.timeline.build.import_of`
finds the import again from the timeline, or from rows of it (pandas carries
``attrs`` along), while something still holds the import. Nothing here keeps an
import alive: the registry holds weak references only.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["import_key", "recall", "remember"]

#: Import key → weak references to the imports that gave it (the newest last).
_IMPORTS: dict[str, list[weakref.ref]] = {}


def import_key(athletes: Mapping[str, Any], activity_ids: Iterable[object]) -> str:
    """A key derived from what was imported (athletes and settings, activities); JSON-safe.

    Derived, not random: two imports of the same files give the same key, so their
    timelines still compare equal, ``attrs`` included.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(athletes, sort_keys=True, default=str).encode())
    digest.update("\n".join(map(str, activity_ids)).encode())
    return digest.hexdigest()[:20]


def remember(key: str, value: object) -> None:
    """Hold ``value`` weakly under ``key``; it is forgotten once nothing else holds it."""

    def forget(ref: weakref.ref, key: str = key) -> None:
        alive = [r for r in _IMPORTS.get(key, []) if r is not ref and r() is not None]
        if alive:
            _IMPORTS[key] = alive
        else:
            _IMPORTS.pop(key, None)

    refs = [r for r in _IMPORTS.get(key, []) if r() is not None]
    _IMPORTS[key] = [*refs, weakref.ref(value, forget)]


def recall(key: str) -> object | None:
    """The newest value remembered under ``key`` that is still alive, else None."""
    for ref in reversed(_IMPORTS.get(key, [])):
        found = ref()
        if found is not None:
            return found
    return None
