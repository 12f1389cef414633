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
