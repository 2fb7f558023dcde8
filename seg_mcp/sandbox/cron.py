"""Quartz cron expressions, as Adobe's schedules take them (reference §8.1).

`parse` reads the Quartz `CronExpression` syntax and refuses what Quartz refuses, with Quartz's
reasons: six or seven fields (second, minute, hour, day-of-month, month, day-of-week, optional
year), `* ? - , /`, `L` (last day of month, `L-3`, `LW`; in day-of-week `L` alone is Saturday and
`6L` the month's last Friday), `W` (nearest weekday, `15W`), `#` (`6#3`: third Friday), month and
day names in any case, ranges that wrap (`FRI-MON`, `22-2`). Exactly one of day-of-month and
day-of-week must be `?`. Days of week count from 1 = Sunday.

`parse_schedule` adds Adobe's rule for segmentation schedules: at most one run a day (one second,
one minute and one hour).

`CronExpression.next_after(t)` is the first fire time strictly after `t` (naive UTC). Pure code,
no I/O.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

__all__ = ["CronError", "CronExpression", "parse", "parse_schedule"]

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELD_NAMES = ("second", "minute", "hour", "day-of-month", "month", "day-of-week", "year")
BOUNDS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2099))
RANGE_ERRORS = (
    "Minute and Second values must be between 0 and 59",
    "Minute and Second values must be between 0 and 59",
    "Hour values must be between 0 and 23",
    "Day of month values must be between 1 and 31",
    "Month values must be between 1 and 12",
    "Day-of-Week values must be between 1 and 7",
    "Year values must be between 1970 and 2099",
)
SECOND, MINUTE, HOUR, DOM, MONTH, DOW, YEAR = range(7)
EXAMPLE = "'0 30 13 * * ?' runs every day at 13:30 UTC"


class CronError(ValueError):
    """Why a text is not a valid (Quartz) cron expression, in a sentence a user can act on."""


@dataclass(frozen=True)
class DaysOfMonth:
    days: frozenset[int] = frozenset()
    last_offset: int | None = None  # L (0) or L-n (n): the month's last day minus n
    nearest_weekday: int | None = None  # nW
    last_weekday: bool = False  # LW
    any: bool = False  # '?'

    def matches(self, d: date) -> bool:
        last = calendar.monthrange(d.year, d.month)[1]
        if self.last_weekday:
            return d == _nearest_weekday(d.replace(day=last))
        if self.last_offset is not None:
            return d.day == last - self.last_offset
        if self.nearest_weekday is not None:
            return self.nearest_weekday <= last and d == _nearest_weekday(
                d.replace(day=self.nearest_weekday)
            )
        return d.day in self.days


@dataclass(frozen=True)
class DaysOfWeek:
    days: frozenset[int] = frozenset()  # 1 = Sunday ... 7 = Saturday
    last_of_month: int | None = None  # nL: the month's last day n
    nth: tuple[int, int] | None = None  # (day, k): n#k
    any: bool = False  # '?'

    def matches(self, d: date) -> bool:
        dow = quartz_weekday(d)
        if self.last_of_month is not None:
            last = calendar.monthrange(d.year, d.month)[1]
            return dow == self.last_of_month and d.day + 7 > last
        if self.nth is not None:
            return dow == self.nth[0] and (d.day - 1) // 7 + 1 == self.nth[1]
        return dow in self.days


@dataclass(frozen=True)
class CronExpression:
    text: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: DaysOfMonth
    months: frozenset[int]
    days_of_week: DaysOfWeek
    years: frozenset[int] | None

    def day_matches(self, d: date) -> bool:
        if d.month not in self.months or (self.years is not None and d.year not in self.years):
            return False
        if self.days_of_month.any:
            return self.days_of_week.matches(d)
        return self.days_of_month.matches(d)

    def runs_per_day(self) -> int:
        return len(self.seconds) * len(self.minutes) * len(self.hours)

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after `after` (naive UTC), None if it never fires again."""
        start = after.replace(microsecond=0) + timedelta(seconds=1)
        day = start.date()
        first = True
        while day.year <= BOUNDS[YEAR][1]:
            if self.years is not None and day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day, first = date(min(later), 1, 1), False
                continue
            if day.month not in self.months:
                day, first = _next_month(day), False
                continue
            if self.day_matches(day):
                at = self._time_on(day, start.time() if first else time(0, 0, 0))
                if at is not None:
                    return at
            day, first = day + timedelta(days=1), False
        return None

    def _time_on(self, day: date, earliest: time) -> datetime | None:
        for h in self.hours:
            if h < earliest.hour:
                continue
            for m in self.minutes:
                if h == earliest.hour and m < earliest.minute:
                    continue
                for s in self.seconds:
                    if h == earliest.hour and m == earliest.minute and s < earliest.second:
                        continue
                    return datetime.combine(day, time(h, m, s))
        return None


