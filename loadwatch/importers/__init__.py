"""Importers: one module per format, each returning :class:`loadwatch.activity.Activity`."""
