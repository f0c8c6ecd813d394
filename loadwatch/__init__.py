"""loadwatch: warns runners when training load rises too much, too soon."""

__version__ = "0.1.0"
