"""PostgreSQL's binary COPY (:mod:`fupin.batch.pgbinary`): the rows read back are the frame's, NULLs and edge
values included; a frame it cannot encode goes through CSV as before."""

from __future__ import annotations

import datetime as dt

import polars as pl
import psycopg
import pytest
from django.db import connection

from fupin.batch import bulkload, pgbinary

COLUMNS = ("s smallint, i integer, b bigint, t text, v varchar(12), nn varchar(5) NOT NULL, f boolean, d date, "
           "ts timestamptz, x double precision")


@pytest.fixture
def probe(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's COPY only")
    with connection.cursor() as c:
        c.execute(f"CREATE TEMP TABLE copy_probe ({COLUMNS})")
    return connection.cursor().cursor  # the table goes with the test's transaction


def _frame(n: int = 5) -> pl.DataFrame:
    utc = dt.UTC
    return pl.DataFrame({
        "s": pl.Series([-32768, 32767, 0, None, 7] * (n // 5), dtype=pl.Int64),
        "i": pl.Series([-2**31, 2**31 - 1, None, 1, 0] * (n // 5), dtype=pl.Int32),
        "b": pl.Series([-2**63, 2**63 - 1, 1, None, 42] * (n // 5), dtype=pl.Int64),
        "t": pl.Series(["", None, "户主", "a\tb\nc,\"d\"", "x" * 500] * (n // 5), dtype=pl.Utf8),
        "v": pl.Series(["450102001001", None, "", "村", "y"] * (n // 5), dtype=pl.Categorical),
        "nn": pl.Series([None, "", "是", "否", "5"] * (n // 5), dtype=pl.Utf8),
        "f": pl.Series([True, False, None, True, False] * (n // 5), dtype=pl.Boolean),
        "d": pl.Series([dt.date(1999, 12, 31), dt.date(2000, 1, 1), None, dt.date(2026, 6, 30),
                        dt.date(1900, 2, 28)] * (n // 5), dtype=pl.Date),
        "ts": pl.Series([dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
                         dt.datetime(2000, 1, 1, tzinfo=utc), None,
                         dt.datetime(2026, 11, 24, 8, 1, 2, 345678, tzinfo=utc),
                         dt.datetime(1970, 1, 1, tzinfo=utc)] * (n // 5), dtype=pl.Datetime("us", "UTC")),
        "x": pl.Series([-0.5, 1e300, None, 3.25, 0.0] * (n // 5), dtype=pl.Float64),
    })


def _read_back(cur) -> list[tuple]:
    cur.execute("SELECT s, i, b, t, v, nn, f, d, ts, x FROM copy_probe")
    return sorted(cur.fetchall(), key=_order)


def _expected(df: pl.DataFrame) -> list[tuple]:
    rows = df.with_columns(pl.col("v").cast(pl.Utf8), pl.col("nn").fill_null("")).rows()
    return sorted(rows, key=_order)


def _order(row: tuple) -> tuple:
    return (row[2] is None, row[2] or 0)


def test_every_supported_type_reads_back_as_written(probe, monkeypatch):
    df = _frame()
    types = bulkload._pg_column_types(probe, "copy_probe")
    assert pgbinary.encodable(df, types)
    sent = []
    monkeypatch.setattr(pgbinary, "rows", lambda *a, _rows=pgbinary.rows: sent.append(1) or _rows(*a))
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    assert sent, "the binary path was taken"
    assert _read_back(probe) == _expected(df)


def test_slices_are_encoded_and_sent_in_turn(probe, monkeypatch):
    monkeypatch.setattr(bulkload, "COPY_SLICE_ROWS", 7)
    sizes = []
    monkeypatch.setattr(pgbinary, "rows", lambda df, *a, _rows=pgbinary.rows: sizes.append(df.height) or _rows(df, *a))
    df = _frame(50)
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    assert _read_back(probe) == _expected(df)
    assert sizes == [1, *[7] * 7]  # a small first slice, then slices of at most COPY_SLICE_ROWS


def test_wide_rows_go_in_fewer_rows_a_slice():
    narrow = pl.DataFrame({"a": range(1_000_000)})
    wide = pl.DataFrame({f"c{i}": ["一段较长的中文说明文字"] * 100_000 for i in range(40)})
    assert bulkload._slice_rows(narrow) == bulkload.COPY_SLICE_ROWS
    rows = bulkload._slice_rows(wide)
    assert 1_000 <= rows < 20_000
    assert rows * wide.estimated_size() / wide.height <= bulkload.COPY_SLICE_BYTES


@pytest.mark.parametrize("binary", [True, False])
def test_an_empty_frame_copies_nothing(probe, monkeypatch, binary):
    if not binary:
        monkeypatch.setattr(pgbinary, "encodable", lambda *_a: False)
    bulkload._copy_postgres(probe, "copy_probe", _frame().head(0), ["nn"])
    assert _read_back(probe) == []


def test_the_csv_path_gives_the_same_rows(probe, monkeypatch):
    monkeypatch.setattr(pgbinary, "encodable", lambda *_a: False)
    df = _frame()
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    assert _read_back(probe) == _expected(df)


def test_a_value_out_of_its_column_range_is_left_to_postgresql_to_refuse(probe):
    df = _frame().with_columns(pl.Series("s", [40000, 1, 2, 3, 4], dtype=pl.Int64))
    assert not pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    with pytest.raises(psycopg.errors.NumericValueOutOfRange):
        bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])


def test_types_it_does_not_encode_go_through_csv(probe):
    probe.execute("ALTER TABLE copy_probe ADD COLUMN n numeric(10, 2)")
    df = _frame().with_columns(pl.Series("n", ["1.25", None, "0", "-3", "99999999.99"]))
    assert not pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    probe.execute("SELECT n::text FROM copy_probe ORDER BY n NULLS LAST")
    assert [r[0] for r in probe.fetchall()] == ["-3.00", "0.00", "1.25", "99999999.99", None]


def test_text_too_long_for_its_column_is_refused_in_binary_too(probe):
    df = _frame().with_columns(pl.Series("v", ["x" * 13, "a", "b", "c", "d"], dtype=pl.Categorical))
    assert pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])


def test_jsonb_and_uuid_given_as_text_read_back(probe):
    probe.execute("ALTER TABLE copy_probe ADD COLUMN j jsonb, ADD COLUMN u uuid")
    df = _frame().with_columns(
        pl.Series("j", ['{"产业帮扶": "养牛", "n": 1}', None, "[]", '"x"', "{}"]),
        pl.Series("u", ["12345678-1234-5678-9abc-def012345678", None, "ABCDEF0123456789abcdef0123456789",
                        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]))
    assert pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    probe.execute("SELECT j::text, u::text FROM copy_probe ORDER BY b NULLS LAST")
    assert probe.fetchall() == [  # by b: -2**63, 1, 42, 2**63 - 1, NULL
        ('{"n": 1, "产业帮扶": "养牛"}', "12345678-1234-5678-9abc-def012345678"),
        ("[]", "abcdef01-2345-6789-abcd-ef0123456789"),
        ("{}", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        (None, None),
        ('"x"', "00000000-0000-0000-0000-000000000000")]


def test_a_text_that_is_no_uuid_goes_through_csv_and_is_refused_there(probe):
    probe.execute("ALTER TABLE copy_probe ADD COLUMN u uuid")
    df = _frame().with_columns(pl.Series("u", ["not-a-uuid", None, None, None, None]))
    assert not pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])


def test_model_defaults_as_text_are_typed_for_binary(probe):
    """``model_frame`` gives ``now`` as ISO text and empty dates as text nulls: both still go in binary, and a
    text date that does not parse leaves the frame to CSV (PostgreSQL then judges it)."""
    types = bulkload._pg_column_types(probe, "copy_probe")
    df = _frame().with_columns(pl.lit("2026-11-24T08:01:02.345678+00:00").alias("ts"),
                               pl.lit(None, pl.Utf8).alias("d"))
    typed = pgbinary.prepare(df, types)
    assert typed.schema["ts"] == pl.Datetime("us", "UTC") and typed.schema["d"] == pl.Date
    assert pgbinary.encodable(typed, types)
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    probe.execute("SELECT DISTINCT ts, d FROM copy_probe")
    assert probe.fetchall() == [(dt.datetime(2026, 11, 24, 8, 1, 2, 345678, tzinfo=dt.UTC), None)]
    odd = df.with_columns(pl.Series("d", ["2026-06-30", "30/06/2026", None, None, None]))
    assert pgbinary.prepare(odd, types).schema["d"] == pl.Utf8
    assert not pgbinary.encodable(pgbinary.prepare(odd, types), types)


def test_numeric_values_read_back_exactly(probe):
    probe.execute("ALTER TABLE copy_probe ADD COLUMN m numeric(12, 2), ADD COLUMN g numeric(10, 6), "
                  "ADD COLUMN k numeric(5, 0)")
    df = _frame().with_columns(
        pl.Series("m", [1234567890.12, -0.01, None, 0.0, 99.9]),
        pl.Series("g", [112.123456, -23.5, 0.000001, None, 0.0]),
        pl.Series("k", [99999, -1, 0, 10000, None], dtype=pl.Int64))
    assert pgbinary.encodable(df, bulkload._pg_column_types(probe, "copy_probe"))
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    probe.execute("SELECT m::text, g::text, k::text FROM copy_probe ORDER BY b NULLS LAST")
    assert probe.fetchall() == [  # by b: -2**63, 1, 42, 2**63 - 1, NULL
        ("1234567890.12", "112.123456", "99999"), (None, "0.000001", "0"), ("99.90", "0.000000", None),
        ("-0.01", "-23.500000", "-1"), ("0.00", None, "10000")]


def test_numeric_values_the_scale_would_round_go_through_csv(probe):
    """0.285 is 28.499999… hundredths as a float: PostgreSQL rounds the CSV text "0.285" to 0.29, so binary must not
    be used to store 0.28."""
    probe.execute("ALTER TABLE copy_probe ADD COLUMN m numeric(12, 2)")
    types = bulkload._pg_column_types(probe, "copy_probe")
    df = _frame().with_columns(pl.Series("m", [0.285, 1.0, None, 2.5, 3.0]))
    assert not pgbinary.encodable(df, types)
    bulkload._copy_postgres(probe, "copy_probe", df, ["nn"])
    probe.execute("SELECT m::text FROM copy_probe WHERE b = -9223372036854775808")
    assert probe.fetchone() == ("0.29",)
    assert not pgbinary.encodable(df.with_columns(pl.Series("m", [1e12, 1.0, None, 2.5, 3.0])), types)
