"""The activity timeline: rows, local time, duplicates, plausibility, athletes and
their settings, the import cache, the process pool and the Dask cohort engine."""
