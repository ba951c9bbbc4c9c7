"""The search's SQL for datetimes as integer microseconds since the epoch, on the database under
test (and on SQLite, the fallback for SQLite before 3.38 too): exact to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from frontdesk.scheduling import search

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 7, 14, 30, tzinfo=UTC),
        datetime(2026, 12, 7, 14, 30, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 7, 14, 30, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 0, 0, 500000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=UTC),
        datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
    ids=str,
)
@pytest.mark.parametrize("sqlite_version", [None, (3, 37, 2)], ids=["this-sqlite", "sqlite-before-3.38"])
def test_epoch_microseconds_are_exact(
    db: Any, monkeypatch: pytest.MonkeyPatch, value: datetime, sqlite_version: tuple[int, ...] | None
) -> None:
    if sqlite_version is not None:
        if connection.vendor != "sqlite":
            pytest.skip("the fallback is SQLite's")
        monkeypatch.setattr(search.sqlite3, "sqlite_version_info", sqlite_version)
    cast = "" if connection.vendor == "sqlite" else "::timestamptz"
    sql = f"SELECT {search.epoch_us_sql('t')} FROM (SELECT %s{cast} AS t) AS v"  # noqa: S608 (no values interpolated)

    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(value)])
        [(found,)] = cursor.fetchall()

    assert found == (value - EPOCH) // timedelta(microseconds=1)


@pytest.mark.parametrize("pipelines", [True, False], ids=["pipeline-if-postgresql", "one-by-one"])
def test_queries_sent_together_answer_each_in_order(db: Any, monkeypatch: pytest.MonkeyPatch, pipelines: bool) -> None:
    # On PostgreSQL with a libpq that has pipeline mode, one pipeline; else one after another.
    monkeypatch.setattr(search, "_pipelines", lambda: pipelines)
    found = search._rows_together([("SELECT %s", [1]), ("SELECT %s, %s", [2, "two"]), ("SELECT 3 WHERE 1 = 0", [])])

    assert [list(rows) for rows in found] == [[(1,)], [(2, "two")], []]
