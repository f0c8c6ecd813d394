"""Importers: files into activities, one module per format.

``discover`` finds files and reads their bytes safely (``regular_files``, ``.gz``),
``archives`` reads zip exports, ``read`` hands bytes to the importer of their
format: ``fit/`` (the reader, the reference decoders and the fast numpy path),
``gpx`` (the bulk reader ``gpx_bulk`` with ``gpx_columns``, the per-element
scanner ``gpx_stream``, ``gpx_points``; gpxpy the reference), ``tcx`` (the
streaming reader ``tcx_stream``; ElementTree the reference); each returns
:class:`loadwatch.importers.activity.Activity`. ``exports/`` reads the tables of
Strava and Garmin export archives.
"""
