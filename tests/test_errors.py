"""loadwatch's errors cross process boundaries (process pool, Dask) intact."""

from __future__ import annotations

import pickle

import pytest

from loadwatch.errors import (
    CorruptFileError,
    EmptyFileError,
    LoadwatchError,
    NotAnActivityError,
    SettingsError,
    UnsafeFileError,
    UnsupportedFileError,
)


@pytest.mark.parametrize(
    "error",
    [
        LoadwatchError("no athlete called 'x' here"),
        CorruptFileError("runs/a.fit", "failed its checksum"),
        EmptyFileError("b.gpx", "the file is empty (0 bytes)"),
        UnsafeFileError("export.zip!bomb.gpx", "refused as a possible zip bomb"),
        NotAnActivityError("c.fit", "a FIT settings file, not a recorded activity"),
        UnsupportedFileError("d.txt", "not a FIT, GPX or TCX file"),
        SettingsError("team/ann/loadwatch.toml", "athlete.timezone", "unknown time zone"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_with_their_fields(error: LoadwatchError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__
    if hasattr(error, "kind"):
        assert copy.kind == error.kind
