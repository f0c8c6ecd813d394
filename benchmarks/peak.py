"""The peak memory of the measuring process itself, for the benchmarks' children.

``getrusage(RUSAGE_SELF).ru_maxrss`` of a process started by fork and exec
also counts the peak of the process it was forked from (Linux keeps it across
exec), so a child started by a benchmark that has just run a naive loop would
report the benchmark's own peak. ``VmHWM`` in ``/proc/self/status`` is reset by
exec: the process's own peak. Elsewhere ``ru_maxrss`` is all there is.
"""

from __future__ import annotations

import resource
import sys


def own_peak_mb() -> float:
    """This process's peak resident set [MB] (``VmHWM``, else ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