def quartz_weekday(d: date) -> int:
    """1 = Sunday ... 7 = Saturday (Quartz's numbering)."""
    return (d.weekday() + 1) % 7 + 1


def _nearest_weekday(d: date) -> date:
    """Quartz `W`: the weekday nearest to `d` without leaving its month."""
    last = calendar.monthrange(d.year, d.month)[1]
    if d.weekday() == 5:  # Saturday: Friday before, or Monday after if the 1st
        return d - timedelta(days=1) if d.day > 1 else d + timedelta(days=2)
    if d.weekday() == 6:  # Sunday: Monday after, or Friday before if the last day
        return d + timedelta(days=1) if d.day < last else d - timedelta(days=2)
    return d


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


# -- parsing -----------------------------------------------------------------------------------


def _fail(text: str, detail: str) -> CronError:
    return CronError(f"{text!r} is not a valid Quartz cron expression: {detail}.")


def _number(token: str, index: int, text: str) -> int:
    upper = token.upper()
    if index == MONTH and upper in MONTHS:
        return MONTHS.index(upper) + 1
    if index == DOW and upper in DAYS:
        return DAYS.index(upper) + 1
    if not token.isdigit():
        if index == MONTH and upper.isalpha():
            raise _fail(text, f"Invalid Month value: '{token}' (use 1-12 or JAN-DEC)")
        if index == DOW and upper.isalpha():
            raise _fail(text, f"Invalid Day-of-Week value: '{token}' (use 1-7 or SUN-SAT)")
        raise _fail(text, f"Illegal characters for the {FIELD_NAMES[index]} field: '{token}'")
    value = int(token)
    low, high = BOUNDS[index]
    if not low <= value <= high:
        raise _fail(text, RANGE_ERRORS[index])
    return value


def _values(item: str, index: int, text: str) -> set[int]:
    """One comma-separated item of a plain field: `*`, `n`, `a-b`, with an optional `/step`."""
    low, high = BOUNDS[index]
    base, slash, step_text = item.partition("/")
    if slash:
        if not step_text.isdigit():
            raise _fail(
                text, f"'/' must be followed by an integer in the {FIELD_NAMES[index]} field"
            )
        step = int(step_text)
        most = high - low + 1 if index == YEAR else high
        if not 1 <= step <= most:
            raise _fail(
                text,
                f"the increment {step} of the {FIELD_NAMES[index]} field must be between 1 and "
                f"{most}",
            )
    else:
        step = 1
    if base in ("*", ""):
        if base == "" and not slash:
            raise _fail(text, f"an empty item in the {FIELD_NAMES[index]} field")
        start, stop = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, stop = _number(first, index, text), _number(last, index, text)
    else:
        start = _number(base, index, text)
        stop = high if slash else start
    span = (
        list(range(start, stop + 1))
        if start <= stop
        else [
            *range(start, high + 1),
            *range(low, stop + 1),
        ]
    )
    return set(span[::step])


def _plain(field: str, index: int, text: str) -> frozenset[int]:
    if "?" in field:
        raise _fail(text, "'?' can only be specified for Day-of-Month or Day-of-Week")
    values: set[int] = set()
    for item in field.split(","):
        values |= _values(item, index, text)
    return frozenset(values)


