"""A business-hours clock: working days and hours in the sales team's time zone.

Response times are usually quoted in wall-clock hours, which makes a lead that
arrives on Friday at 19:00 and is called on Monday at 9:00 look 62 hours late. A
business-hours clock counts only the hours the team works, so an SLA like "answer
within 2 business hours" can be checked fairly.

Timestamps
----------
CRM exports mostly write **local wall-clock times without a time zone** (HubSpot and
Pipedrive exports do; so does the bundled sample). The clock therefore reads a naive
timestamp as a local time *in the team's time zone* unless told otherwise:

* naive timestamps, ``data_timezone=None`` (default): already local wall-clock time;
* naive timestamps, ``data_timezone="UTC"`` (or any zone): read in that zone, then
  converted to the team's zone (``timezone``);
* time-zone-aware timestamps: converted to the team's zone.

Working hours are then applied to the local wall-clock time, day by day. Because the
working window is counted on the local clock, a daylight-saving change (which happens
at night, outside working hours) does not add or remove a business hour; a wall-clock
duration between two aware timestamps, on the other hand, is the true elapsed time.

Everything is vectorised in polars (``pl.business_day_count``): no per-row Python.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

__all__ = ["BusinessClock", "business_hours_between", "holidays_from", "hours_between", "to_local"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class BusinessClock:
    """Working days and hours of a sales team.

    Parameters
    ----------
    start_hour, end_hour
        Opening and closing time as hours after local midnight (``8.5`` = 08:30);
        ``0 <= start_hour < end_hour <= 24``.
    weekdays
        Working weekdays, Monday = 0 … Sunday = 6.
    holidays
        Dates on which nobody works.
    timezone
        The team's IANA time zone (``"Europe/Berlin"``); ``None`` = the timestamps'
        own local time, no conversion.
    data_timezone
        How to read naive timestamps: ``None`` = already the team's local time;
        otherwise the zone they were written in (often ``"UTC"``).

    Examples
    --------
    >>> BusinessClock().hours_per_day
    10.0
    >>> BusinessClock(start_hour=9, end_hour=17, weekdays=(0, 1, 2, 3)).describe()
    'Mon–Thu 09:00–17:00'
    """

    start_hour: float = 8.0
    end_hour: float = 18.0
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[dt.date, ...] = field(default_factory=tuple)
    timezone: str | None = None
    data_timezone: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("working hours need 0 <= start_hour < end_hour <= 24, got "
                             f"{self.start_hour}–{self.end_hour}")
        days = tuple(sorted(set(int(d) for d in self.weekdays)))
        if not days or any(d < 0 or d > 6 for d in days):
            raise ValueError(f"weekdays must be a non-empty subset of 0..6, got {self.weekdays}")
        object.__setattr__(self, "weekdays", days)
        for tz in (self.timezone, self.data_timezone):
            if tz is not None:
                try:
                    zoneinfo.ZoneInfo(tz)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                    raise ValueError(f"unknown time zone {tz!r} (use an IANA name such as "
                                     "'Europe/Berlin' or 'UTC')") from exc
        object.__setattr__(self, "holidays", tuple(sorted(set(self.holidays))))

    @property
    def hours_per_day(self) -> float:
        """Business hours in one working day."""
        return float(self.end_hour - self.start_hour)

    @property
    def week_mask(self) -> list[bool]:
        """Polars' week mask (Monday first)."""
        return [d in self.weekdays for d in range(7)]

    def describe(self) -> str:
        """A short human description, e.g. ``'Mon–Fri 08:00–18:00'``."""
        days = self.weekdays
        if days == tuple(range(days[0], days[-1] + 1)) and len(days) > 1:
            span = f"{_DAY_NAMES[days[0]]}–{_DAY_NAMES[days[-1]]}"
        else:
            span = ", ".join(_DAY_NAMES[d] for d in days)
        hrs = f"{_hhmm(self.start_hour)}–{_hhmm(self.end_hour)}"
        tz = f" ({self.timezone})" if self.timezone else ""
        hol = f", {len(self.holidays)} holidays" if self.holidays else ""
        return f"{span} {hrs}{tz}{hol}"


def _hhmm(hours: float) -> str:
    h = int(hours)
    m = round((hours - h) * 60)
    return f"{h:02d}:{m:02d}"


