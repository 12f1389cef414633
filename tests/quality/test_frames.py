"""The snapshot reader: typed frames from both databases, including columns that start with many NULLs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from fupin.batch import bulkload
from fupin.quality import frames


@pytest.mark.django_db(transaction=True)
def test_columns_starting_with_nulls_read_through_adbc(monkeypatch):
    """ADBC's SQLite driver types a column from its first rows: 3,000 NULLs then a value must still read."""
    if connection.vendor != "sqlite":
        pytest.skip("the ADBC SQLite reader only")
    cols = {"m": frames.DATE, "n": frames.NUM, "b": frames.BOOL, "t": frames.TEXT}
    with connection.cursor() as c:
        c.execute("CREATE TABLE quality_nulls_probe (m date, n decimal, b bool, t varchar(10))")
        c.executemany("INSERT INTO quality_nulls_probe VALUES (%s, %s, %s, %s)",
                      [(None, None, None, None)] * 3000 + [("2024-03-01", "12.5", True, "x")])
    try:
        monkeypatch.setattr(bulkload, "SQLITE_ADBC_ALLOWED", True)
        df = frames.typed(frames.read_frame(f"SELECT {frames._select('q', cols)} FROM quality_nulls_probe q"), cols)
        assert df.height == 3001
        last = df.row(-1, named=True)
        assert last == {"m": dt.date(2024, 3, 1), "n": 12.5, "b": True, "t": "x"}
        first = df.row(0, named=True)
        assert first == {"m": None, "n": None, "b": None, "t": ""}
    finally:
        with connection.cursor() as c:
            c.execute("DROP TABLE quality_nulls_probe")


@pytest.mark.django_db
def test_pruned_household_columns_give_the_same_findings(household, areas):
    """Joining only the household columns person rules read changes no finding."""
    from fupin.quality import catalogue, engine, params

    rules = catalogue.select(None)
    resolved = params.resolve(rules, areas["清溪县"].code, 2026)
    d = dt.date(2026, 6, 30)
    full = engine.evaluate(frames.load(check_date=d, area_code=areas["清溪县"].code), rules, resolved).findings
    cols = engine.person_household_columns(rules, resolved)
    pruned = engine.evaluate(frames.load(check_date=d, area_code=areas["清溪县"].code, household_columns=cols),
                             rules, resolved).findings
    assert full.height > 0
    assert full.sort(full.columns).equals(pruned.sort(pruned.columns))
