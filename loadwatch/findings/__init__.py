"""Findings: the rules run over the load and shoes (:mod:`~loadwatch.findings.check`),
findings as records and tables, and the injury log beside them."""