def _days_of_month(field: str, text: str) -> DaysOfMonth:
    upper = field.upper()
    if upper == "?":
        return DaysOfMonth(any=True)
    if "L" in upper:
        if "," in upper:
            raise _fail(
                text,
                "Support for specifying 'L' and 'LW' with other days of the month is not "
                "implemented",
            )
        if upper == "LW":
            return DaysOfMonth(last_weekday=True)
        if upper == "L":
            return DaysOfMonth(last_offset=0)
        if upper.startswith("L-") and upper[2:].isdigit():
            offset = int(upper[2:])
            if offset > 30:
                raise _fail(text, "Offset from last day must be <= 30")
            return DaysOfMonth(last_offset=offset)
        raise _fail(text, f"Illegal characters for the day-of-month field: '{field}'")
    if "W" in upper:
        day = upper[:-1]
        if not upper.endswith("W") or not day.isdigit():
            raise _fail(
                text,
                "The 'W' character can be specified only when the day-of-month is a single "
                "day, not a range or list of days",
            )
        return DaysOfMonth(nearest_weekday=_number(day, DOM, text))
    return DaysOfMonth(days=_plain(field, DOM, text))


def _days_of_week(field: str, text: str) -> DaysOfWeek:
    upper = field.upper()
    if upper == "?":
        return DaysOfWeek(any=True)
    if "#" in upper:
        day, _, nth = upper.partition("#")
        if "," in upper or "-" in upper:
            raise _fail(text, 'Support for specifying multiple "nth" days is not implemented')
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise _fail(text, "A numeric value between 1 and 5 must follow the '#' option")
        return DaysOfWeek(nth=(_number(day, DOW, text), int(nth)))
    if upper == "L":
        return DaysOfWeek(days=frozenset({7}))
    if "L" in upper:  # no day name has an L
        day = upper[:-1]
        if not upper.endswith("L") or "," in upper or "-" in upper or not day:
            raise _fail(
                text, "Support for specifying 'L' with other days of the week is not implemented"
            )
        return DaysOfWeek(last_of_month=_number(day, DOW, text))
    if "W" in upper.replace("WED", ""):
        raise _fail(text, "'W' is not allowed in the day-of-week field")
    return DaysOfWeek(days=_plain(field, DOW, text))


def parse(text: str) -> CronExpression:
    """A Quartz cron expression, or `CronError` saying what is wrong (as Quartz would)."""
    fields = text.split()
    if len(fields) < 6:
        raise _fail(
            text,
            f"Unexpected end of expression: it has {len(fields)} field(s); Quartz needs 6 or 7 "
            "(second minute hour day-of-month month day-of-week [year])",
        )
    if len(fields) > 7:
        raise _fail(text, f"it has {len(fields)} fields; Quartz takes 6 or 7")
    dom = _days_of_month(fields[DOM], text)
    dow = _days_of_week(fields[DOW], text)
    if dom.any == dow.any:
        raise _fail(
            text,
            "'?' can only be specified for Day-of-Month -OR- Day-of-Week"
            if dom.any
            else "Support for specifying both a day-of-week AND a day-of-month parameter is not "
            "implemented: put '?' in one of them",
        )
    years = _plain(fields[YEAR], YEAR, text) if len(fields) == 7 else None
    return CronExpression(
        text=text,
        seconds=tuple(sorted(_plain(fields[SECOND], SECOND, text))),
        minutes=tuple(sorted(_plain(fields[MINUTE], MINUTE, text))),
        hours=tuple(sorted(_plain(fields[HOUR], HOUR, text))),
        days_of_month=dom,
        months=_plain(fields[MONTH], MONTH, text),
        days_of_week=dow,
        years=years,
    )


def parse_schedule(text: str) -> CronExpression:
    """A cron expression a segmentation schedule accepts: valid Quartz, at most one run a day."""
    expr = parse(text)
    if expr.runs_per_day() > 1:
        raise CronError(
            f"{text!r} runs {expr.runs_per_day()} times a day; a schedule can run at most once "
            "a day: give the second, minute and hour fields one value each (" + EXAMPLE + ")."
        )
    return expr
