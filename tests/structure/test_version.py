"""The version has one source: the literal that the installed metadata was built from."""

from importlib.metadata import version

from loadwatch.version import __version__


def test_installed_metadata_carries_the_source_version() -> None:
    assert version("loadwatch") == __version__
