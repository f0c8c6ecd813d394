"""Importers: files into activities, one module per format.

``discover`` finds files and reads their bytes safely (``regular_files``, ``.gz``),
``archives`` reads zip exports, ``read`` hands bytes to the importer of their
format: ``fit/`` (the reader, the reference decoders and the fast numpy path),
``gpx`` (with ``gpx_stream`` and ``gpx_points``), ``tcx``; each returns
:class:`loadwatch.importers.activity.Activity`. ``exports/`` reads the tables of
Strava and Garmin export archives.
"""
