"""The load engine: plain functions over the timeline and weekly tables, one module per topic.

==================  ===============================================================
module              topic
==================  ===============================================================
``ruleset``         :class:`Rule`, :class:`Finding` and the loader of ``rules.toml``
``common``          the established-load arithmetic shared by the weekly rules
``weekly_increase`` ``weekly-increase``: this week against the established load
``long_run``        ``long-run-spike``: each run against the longest of the last 30 days
``acwr``            ``acute-chronic``: the uncoupled EWMA acute:chronic ratio (context)
``hills``           ``hill-increase``: weekly ascent and descent against the usual
``speedwork``       fast distance per run and ``speedwork-increase``
``layoff``          layoffs, return ramps and ``return-from-layoff``
``notes``           heat, cross-training and beginner notes (severity ``note``)
``plan``            what the next run and week can hold, computed through the rules above
==================  ===============================================================

Every threshold comes from :mod:`loadwatch.findings.check` (``rules.toml``); the modules
here hold only arithmetic and wording. :func:`loadwatch.findings.check.check` runs them all.
This package deliberately imports nothing at package level, so that
:mod:`loadwatch.load.weekly` can use :mod:`loadwatch.rules.ruleset` without a cycle.
"""