def to_local(expr: pl.Expr, *, dtype: pl.DataType, clock: BusinessClock) -> pl.Expr:
    """``expr`` as a naive local wall-clock time in the team's time zone.

    ``dtype`` is the column's type (from the frame's schema): naive timestamps are read
    in ``clock.data_timezone`` (or taken as local), aware ones are converted.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> df = pl.DataFrame({"t": [dt.datetime(2024, 7, 1, 12)]})
    >>> c = BusinessClock(timezone="Europe/Berlin", data_timezone="UTC")
    >>> df.select(to_local(pl.col("t"), dtype=df.schema["t"], clock=c))["t"][0]
    datetime.datetime(2024, 7, 1, 14, 0)
    """
    aware = isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    if aware:
        return (expr.dt.convert_time_zone(clock.timezone) if clock.timezone else expr
                ).dt.replace_time_zone(None)
    if clock.data_timezone is None or clock.timezone is None \
            or clock.data_timezone == clock.timezone:
        return expr
    return (expr.dt.replace_time_zone(clock.data_timezone, ambiguous="earliest",
                                      non_existent="null")
            .dt.convert_time_zone(clock.timezone).dt.replace_time_zone(None))


def _partial(local: pl.Expr, clock: BusinessClock, busy: pl.Expr) -> pl.Expr:
    """Business hours already worked on ``local``'s own day at that moment."""
    hour = (local - local.dt.truncate("1d")).dt.total_microseconds() / 3.6e9
    worked = (hour - clock.start_hour).clip(0.0, clock.hours_per_day)
    return pl.when(busy).then(worked).otherwise(0.0)


def business_hours_between(
    start: str | pl.Expr,
    end: str | pl.Expr,
    *,
    clock: BusinessClock,
    schema: dict[str, pl.DataType] | pl.Schema | None = None,
) -> pl.Expr:
    """Business hours from ``start`` to ``end`` (negative when ``end`` is earlier).

    Counts, on the team's local clock, the part of each working day between
    ``clock.start_hour`` and ``clock.end_hour`` that lies between the two moments;
    weekends (non-working weekdays) and holidays count zero. Null in, null out.

    Parameters
    ----------
    start, end
        Column names or expressions of datetimes.
    clock
        The team's working days, hours and time zone.
    schema
        The frame's schema, needed to convert time-zone-aware columns given by name
        (or naive ones when ``clock.data_timezone`` differs from ``clock.timezone``);
        without it expressions are taken as naive local times.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> df = pl.DataFrame({"a": [dt.datetime(2024, 1, 5, 17)],   # Friday 17:00
    ...                    "b": [dt.datetime(2024, 1, 8, 9)]})   # Monday 09:00
    >>> df.select(business_hours_between("a", "b", clock=BusinessClock()))["a"][0]
    2.0
    """
    s = _local(start, clock, schema)
    e = _local(end, clock, schema)
    mask = clock.week_mask
    hol = list(clock.holidays)

    def busy(x: pl.Expr) -> pl.Expr:
        return pl.business_day_count(x.dt.date(), x.dt.date() + pl.duration(days=1),
                                     week_mask=mask, holidays=hol) == 1

    days = pl.business_day_count(s.dt.date(), e.dt.date(), week_mask=mask, holidays=hol)
    out = (days.cast(pl.Float64) * clock.hours_per_day
           - _partial(s, clock, busy(s)) + _partial(e, clock, busy(e)))
    name = start if isinstance(start, str) else None
    out = pl.when(s.is_not_null() & e.is_not_null()).then(out)
    return out.alias(name) if name else out


def _local(col: str | pl.Expr, clock: BusinessClock, schema) -> pl.Expr:
    expr = pl.col(col) if isinstance(col, str) else col
    if isinstance(col, str) and schema is not None and col in schema:
        return to_local(expr, dtype=schema[col], clock=clock)
    return expr


def hours_between(
    start: str | pl.Expr,
    end: str | pl.Expr,
    *,
    clock: BusinessClock | None = None,
    schema: dict[str, pl.DataType] | pl.Schema | None = None,
) -> pl.Expr:
    """Hours from ``start`` to ``end``: wall-clock when ``clock`` is None, else business.

    Wall-clock hours are the plain difference of the two timestamps (for naive local
    times across a DST change this is the clock difference, not the elapsed time).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> df = pl.DataFrame({"a": [dt.datetime(2024, 1, 5, 17)], "b": [dt.datetime(2024, 1, 8, 9)]})
    >>> df.select(hours_between("a", "b"))["a"][0]
    64.0
    """
    if clock is not None:
        return business_hours_between(start, end, clock=clock, schema=schema)
    s = pl.col(start) if isinstance(start, str) else start
    e = pl.col(end) if isinstance(end, str) else end
    out = (e - s).dt.total_microseconds() / 3.6e9
    return out.alias(start) if isinstance(start, str) else out


def holidays_from(dates: Iterable[dt.date | str]) -> tuple[dt.date, ...]:
    """Holiday dates from dates or ISO strings (``"2025-12-25"``), sorted and unique.

    Examples
    --------
    >>> holidays_from(["2025-12-26", "2025-12-25"])
    (datetime.date(2025, 12, 25), datetime.date(2025, 12, 26))
    """
    out = {d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d).strip())
           for d in dates}
    return tuple(sorted(out))
