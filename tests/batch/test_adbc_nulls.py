"""ADBC's SQLite driver types a column from its first rows: readers must survive columns that start with NULLs."""

from __future__ import annotations

import pytest
from django.db import connection

from fupin.batch import bulkload, snapshot


@pytest.fixture
def probe(db, django_db_blocker):
    """A table whose text column is NULL for 3,000 rows, then filled (committed: ADBC reads the file)."""
    if connection.vendor != "sqlite":
        pytest.skip("the ADBC SQLite readers only")
    with connection.cursor() as c:
        c.execute("CREATE TABLE adbc_nulls_probe (n integer, t varchar(10))")
        c.executemany("INSERT INTO adbc_nulls_probe VALUES (%s, %s)",
                      [(i, None) for i in range(3000)] + [(3000 + i, f"x{i}") for i in range(5)])
    yield
    with connection.cursor() as c:
        c.execute("DROP TABLE adbc_nulls_probe")


@pytest.mark.django_db(transaction=True)
def test_batched_reader_goes_on_past_a_type_change(probe, monkeypatch):
    monkeypatch.setattr(bulkload, "SQLITE_ADBC_ALLOWED", True)
    frames = list(snapshot.read_sql_batches(
        "SELECT CAST(n AS TEXT) AS k, CAST(t AS TEXT) AS t FROM adbc_nulls_probe ORDER BY adbc_nulls_probe.n", rows=1000))
    import polars as pl

    df = pl.concat([f.with_columns(pl.all().cast(pl.Utf8)) for f in frames])
    assert df.height == 3005
    assert df["k"].to_list() == [str(i) for i in range(3005)]  # nothing lost or repeated at the switch
    assert df["t"].drop_nulls().to_list() == [f"x{i}" for i in range(5)]


@pytest.mark.django_db(transaction=True)
def test_writer_query_reads_the_whole_result_as_one_batch(probe, monkeypatch):
    monkeypatch.setattr(bulkload, "SQLITE_ADBC_ALLOWED", True)
    with bulkload.Writer() as w:
        df = w.query("SELECT CAST(n AS TEXT) AS k, CAST(t AS TEXT) AS t FROM adbc_nulls_probe ORDER BY adbc_nulls_probe.n")
    assert df.height == 3005 and df["t"].drop_nulls().to_list() == [f"x{i}" for i in range(5)]
