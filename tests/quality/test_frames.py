"""The snapshot reader: typed frames from both databases, including columns that start with many NULLs."""

from __future__ import annotations

import datetime as dt

import polars as pl
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
    """Joining only the household columns person rules read, and reading only the table columns the rules name,
    changes no finding."""
    from fupin.quality import catalogue, engine, params

    rules = catalogue.select(None)
    resolved = params.resolve(rules, areas["清溪县"].code, 2026)
    d = dt.date(2026, 6, 30)
    full = engine.evaluate(frames.load(check_date=d, area_code=areas["清溪县"].code), rules, resolved).findings
    cols = engine.person_household_columns(rules, resolved)
    pruned = engine.evaluate(frames.load(check_date=d, area_code=areas["清溪县"].code, household_columns=cols,
                                         columns=engine.table_columns(rules, resolved)), rules, resolved).findings
    assert full.height > 0
    assert full.sort(full.columns).equals(pruned.sort(pruned.columns))


@pytest.mark.django_db(transaction=True)
def test_chunked_run_finds_the_same_as_one_snapshot(areas, users, settings):
    """A run read in chunks of villages finds exactly what one snapshot finds, cross-household rules included."""
    from fupin.quality import services
    from fupin.quality.models import Problem
    from tests.quality import dbkit, kit

    # Households in three villages of two townships with problems of household and person rules.
    dbkit.clean_household(areas["村A"], phone="")
    dbkit.clean_household(areas["村B"], road_distance_km=9)
    dbkit.create(areas["村C"], members=[kit.head(age=70, welfare_post=True, welfare_post_months=6), kit.spouse()])
    dbkit.clean_household(areas["村A"])
    # Two workers in different counties sharing a phone, in villages of different townships (so different chunks):
    # 5_15_021 must still see both.
    for village, place in (("村B", "柳城县"), ("村C", "南海区")):
        dbkit.create(areas[village], members=[kit.head(work_status="3", phone="13911112222"), kit.spouse()],
                     work=[{"member_id": 1, "county": place, "start_month": dt.date(2025, 3, 1)}])
    county = areas["清溪县"].code

    def findings() -> set:
        return set(Problem.objects.filter(status="open").values_list("rule_code", "household_id", "member_id"))

    services.quality_run(actor=None, area_code=county, check_date=dbkit.CHECK_DATE)
    whole = findings()
    assert sum(1 for rule, _h, _m in whole if rule == "5_15_021") == 2
    Problem.objects.all().delete()
    assert services.plan_chunks(county, 3) is not None
    settings.FUPIN_QUALITY_CHUNK_PERSONS = 3  # one or two households a chunk
    run = services.quality_run(actor=None, area_code=county, check_date=dbkit.CHECK_DATE)
    assert run.timings["chunks"] >= 3
    assert findings() == whole
    assert run.persons == 12 and run.households == 6


@pytest.mark.django_db
def test_chunks_cover_the_subtree_contiguously(areas):
    from fupin.areas import codes as area_codes
    from fupin.quality import services
    from tests.quality import dbkit

    for village in ("村A", "村B", "村C"):
        dbkit.clean_household(areas[village])
    county = areas["清溪县"].code
    assert services.plan_chunks(county, 100) is None
    chunks = services.plan_chunks(county, 2)
    lo, hi = area_codes.subtree_range(county)
    assert chunks[0][0] == lo and chunks[-1][1] == hi
    for (_a, end), (start, _b) in zip(chunks, chunks[1:], strict=False):
        assert int(end) + 1 == int(start)
    assert len(chunks) == 3


