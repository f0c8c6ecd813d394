"""Time in FIT files: real and device-relative clocks, impossible dates, local offset.

FIT timestamps are seconds since 1989-12-31 00:00 UTC, except that values below
``0x10000000`` are seconds since the device was switched on (FIT protocol,
``date_time`` type). fitparse leaves those as plain ints. Where a file's start
is such a relative time, a ``timestamp_correlation`` message (which pairs a UTC
time with the device's relative clock) converts it exactly; otherwise a real UTC
time elsewhere in the file (the first timed record, ``file_id.time_created``,
the ``activity`` end minus the duration) is taken as the start, and the
Activity notes that the start is approximate. A file with no real time at all
is refused: its ``activity.local_timestamp`` gives the watch's wall clock but
not its time zone, so not UTC.

Record times come as one column of FIT seconds
(:class:`~loadwatch.importers.fit.messages.RecordColumns`) and are placed with
numpy as exact integer microseconds since 1970.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from loadwatch.errors import CorruptFileError
from loadwatch.importers.activity import PLAUSIBLE_UNTIL_UTC
from loadwatch.importers.fit.messages import FitMessages, RecordColumns, enum_name, number

#: Earliest start loadwatch believes. FIT's own epoch is 1989-12-31; a date
#: before 2000 in an activity file is an unset clock, not a recording.
PLAUSIBLE_FROM = datetime(2000, 1, 1, tzinfo=UTC)

#: A record further than this from the median time of its file's records has an
#: impossible date (a corrupt timestamp, e.g. 2085 in a 2019 run): the file's own
#: records are the reference, not the day the file is read.
MAX_RECORD_SPREAD = timedelta(days=7)

#: Largest believable offset of local time from UTC [s] (UTC+14, Kiribati).
MAX_LOCAL_OFFSET_S = 14 * 3600

#: Local offsets are rounded to this step [s]: every time zone is a multiple of 15 min.
LOCAL_OFFSET_STEP_S = 900

#: FIT times below this are seconds since the device was switched on (FIT protocol).
RELATIVE_LIMIT = 0x10000000
#: The FIT epoch, 1989-12-31 00:00 UTC, in seconds since 1970.
FIT_EPOCH_S = 631065600
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_S = 1_000_000


def to_us(moment: datetime) -> int:
    """An aware datetime as exact microseconds since 1970 (UTC)."""
    return (moment - _UNIX_EPOCH) // _MICROSECOND


def from_us(us: int) -> datetime:
    """Microseconds since 1970 as an aware UTC datetime."""
    return _UNIX_EPOCH + timedelta(microseconds=int(us))


def plausible_us(us: np.ndarray) -> np.ndarray:
    """:func:`plausible` for times in microseconds since 1970 (element-wise)."""
    latest = to_us(PLAUSIBLE_UNTIL_UTC)
    return (us >= to_us(PLAUSIBLE_FROM)) & (us <= latest)


def plausible(moment: datetime | None) -> bool:
    """True for a time a recording can have: from 2000 to :data:`PLAUSIBLE_UNTIL_UTC`."""
    return moment is not None and PLAUSIBLE_FROM <= moment <= PLAUSIBLE_UNTIL_UTC


def as_datetime(value: object) -> datetime | None:
    """A decoder's real timestamp as aware UTC; ``None`` for relative ints and gaps."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # fitparse gives naive UTC
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(slots=True)
class Clock:
    """Turns a file's timestamps, real or device-relative, into UTC.

    ``anchor_real`` is the UTC time of the relative timestamp ``anchor_rel``.
    Without an anchor, only real timestamps convert.
    """

    anchor_real: datetime | None = None
    anchor_rel: int | None = None
    notes: tuple[str, ...] = ()

    def to_utc(self, value: object) -> datetime | None:
        """A decoded FIT time as aware UTC; ``None`` where it cannot be placed."""
        moment = as_datetime(value)
        if moment is not None:
            return moment
        if isinstance(value, int) and self.anchor_real is not None and self.anchor_rel is not None:
            return self.anchor_real + timedelta(seconds=value - self.anchor_rel)
        return None

    def to_utc_us(self, fit_seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`to_utc` for a column of FIT times (see :class:`RecordColumns`).

        Returns
        -------
        us, placed
            Microseconds since 1970 (int64; 0 where not placed), and whether
            each time could be placed.
        """
        real = fit_seconds >= RELATIVE_LIMIT
        us = np.zeros(fit_seconds.size, dtype=np.int64)
        us[real] = np.round((fit_seconds[real] + FIT_EPOCH_S) * _US_PER_S).astype(np.int64)
        if self.anchor_real is None or self.anchor_rel is None:
            return us, real
        relative = np.isfinite(fit_seconds) & ~real
        steps = np.round((fit_seconds[relative] - self.anchor_rel) * _US_PER_S).astype(np.int64)
        us[relative] = to_us(self.anchor_real) + steps
        return us, real | relative

    @classmethod
    def from_messages(cls, found: FitMessages, source: str) -> Clock:
        """Find how to read this file's times; raise where it has no real time at all."""
        sessions = found.messages["session"]
        relative_starts = [s["start_time"] for s in sessions if is_relative(s.get("start_time"))]
        times = found.records["timestamp"]
        relative_records = times[(times >= 0) & (times < RELATIVE_LIMIT)]
        if not relative_starts and not relative_records.size:
            return cls()
        for correlation in found.messages["timestamp_correlation"]:
            real = as_datetime(correlation.get("timestamp"))
            system = correlation.get("system_timestamp")
            if plausible(real) and is_relative(system):
                return cls(real, system)
        anchor_rel = min(relative_starts) if relative_starts else int(relative_records[0])
        anchor_real, where = _real_start_elsewhere(found)
        if anchor_real is None:
            raise CorruptFileError(
                source, "no real start time: the device recorded only a relative clock"
            )
        note = (
            "start time is approximate: the watch kept time since power-on, so the start "
            f"is taken from {where}"
        )
        return cls(anchor_real, anchor_rel, (note,))


def is_relative(value: object) -> bool:
    """A FIT time below 0x10000000: seconds since device power-on (FIT protocol)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 0x10000000


def _real_start_elsewhere(found: FitMessages) -> tuple[datetime | None, str]:
    """The best real UTC time for the start of a file whose own start is relative."""
    for session in found.messages["session"]:
        start = as_datetime(session.get("start_time"))
        if plausible(start):
            return start, "the first session"
    us, real = Clock().to_utc_us(found.records["timestamp"])
    believable = np.flatnonzero(real & plausible_us(us))
    if believable.size:
        return from_us(us[believable[0]]), "the first timed record"
    created = as_datetime(found.first("file_id").get("time_created"))
    if plausible(created):
        return created, "the time the file was created"
    end = as_datetime(found.first("activity").get("timestamp"))
    elapsed = sum(number(s.get("total_elapsed_time")) or 0.0 for s in found.messages["session"])
    if plausible(end) and elapsed:
        assert end is not None
        return end - timedelta(seconds=elapsed), "the activity's end minus its duration"
    return None, ""


@dataclass(slots=True)
class TimedRecords:
    """Records with a believable UTC time, in time order (stable: file order within a time).

    ``time_us`` holds microseconds since 1970 (UTC), ``values`` the records'
    columns in the same order.
    """

    time_us: np.ndarray
    values: RecordColumns
    n_impossible: int = 0
    first_impossible: datetime | None = None

    def __len__(self) -> int:
        return len(self.time_us)

    @property
    def first_time(self) -> datetime | None:
        return from_us(self.time_us[0]) if len(self.time_us) else None

    @property
    def last_time(self) -> datetime | None:
        return from_us(self.time_us[-1]) if len(self.time_us) else None

    @classmethod
    def from_messages(cls, found: FitMessages, clock: Clock) -> TimedRecords:
        """Place every record in UTC; leave out (and count) impossible dates."""
        us, placed = clock.to_utc_us(found.records["timestamp"])
        believable = placed & plausible_us(us)
        if believable.any():  # far from the file's other records: an impossible date too
            median = int(np.median(us[believable]))
            believable &= np.abs(us - median) <= MAX_RECORD_SPREAD // _MICROSECOND
        impossible = np.flatnonzero(placed & ~believable)
        kept = np.flatnonzero(believable)
        order = kept[np.argsort(us[kept], kind="stable")]
        in_place = order.size == len(us) and bool((order == np.arange(order.size)).all())
        return cls(
            us[order],
            found.records if in_place else found.records.take(order),
            int(impossible.size),
            from_us(us[impossible[0]]) if impossible.size else None,
        )


def local_offset_s(found: FitMessages) -> int | None:
    """Offset of the device's local time from UTC [s], from the ``activity`` message.

    ``local_timestamp - timestamp``, rounded to 15 minutes; ``None`` where
    either is missing or the difference is beyond ±14 h (an unset local clock,
    as Zwift writes). COROS watches write ``local_timestamp == timestamp``
    whatever the time zone (a run in Prague at UTC+1 says 0), so an offset of
    exactly 0 from a COROS file is treated as not recorded.
    """
    for activity in found.messages["activity"]:
        real = as_datetime(activity.get("timestamp"))
        local = activity.get("local_timestamp")
        if real is None or not isinstance(local, datetime):
            continue
        offset = (local.replace(tzinfo=None) - real.replace(tzinfo=None)).total_seconds()
        if abs(offset) > MAX_LOCAL_OFFSET_S:
            return None
        rounded = LOCAL_OFFSET_STEP_S * round(offset / LOCAL_OFFSET_STEP_S)
        manufacturer = enum_name("manufacturer", found.first("file_id").get("manufacturer"))
        if rounded == 0 and manufacturer == "coros":
            return None
        return int(rounded)
    return None
