"""Quartz cron expressions: what Quartz accepts and refuses, Adobe's once-a-day rule, and the
next fire time (2026-11-01 is a Sunday)."""

from __future__ import annotations

from datetime import datetime

import pytest

from seg_mcp.sandbox.cron import CronError, parse, parse_schedule

START = datetime(2026, 11, 1, 0, 0, 0)


@pytest.mark.parametrize(
    ("expression", "fires"),
    [
        ("0 0 1 * * ?", datetime(2026, 11, 1, 1, 0, 0)),
        ("0 30 13 * * ?", datetime(2026, 11, 1, 13, 30, 0)),
        ("0 0 0 * * ?", datetime(2026, 11, 2, 0, 0, 0)),  # strictly after
        ("0 0 12 ? * MON-FRI", datetime(2026, 11, 2, 12, 0, 0)),
        ("0 0 12 ? * fri-mon", datetime(2026, 11, 1, 12, 0, 0)),  # wraps, any case
        ("0 0 12 ? * 6#3", datetime(2026, 11, 20, 12, 0, 0)),  # third Friday
        ("0 0 12 ? * 6L", datetime(2026, 11, 27, 12, 0, 0)),  # last Friday
        ("0 0 12 ? * L", datetime(2026, 11, 7, 12, 0, 0)),  # L alone: Saturday
        ("0 0 12 L * ?", datetime(2026, 11, 30, 12, 0, 0)),
        ("0 0 12 L-2 * ?", datetime(2026, 11, 28, 12, 0, 0)),
        ("0 0 12 LW * ?", datetime(2026, 11, 30, 12, 0, 0)),
        ("0 0 12 15W * ?", datetime(2026, 11, 16, 12, 0, 0)),  # the 15th is a Sunday
        ("0 0 12 1W * ?", datetime(2026, 11, 2, 12, 0, 0)),  # Sunday 1st: Monday
        ("0 0 12 29 2 ? 2026-2030", datetime(2028, 2, 29, 12, 0, 0)),
        ("0 15 10 ? JAN,Jul MON 2027", datetime(2027, 1, 4, 10, 15, 0)),
        ("0 0 0/6 * * ?", datetime(2026, 11, 1, 6, 0, 0)),
        ("0 0 0 30 2 ?", None),  # never
        ("0 0 0 1 1 ? 2025", None),  # in the past
    ],
)
def test_next_fire_time(expression: str, fires: datetime | None) -> None:
    assert parse(expression).next_after(START) == fires


def test_next_after_a_fire_time_is_the_following_one() -> None:
    expr = parse("0 0 1 * * ?")
    first = expr.next_after(START)
    assert first is not None and expr.next_after(first) == datetime(2026, 11, 2, 1, 0, 0)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 0 1 * *", "Unexpected end of expression"),
        ("0 0 1 * * ? 2030 x", "takes 6 or 7"),
        ("0 0 1 * * *", "both a day-of-week AND a day-of-month"),
        ("0 0 1 ? * ?", "Day-of-Month -OR- Day-of-Week"),
        ("0 60 1 * * ?", "Minute and Second values must be between 0 and 59"),
        ("0 0 24 * * ?", "Hour values must be between 0 and 23"),
        ("0 0 1 32 * ?", "Day of month values must be between 1 and 31"),
        ("0 0 1 * 13 ?", "Month values must be between 1 and 12"),
        ("0 0 1 ? * 8", "Day-of-Week values must be between 1 and 7"),
        ("0 0 1 * FOO ?", "Invalid Month value: 'FOO'"),
        ("0 0 1 ? * FUNDAY", "Invalid Day-of-Week value"),
        ("? 0 1 * * ?", "'?' can only be specified for Day-of-Month or Day-of-Week"),
        ("0 0 1 ? * 6#6", "between 1 and 5 must follow the '#'"),
        ("0 0 1 1,L * ?", "'L' and 'LW' with other days"),
        ("0 0 1 1-5W * ?", "'W' character can be specified only"),
        ("0 0/0 1 * * ?", "increment 0"),
        ("0 0 1 L-31 * ?", "Offset from last day must be <= 30"),
        ("0 0 1 * * ? 1969", "Year values must be between 1970 and 2099"),
        ("x 0 1 * * ?", "Illegal characters for the second field: 'x'"),
    ],
)
def test_invalid_expressions_give_quartz_reasons(expression: str, reason: str) -> None:
    with pytest.raises(CronError) as info:
        parse(expression)
    assert reason in str(info.value)
    assert repr(expression) in str(info.value)


@pytest.mark.parametrize("expression", ["0 0 * * * ?", "0 0,30 1 * * ?", "*/5 0 1 * * ?"])
def test_schedules_run_at_most_once_a_day(expression: str) -> None:
    parse(expression)  # valid Quartz
    with pytest.raises(CronError) as info:
        parse_schedule(expression)
    assert "at most once a day" in str(info.value)


def test_a_daily_expression_is_a_valid_schedule() -> None:
    assert parse_schedule("0 0 1/23 * * ?").runs_per_day() == 1