def test_chunked_area_wide_candidates_count_duplicate_ids_exactly():
    """Across chunks, duplicate ID numbers are found from hashes and then counted on the candidates' households
    alone: the same counts as one snapshot's comparison (the database's unique index keeps a real registry free of
    them, so this is checked on frames)."""
    from tests.quality import kit

    shared = "450299198001010015"
    fr = kit.household_frames(
        members=[kit.head(id_number=shared, birth_date=dt.date(1980, 1, 1)), kit.spouse()],
        extra_households=[({"id": 2}, [kit.head(5)]), ({"id": 3}, [kit.head(7, id_number=shared)])])
    whole = frames._area_wide_columns(fr.persons).filter(pl.col("id_count") > 1).sort("id")
    assert whole["id"].to_list() == [1, 7] and whole["id_count"].to_list() == [2, 2]
    # Two "chunks": households 1-2 and household 3.
    chunks = [fr.persons.filter(pl.col("household_id") <= 2), fr.persons.filter(pl.col("household_id") == 3)]
    lean = [frames.area_wide_inputs(p) for p in chunks]
    households, phones = frames.area_wide_candidates(pl.concat([i for i, _w in lean]),
                                                     pl.concat([w for _i, w in lean]))
    assert households.to_list() == [1, 3] and phones.is_empty()
    members = fr.persons.filter(pl.col("household_id").is_in(households.implode()))
    hh = fr.households.filter(pl.col("id").is_in(households.implode()))
    assert frames.id_counts(hh, members).sort("id").equals(whole.select("id", "id_count"))


def test_id_ranges_merge_near_spans_and_keep_far_ones_apart():
    from fupin.quality import services

    assert services.id_ranges([]) == [(0, 0)]
    # A village loaded with its county (ids 100-300), one household of it registered later (id 9,000,000).
    assert services.id_ranges([(100, 200), (9_000_000, 9_000_000), (201, 300)], gap=10) == [
        (100, 300), (9_000_000, 9_000_000)]
    assert services.id_ranges([(1, 5), (12, 20), (22, 30)], gap=2) == [(1, 5), (12, 30)]
    # At most ``most`` ranges: the closest merged first.
    assert services.id_ranges([(1, 1), (10, 10), (12, 12), (100, 100)], gap=0, most=2) == [(1, 12), (100, 100)]
    assert services.id_ranges([(1, 1), (10, 10), (12, 12), (100, 100)], gap=0, most=3) == [
        (1, 1), (10, 12), (100, 100)]
    many = services.id_ranges([(i * 10, i * 10) for i in range(5000)], gap=0, most=32)
    assert len(many) == 32 and many[0][0] == 0 and many[-1][1] == 49_990
    assert all(a <= b < c for (a, b), (c, _d) in zip(many, many[1:], strict=False))  # in order, apart


def test_halves_split_ranges_by_the_ids_they_span():
    assert frames._halves([(1, 10)]) == [[(1, 5)], [(6, 10)]]
    assert frames._halves([(7, 7)]) == [[(7, 7)]]
    # 10 ids in all: the first part ends halfway through the second range.
    assert frames._halves([(1, 4), (101, 106)]) == [[(1, 4), (101, 101)], [(102, 106)]]
    for ranges in ([(1, 3), (5, 5), (9, 20)], [(0, 1)], [(3, 4), (8, 9), (11, 11)]):
        parts = frames._halves(ranges)
        ids = [i for part in parts for a, b in part for i in range(a, b + 1)]
        assert ids == [i for a, b in ranges for i in range(a, b + 1)]  # every id once, in order
        sizes = [sum(b - a + 1 for a, b in part) for part in parts]
        assert max(sizes) - min(sizes) <= 1


@pytest.mark.django_db
def test_a_chunk_reads_its_villages_ids_not_the_span_of_a_late_household(areas, monkeypatch):
    """A household registered after the others takes an id at the table's end: its village's chunk reads that id
    besides its own range, not every id up to it (the other chunks' households)."""
    from fupin.quality import services
    from tests.quality import dbkit

    monkeypatch.setattr(services, "ID_BUCKET", 1)
    monkeypatch.setattr(services, "ID_GAP", 0)
    ids = {v: [dbkit.clean_household(areas[v]).pk for _ in range(2)] for v in ("村A", "村B", "村C")}
    late = dbkit.clean_household(areas["村A"]).pk
    chunks, ranges = services._plan(areas["清溪县"].code, 5)
    assert len(chunks) == 3
    assert ranges[0] == [(ids["村A"][0], ids["村A"][1]), (late, late)]
    assert ranges[1] == [(ids["村B"][0], ids["村B"][1])]
    tables = frames.read_tables(check_date=dt.date(2026, 6, 30), villages=chunks[0], id_ranges=ranges[0])
    assert sorted(tables.hh["id"].to_list()) == [*ids["村A"], late]
    assert set(tables.members["household_id"].to_list()) == {*ids["村A"], late}
