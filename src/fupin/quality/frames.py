"""The frames the rules read: one snapshot of an area subtree (or one household) as typed Polars frames.

``persons``    active members of active households; the member's own columns, derived columns (``age`` at the
               check date, ``can_work``, ``stage`` …), work-record aggregates (``wr_*``) and every household column
               under an ``h_`` prefix.
``households`` active households; household columns, the latest income record up to the check year (``inc_*``),
               the income of the identification year (``idinc_*``) and member aggregates (``n_*``).
``villages``   villages of the subtree with their profile (``is_exited``, ``total_population`` …) and registry
               counts (``reg_*``).

Every column is read as text in SQL (SQLite's per-value types would otherwise confuse Arrow) and typed here, so
both databases give the same frames. The check date is a parameter of the snapshot: no rule reads the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl
from django.db import connection

from fupin.areas import codes as area_codes
from fupin.batch.snapshot import read_sql
from fupin.core import codes

BOOL, INT, NUM, DATE, TEXT = "bool", "int", "num", "date", "text"

MEMBER_COLUMNS = {
    "id": INT, "household_id": INT, "version": INT, "name": TEXT, "id_type": TEXT, "id_number": TEXT, "sex": TEXT,
    "birth_date": DATE, "relationship": TEXT, "education": TEXT, "student_status": TEXT,
    "not_in_school_reason": TEXT, "dropout_reason": TEXT, "health": TEXT, "disability_category": TEXT,
    "disability_grade": TEXT, "disability_certificate": TEXT, "labour_capacity": TEXT, "work_status": TEXT,
    "work_months": INT, "welfare_post": BOOL, "welfare_post_months": INT, "med_resident": BOOL,
    "med_employee": BOOL, "med_critical": BOOL, "pension_resident": BOOL, "pension_employee": BOOL, "dibao": TEXT,
    "tekun": TEXT, "medical_assistance": BOOL, "phone": TEXT,
}
HOUSEHOLD_COLUMNS = {
    "id": INT, "number": TEXT, "village_id": TEXT, "version": INT, "phone": TEXT, "household_type": TEXT,
    "attribute": TEXT, "year_identified": INT, "year_exited": INT, "main_cause": TEXT, "other_causes": TEXT,
    "relocation": TEXT, "no_labour_support": BOOL, "monitor_kind": TEXT, "risk_types": TEXT,
    "monitor_identified_month": DATE, "risk_eliminated": BOOL, "elimination_way": TEXT, "eliminated_month": DATE,
    "land_cultivated": NUM, "land_irrigated": NUM, "land_forest": NUM, "land_returned": NUM, "land_orchard": NUM,
    "land_pasture": NUM, "land_water": NUM, "road_distance_km": NUM, "entry_road": TEXT,
    "entry_road_hardened": BOOL, "housing_area": NUM, "dangerous_house": TEXT, "has_living_power": BOOL,
    "water_difficult": BOOL, "water_safe": BOOL, "has_sanitary_toilet": BOOL, "toilet_usable": BOOL,
    "education_secured": BOOL, "medical_secured": BOOL, "housing_secured": BOOL, "water_secured": BOOL,
    "head_name": TEXT, "size": INT,
}
# 帮扶措施 by category, as the household's measure texts (``ms_*``). Today they come from the national export's
# measure columns, kept in ``Household.extra`` by the import (several columns may feed one category); when measures
# are records of their own (the assistance issue), only :func:`measure_columns` changes and the rules stay as
# they are. The snapshot reads ``extra`` whole, as text, whenever a rule names a ``ms_*`` column.
MEASURE_SOURCES = {
    "ms_industry": ("产业帮扶",), "ms_employment": ("就业帮扶",), "ms_post": ("公益岗位帮扶",),
    "ms_health": ("健康帮扶", "基本医疗保障"), "ms_education": ("教育帮扶",), "ms_compulsory": ("义务教育保障",),
    "ms_housing": ("住房安全保障",), "ms_water": ("饮水安全保障",), "ms_security": ("综合保障", "兜底保障"),
    "ms_finance": ("金融帮扶",), "ms_social": ("社会帮扶",), "ms_relocation": ("搬迁",),
    "ms_resettled": ("易地搬迁后扶",), "ms_other": ("其他帮扶",),
}
# Texts that record no measure: a measure "not yet implemented" is no measure (rule 5_11_030).
NO_MEASURE = ("", "无", "暂无", "/", "-", "—", "0", "未落实", "未实施", "无措施")
HOUSEHOLD_COLUMNS["extra"] = TEXT
# Derived columns a rule may name, and the table columns they are made from (beyond BUILD_COLUMNS).
DERIVED_FROM = {**{name: ("extra",) for name in MEASURE_SOURCES}, "reg_dangerous": ("dangerous_house",)}
INCOME_COLUMNS = {"year": INT, "wage": NUM, "operating": NUM, "property": NUM, "transfer": NUM,
                  "production_expenses": NUM, "medical_out_of_pocket": NUM, "per_capita_income": NUM}
WORK_COLUMNS = {"member_id": INT, "kind": TEXT, "county": TEXT, "start_month": DATE, "end_month": DATE,
                "monthly_income": NUM, "transport_subsidy": NUM}
# Rows read only when a rule names the household column they make (see :func:`read_tables`):
# ``n_helpers``: current 帮扶责任人 with a phone; ``n_disabled_left``: disabled members who left the household.
OPTIONAL_COUNTS = ("n_helpers", "n_disabled_left")
PROFILE_COLUMNS = {"village_id": TEXT, "is_exited": BOOL, "total_households": INT, "total_population": INT,
                   "dibao_persons": INT, "tekun_persons": INT, "disabled_persons": INT, "dangerous_houses": INT}
# Table columns :func:`build` and the findings read whatever the rules name (keys, derived columns, messages).
# A run reads only these and the ones its rules name (:func:`read_tables` ``columns``).
BUILD_COLUMNS = {
    "id", "household_id", "version", "name", "id_number", "birth_date", "labour_capacity", "relationship",
    "student_status", "education", "work_status", "dibao", "tekun", "health", "med_resident", "med_employee",
    "dropout_reason", "welfare_post", "phone",  # members
    "number", "village_id", "household_type", "monitor_kind", "risk_eliminated", "monitor_identified_month",
    "year",  # households, incomes
}


def _needed(columns: dict[str, str], names: set[str] | None) -> dict[str, str]:
    """``columns`` narrowed to ``names`` and :data:`BUILD_COLUMNS` (all of them when ``names`` is None)."""
    if names is None:
        return columns
    names = names | {c for n in names for c in DERIVED_FROM.get(n, ())}
    return {c: k for c, k in columns.items() if c in names or c in BUILD_COLUMNS}


@dataclass
class Frames:
    persons: pl.DataFrame
    households: pl.DataFrame
    villages: pl.DataFrame
    check_date: dt.date

    def of(self, level: str) -> pl.DataFrame:
        return {"person": self.persons, "household": self.households, "village": self.villages}[level]


# --- reading ----------------------------------------------------------------------------------------------------
def _select(alias: str, columns: dict[str, str], prefix: str = "") -> str:
    """Columns as text on SQLite (its per-value types would confuse Arrow's column types); native on PostgreSQL,
    whose binary COPY gives typed Arrow columns directly."""
    if connection.vendor == "postgresql":
        # numeric arrives as an opaque Arrow extension type: read it as double precision.
        # jsonb (``extra``) as its text.
        return ", ".join((f'CAST({alias}."{_db_column(c)}" AS double precision)' if kind == NUM
                          else f'CAST({alias}."{c}" AS text)' if c == "extra"
                          else f'{alias}."{_db_column(c)}"') + f' AS "{prefix}{c}"' for c, kind in columns.items())
    # Never NULL: ADBC's SQLite driver takes a column's type from its first rows, and a column that starts with
    # NULLs would be typed as integer and fail on the first text value further down. Empty text reads as null
    # for non-text kinds in :func:`typed`.
    return ", ".join(f'COALESCE(CAST({alias}."{_db_column(c)}" AS TEXT), \'\') AS "{prefix}{c}"' for c in columns)


def _db_column(name: str) -> str:
    return {"village_id": "village_id", "household_id": "household_id", "member_id": "member_id"}.get(name, name)


def _range(area_code: str | None, villages: tuple[str, str] | None) -> tuple[str, str] | None:
    """The village-code range a snapshot covers: an area's subtree, or a chunk of consecutive villages."""
    if villages:
        return _digits(villages[0]), _digits(villages[1])
    if area_code:
        return area_codes.subtree_range(_digits(area_code))
    return None


def _where(area_code: str | None, household_ids: list[int] | None, alias: str = "h",
           villages: tuple[str, str] | None = None) -> str:
    parts = [f"{alias}.is_active = {_true()}"]
    bounds = _range(area_code, villages)
    if bounds:
        parts.append(f"{alias}.village_id BETWEEN '{bounds[0]}' AND '{bounds[1]}'")
    if household_ids is not None:
        ids = ", ".join(str(int(i)) for i in household_ids) or "NULL"
        parts.append(f"{alias}.id IN ({ids})")
    return " AND ".join(parts)


def _digits(code: str) -> str:
    if not code.isdigit():
        raise ValueError(f"区划代码应为数字：{code}")
    return code


def _true() -> str:
    return "true" if connection.vendor == "postgresql" else "1"


def _read(sql: str, columns: dict[str, str], adbc: bool | None = None, ranged: bool = False) -> pl.DataFrame:
    df = read_frame(sql, adbc=adbc, ranged=ranged)
    if df.width == 0 or df.height == 0:
        df = pl.DataFrame(schema={c: pl.Utf8 for c in columns})
    return typed(df, columns)


def sqlite_adbc_ok() -> bool:
    """Whether this process may read SQLite through ADBC now: allowed for the process (CLI, worker), outside a
    transaction, and no other thread alive. ADBC links its own SQLite library; when it closes the file, the
    POSIX locks that Django's SQLite connections in other threads hold on it are dropped, which corrupts their
    view of the WAL (a threaded web server, a test live server)."""
    import threading

    from fupin.batch import bulkload

    return (connection.vendor == "sqlite" and bulkload.SQLITE_ADBC_ALLOWED and not connection.in_atomic_block
            and threading.active_count() == 1)


def read_frame(sql: str, *, adbc: bool | None = None, ranged: bool = False) -> pl.DataFrame:
    """A SELECT as a frame. SQLite through ADBC where :func:`sqlite_adbc_ok` (decided by the caller's thread),
    PostgreSQL through ConnectorX outside a transaction, else through Django's connection. ``ranged``: see
    :func:`fupin.batch.snapshot.read_sql`."""
    adbc = sqlite_adbc_ok() if adbc is None else adbc
    if adbc and connection.vendor == "sqlite":
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        connection.close()
        with adbc_sqlite.connect(str(connection.settings_dict["NAME"])) as conn, conn.cursor() as cur:
            cur.execute("PRAGMA busy_timeout=30000")
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "100000000"})  # see bulkload
            cur.execute(sql)
            df = pl.from_arrow(cur.fetch_arrow_table())
        return df.with_columns([pl.col(c).cast(pl.Utf8) for c in df.columns if df.schema[c] != pl.Utf8])
    # Django's connection on SQLite and inside a transaction; ConnectorX on PostgreSQL otherwise.
    return read_sql(sql, ranged=ranged)


def typed(df: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Text columns from either database → typed columns (empty text stays empty; missing numbers are null)."""
    exprs = []
    for name, kind in columns.items():
        dtype = df.schema[name]
        native = pl.col(name)
        if kind == BOOL and dtype == pl.Boolean or kind == DATE and dtype == pl.Date:
            exprs.append(native)
            continue
        if kind in (INT, NUM) and (dtype.is_numeric() or isinstance(dtype, pl.Decimal)):
            exprs.append(native.cast(pl.Int64 if kind == INT else pl.Float64).alias(name))
            continue
        if kind == TEXT and dtype == pl.Utf8:
            exprs.append(native.fill_null(""))
            continue
        c = native.cast(pl.Utf8)
        if kind == BOOL:
            e = pl.when(c.is_null() | (c == "")).then(None).otherwise(c.is_in(["1", "true", "t", "True"]))
        elif kind == INT:
            e = c.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
        elif kind == NUM:
            e = c.cast(pl.Float64, strict=False)
        elif kind == DATE:
            e = c.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        else:
            e = c.fill_null("")
        exprs.append(e.alias(name))
    return df.select(exprs)


@dataclass
class Tables:
    """The typed table frames a snapshot reads (:func:`read_tables`), before :func:`build` derives the frames."""
    hh: pl.DataFrame
    members: pl.DataFrame
    incomes: pl.DataFrame
    work: pl.DataFrame
    villages: pl.DataFrame
    # One row per current helper with a phone / per disabled member who left (``household_id``, ``what``), when a
    # rule names :data:`OPTIONAL_COUNTS`; None otherwise.
    counts: pl.DataFrame | None = None


def load(*, check_date: dt.date, area_code: str | None = None, household_ids: list[int] | None = None,
         villages: tuple[str, str] | None = None, household_columns: set[str] | None = None,
         area_wide: pl.DataFrame | None = None, id_ranges: list[tuple[int, int]] | None = None,
         tables: Tables | None = None, columns: set[str] | None = None) -> Frames:
    """Snapshot the registry under ``area_code`` (or the villages ``villages[0]``…``villages[1]`` of a chunk, or
    just ``household_ids``) and build the rule frames.

    ``household_columns``: the household columns to join onto the persons frame (default: all).
    ``area_wide``: the columns that compare members across households (:func:`area_wide`), when the snapshot is a
    chunk of a larger run; computed from the snapshot itself otherwise.
    ``id_ranges``: see :func:`read_tables`. ``tables``: what :func:`read_tables` read already (a chunk read ahead
    while the previous one was evaluated)."""
    t = tables or read_tables(check_date=check_date, area_code=area_code, household_ids=household_ids,
                              villages=villages, id_ranges=id_ranges, columns=columns)
    return build(t.hh, t.members, t.incomes, t.work, t.villages, check_date=check_date,
                 household_columns=household_columns, area_wide=area_wide, counts=t.counts)


def parallel_reads() -> bool:
    """Whether snapshot queries may run at once on separate connections: PostgreSQL outside a transaction (each
    read's own connection sees what is committed), SQLite where ADBC may read (:func:`sqlite_adbc_ok`)."""
    return sqlite_adbc_ok() or (connection.vendor == "postgresql" and not connection.in_atomic_block)


def _halves(ranges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """``ranges`` of ids in two parts spanning about as many ids each (one if it spans a single id)."""
    total = sum(b - a + 1 for a, b in ranges)
    if total < 2:
        return [ranges]
    half, taken, first, second = total // 2, 0, [], []
    for a, b in ranges:
        if taken >= half:
            second.append((a, b))
        elif taken + b - a + 1 <= half:
            first.append((a, b))
            taken += b - a + 1
        else:
            cut = a + half - taken - 1
            first.append((a, cut))
            second.append((cut + 1, b))
            taken = half
    return [first, second]


def _id_in(column: str, ranges: list[tuple[int, int]]) -> str:
    """SQL: ``column`` within one of ``ranges``."""
    parts = [f"{column} BETWEEN {int(a)} AND {int(b)}" for a, b in ranges]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def read_tables(*, check_date: dt.date, area_code: str | None = None, household_ids: list[int] | None = None,
                villages: tuple[str, str] | None = None, id_ranges: list[tuple[int, int]] | None = None,
                columns: set[str] | None = None) -> Tables:
    """Read the tables of a snapshot (see :func:`load`).

    ``columns``: the table columns the rules name (:func:`fupin.quality.engine.table_columns`); only these and
    :data:`BUILD_COLUMNS` are read (None: all). Every column read costs the database and the driver per row: at
    10M persons the unnamed ones (a dozen household columns, four income amounts, two member columns) are ~16%
    of the values read.

    ``id_ranges``: ranges of household ids holding the chunk's households (``services.id_ranges``): its rows
    are then read through the household-id indexes instead of a scan of each whole table per chunk (ids mostly
    follow villages, as households are loaded village by village; later ones add a few ranges)."""
    where = _where(area_code, household_ids, villages=villages)
    income_cols = _needed({"household_id": INT, **INCOME_COLUMNS}, columns)
    member_cols, household_cols = _needed(MEMBER_COLUMNS, columns), _needed(HOUSEHOLD_COLUMNS, columns)
    # Child tables filtered with IN (subquery) rather than a join: both databases then scan the child table in
    # its own order instead of probing it household by household (1M members on SQLite: 2.3 s against 3.8 s).
    households_from = f"registry_household h WHERE {where}"
    if id_ranges:
        households_from += f" AND {_id_in('h.id', id_ranges)}"
    households = f"SELECT h.id FROM {households_from}"

    def within(column: str) -> str:
        """``column IN (households)``, with the chunk's id ranges first for the index."""
        if not id_ranges:
            return f"{column} IN ({households})"
        return f"{_id_in(column, id_ranges)} AND {column} IN ({households})"
    bounds = _range(area_code, villages)
    whole = household_ids is None and _covers_registry(bounds)
    parallel = household_ids is None and parallel_reads()
    # When the run covers every household, the child tables are read whole (no semi-join in the database: 30%
    # faster for 1M members) and matched to the active households here.
    member_sql = f"SELECT {_select('m', member_cols)} FROM registry_member m WHERE m.is_active = {_true()}"
    if whole:
        span = _household_id_span() if parallel else None
        # The members (the longest read: both ends of it, database and driver, are busy for the whole of it) in
        # two halves of the household ids at once.
        members_q = [member_sql + f" AND {_id_in('m.household_id', part)}" for part in _halves([span])] \
            if span else [member_sql]
    elif id_ranges and parallel:
        # A chunk's members by its household-id range alone (matched to its households here, as for the whole
        # registry): joined with the households in the query, each half read the chunk's households again (10M
        # persons: ~3 s of server CPU a half instead of ~2 s).
        members_q = [member_sql + f" AND {_id_in('m.household_id', part)}" for part in _halves(id_ranges)]
    else:
        members_q = [member_sql + f" AND {within('m.household_id')}"]
    # A chunk's incomes by its household-id range alone, matched to its households here: with the households as
    # a subquery too, PostgreSQL hashes them and scans every income (at 10M persons ~1 s more a chunk).
    incomes_within = _id_in("i.household_id", id_ranges) if id_ranges else within("i.household_id")
    members_ranged = whole or bool(id_ranges and parallel)
    queries = [
        # A chunk's households by its id range too: the village range alone leads PostgreSQL to scan the whole
        # table for each chunk (10M persons: 950 MB a chunk, ~0.7 s of its CPU), the id range to the primary key.
        _Query(f"SELECT {_select('h', household_cols)} FROM {households_from}", household_cols),
        *[_Query(q, member_cols, ranged=members_ranged) for q in members_q],
        _Query(f"SELECT {_select('i', income_cols)} FROM registry_incomerecord i WHERE i.year <= "
               f"{int(check_date.year)}" + ("" if whole else f" AND {incomes_within}"), income_cols,
               ranged=bool(id_ranges)),
        _Query(f"SELECT {_select('w', WORK_COLUMNS)} FROM registry_workrecord w"
               + ("" if whole else f" WHERE w.member_id IN (SELECT m.id FROM registry_member m WHERE "
                                   f"m.is_active = {_true()} AND {within('m.household_id')})"),
               WORK_COLUMNS),
    ]
    counted = columns is None or any(c in columns for c in OPTIONAL_COUNTS)
    if counted:
        # A chunk's assignments by its id range alone (rows of inactive households drop out in the join onto the
        # households): with the households as a subquery PostgreSQL merges the whole range for each chunk.
        assignments = "" if whole else " AND " + (
            _id_in("a.household_id", id_ranges) if id_ranges else within("a.household_id"))
        queries.append(_Query(_counts_sql(check_date, assignments,
                                          "" if whole else f" AND {within('m.household_id')}"), COUNT_COLUMNS))
    adbc = sqlite_adbc_ok()
    results = _read_all(queries, adbc=adbc, parallel=parallel)
    counts = results.pop() if counted else None
    hh, *member_parts, incomes, work = results
    members = member_parts[0] if len(member_parts) == 1 else pl.concat(member_parts)
    if whole or id_ranges:
        incomes = incomes.filter(pl.col("household_id").is_in(hh["id"].implode()))
    if members_ranged:
        members = members.filter(pl.col("household_id").is_in(hh["id"].implode()))
        work = work.filter(pl.col("member_id").is_in(members["id"].implode()))
    if household_ids is None:
        village_where = "a.code BETWEEN '{}' AND '{}'".format(*bounds) if bounds else "TRUE"
        profile = ", ".join(f"COALESCE(CAST(p.{c} AS TEXT), '') AS {c}" for c in PROFILE_COLUMNS if c != "village_id")
        villages = _read(
            f"SELECT CAST(a.code AS TEXT) AS village_id, {profile} FROM areas_area a "
            f"LEFT JOIN areas_villageprofile p ON p.village_id = a.code WHERE a.level = 5 AND {village_where}",
            PROFILE_COLUMNS, adbc=adbc)
    else:
        villages = typed(pl.DataFrame(schema={c: pl.Utf8 for c in PROFILE_COLUMNS}), PROFILE_COLUMNS)
    return Tables(hh=hh, members=members, incomes=incomes, work=work, villages=villages, counts=counts)


COUNT_COLUMNS = {"household_id": INT, "what": INT}  # what: 1 a helper, 2 a disabled member who left


def _counts_sql(check_date: dt.date, assignments_where: str, members_where: str) -> str:
    """The rows of :data:`OPTIONAL_COUNTS`: current helper assignments whose helper has a phone, and members who
    left the household with a disability; each part narrowed by its ``… where`` (`` AND …`` or empty)."""
    on = f"'{check_date:%Y-%m-%d}'"
    # Helpers without a phone are few: excluded by a small hashed list rather than a join with every helper.
    return (f"SELECT a.household_id, 1 AS what FROM assistance_helperassignment a WHERE a.start_date <= {on} "
            f"AND (a.end_date IS NULL OR a.end_date > {on}) "
            f"AND a.helper_id NOT IN (SELECT p.id FROM assistance_helper p WHERE p.phone = ''){assignments_where} "
            f"UNION ALL SELECT m.household_id, 2 AS what FROM registry_member m "
            f"WHERE m.is_active = {'false' if connection.vendor == 'postgresql' else '0'} "
            f"AND (m.health = '4' OR m.disability_category <> ''){members_where}")


class _Query(NamedTuple):
    sql: str
    columns: dict[str, str]
    ranged: bool = False  # see :func:`fupin.batch.snapshot.read_sql`


def _read_all(queries: list[_Query], *, adbc: bool, parallel: bool) -> list[pl.DataFrame]:
    """The frames of ``queries``, in order; with ``parallel`` on separate connections at once, so that the
    database works while Python waits."""
    if not parallel:
        return [_read(q.sql, q.columns, adbc, q.ranged) for q in queries]
    from concurrent.futures import ThreadPoolExecutor

    if adbc:
        connection.close()  # ADBC's SQLite library must not share the file with Django's in this process
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return list(pool.map(lambda q: _read(q.sql, q.columns, adbc, q.ranged), queries))


def _household_id_span() -> tuple[int, int] | None:
    with connection.cursor() as cur:
        cur.execute("SELECT MIN(id), MAX(id) FROM registry_household")
        lo, hi = cur.fetchone()
    return (int(lo), int(hi)) if lo is not None else None


def _covers_registry(bounds: tuple[str, str] | None) -> bool:
    """Whether no household lies outside the village-code range (a county's own deployment, a whole province)."""
    if bounds is None:
        return True
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM registry_household WHERE village_id < %s OR village_id > %s LIMIT 1", bounds)
        return cur.fetchone() is None


def _area_wide_columns(persons: pl.DataFrame) -> pl.DataFrame:
    """Per member of a registered household (poor, exited, monitored) whose ID number another such member also
    holds, or who has a work county: how many hold the ID number, and the smallest and largest work county among
    such members sharing the phone. Only those members get a row (few; joined onto the persons frame)."""
    from .catalogue import REGISTERED, applies_expr

    # Lazy: only the columns named are read from the (wide) persons frame before filtering.
    reg = persons.lazy().filter(applies_expr(REGISTERED, "h_")).select("id", "id_number", "phone", "wr_county") \
        .collect()
    with_id = reg.filter(pl.col("id_number") != "")
    dups = with_id.filter(pl.col("id_number").is_duplicated())
    ids = dups.select("id", pl.len().over("id_number").alias("id_count"))
    workers = reg.filter((pl.col("phone") != "") & (pl.col("wr_county").fill_null("") != ""))
    phones = workers.select("id", pl.col("wr_county").min().over("phone").alias("phone_county_min"),
                            pl.col("wr_county").max().over("phone").alias("phone_county_max"))
    return ids.join(phones, on="id", how="full", coalesce=True)


# The columns :func:`_area_wide_columns` gives (besides ``id``); rules reading them compare across households.
AREA_WIDE_COLUMNS = ("id_count", "phone_county_min", "phone_county_max")
NO_AREA_WIDE = pl.DataFrame(schema={"id": pl.Int64, "id_count": pl.UInt32, "phone_county_min": pl.Utf8,
                                    "phone_county_max": pl.Utf8})


def area_wide_inputs(persons: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the cross-household comparison needs of a chunk's persons frame, as two lean frames: registered
    members with an ID number (``id``, ``household_id`` and a 64-bit hash of the number: 24 bytes a member
    instead of ~50 with the text, and a hash compares faster) and registered members with a phone and a work
    county (``id``, ``household_id``, ``phone``, ``wr_county``: few). A run read in chunks keeps these of every
    chunk and compares them once after the last (:func:`area_wide_candidates`)."""
    from .catalogue import REGISTERED, applies_expr

    # Lazy: only the columns named are read from the (wide) persons frame before filtering.
    reg = persons.lazy().filter(applies_expr(REGISTERED, "h_"))
    ids = reg.filter(pl.col("id_number") != "").select("id", "household_id",
                                                         pl.col("id_number").hash().alias("id_hash"))
    workers = reg.filter((pl.col("phone") != "") & (pl.col("wr_county").fill_null("") != "")).select(
        "id", "household_id", "phone", "wr_county")
    ids, workers = pl.collect_all([ids, workers])
    return ids, workers


def area_wide_candidates(ids: pl.DataFrame, workers: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """From :func:`area_wide_inputs` of every chunk: the households holding members the cross-household rules may
    find, and the phone columns of those members.

    Members whose ID-number hash another member shares: every holder of a duplicated number is among them (equal
    numbers hash equally), so counting the numbers over these households alone (:func:`id_counts`) is exact; a
    hash collision only adds a household whose count is then 1."""
    dup = ids.filter(pl.col("id_hash").is_duplicated()).select("id", "household_id")
    phones = workers.select("id", "household_id", pl.col("wr_county").min().over("phone").alias("phone_county_min"),
                            pl.col("wr_county").max().over("phone").alias("phone_county_max"))
    phones = phones.filter(pl.col("phone_county_min") != pl.col("phone_county_max"))
    households = pl.concat([dup["household_id"], phones["household_id"]]).unique().sort()
    return households, phones.drop("household_id")


def id_counts(hh: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """``id``, ``id_count`` of the members of registered households (typed table frames) holding an ID number
    another of them holds: :func:`_area_wide_columns` over the tables of :func:`area_wide_candidates`' households."""
    from .catalogue import REGISTERED, applies_expr

    registered = hh.filter(applies_expr(REGISTERED))["id"]
    held = members.filter(pl.col("household_id").is_in(registered.implode()) & (pl.col("id_number") != ""))
    return held.filter(pl.col("id_number").is_duplicated()).select(
        "id", pl.len().over("id_number").alias("id_count"))


# --- derived columns --------------------------------------------------------------------------------------------
def _attr_map(list_name: str, attr: str) -> dict[str, object]:
    return {item.code: item.attrs.get(attr) for item in codes.get(list_name).items if attr in item.attrs}


def age_at(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Whole years at ``on``: one less if the birthday has not come yet that year."""
    before = (birth.dt.month() > on.month) | ((birth.dt.month() == on.month) & (birth.dt.day() > on.day))
    return (pl.lit(on.year) - birth.dt.year() - before.cast(pl.Int32)).cast(pl.Int32)


def _mapped(col: str, mapping: dict, dtype) -> pl.Expr:
    return pl.col(col).replace_strict(mapping, default=None, return_dtype=dtype)


def build(hh: pl.DataFrame, members: pl.DataFrame, incomes: pl.DataFrame, work: pl.DataFrame,
          villages: pl.DataFrame, *, check_date: dt.date, household_columns: set[str] | None = None,
          area_wide: pl.DataFrame | None = None, counts: pl.DataFrame | None = None) -> Frames:
    """Derive the rule columns from typed table frames (also used by tests to build frames without a database).
    ``counts``: see :attr:`Tables.counts`; without it the :data:`OPTIONAL_COUNTS` columns are 0."""
    on = check_date
    # The ID number's format and the birth date it encodes, once: the identity rules read them.
    persons = members.with_columns(pl.col("id_number").str.contains(r"^\d{17}[\dX]$").alias("id_format_ok"),
                                   pl.col("id_number").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
                                   .alias("id_birth"))
    persons = persons.with_columns(
        pl.when(pl.col("id_format_ok")).then(pl.col("id_birth")).otherwise(pl.col("birth_date"))
        .fill_null(pl.col("birth_date")).alias("birth"))
    away = [c for c, v in _attr_map("work_status", "away").items() if v]
    persons = persons.with_columns(
        age_at(pl.col("birth"), on).alias("age"),
        _mapped("labour_capacity", _attr_map("labour_capacity", "can_work"), pl.Utf8).fill_null("").alias("can_work"),
        _mapped("relationship", _attr_map("relationship", "generation"), pl.Int32).alias("generation"),
        _mapped("relationship", _attr_map("relationship", "sex"), pl.Utf8).fill_null("").alias("rel_sex"),
        _mapped("student_status", _attr_map("student_status", "stage"), pl.Utf8).fill_null("").alias("stage"),
        _mapped("student_status", _attr_map("student_status", "compulsory"), pl.Boolean).fill_null(False)
        .alias("compulsory"),
        _mapped("education", _attr_map("education", "rank"), pl.Int32).alias("edu_rank"),
        pl.col("work_status").is_in(away).alias("away"),
        (~pl.col("work_status").is_in(["", "0"])).alias("working"),
    )
    persons = persons.with_columns(
        (~pl.col("stage").is_in(["", "preschool"])).alias("is_student"),
        (pl.col("dibao").is_in(["1", "2"])).alias("on_dibao"),
        (pl.col("tekun").is_in(["1", "2"])).alias("on_tekun"),
    )
    # Joins onto the persons frame keep its order (``maintain_order="left"``): Polars then takes the left side's
    # columns as they are instead of gathering every one of them (1M persons: 0.1 s a join instead of 0.5 s).
    persons = persons.join(_work_aggregates(work, on), left_on="id", right_on="member_id", how="left",
                           maintain_order="left").with_columns(
        pl.col("wr_count").fill_null(0), pl.col("wr_overlap").fill_null(False),
        pl.col("wr_open").fill_null(False), pl.col("wr_actual").fill_null(0), pl.col("wr_planned").fill_null(0))

    # Head of household: age for the generation checks.
    heads = persons.filter(pl.col("relationship") == "01").group_by("household_id").agg(
        pl.col("age").first().alias("head_age"), pl.len().alias("_heads"))
    persons = persons.join(heads.select("household_id", "head_age"), on="household_id", how="left",
                           maintain_order="left")

    if "extra" in hh.columns:
        hh = hh.with_columns(measure_columns(hh["extra"])).drop("extra")
    households = hh.join(_latest_income(incomes, "inc_"), left_on="id", right_on="household_id", how="left",
                         maintain_order="left")
    ident = hh.select("id", pl.col("monitor_identified_month").dt.year().alias("_iy")).join(
        incomes, left_on=["id", "_iy"], right_on=["household_id", "year"], how="inner").select(
        pl.col("id").alias("household_id"), *[pl.col(c).alias(f"idinc_{c}") for c in INCOME_COLUMNS if c != "year" and c in incomes.columns])
    households = households.join(ident, left_on="id", right_on="household_id", how="left", maintain_order="left")
    households = households.join(_member_aggregates(persons), left_on="id", right_on="household_id", how="left",
                                 maintain_order="left")
    if counts is not None and counts.height:
        households = households.join(counts.group_by("household_id").agg(
            (pl.col("what") == 1).sum().alias("n_helpers"),
            (pl.col("what") == 2).sum().alias("n_disabled_left")),
            left_on="id", right_on="household_id", how="left", maintain_order="left")
    else:
        households = households.with_columns(pl.lit(0, pl.UInt32).alias(c) for c in OPTIONAL_COUNTS)
    households = households.with_columns(pl.col(c).fill_null(0) for c in households.columns if c.startswith("n_"))
    joined = households if household_columns is None else households.select(
        "id", *[c for c in households.columns if c in household_columns and c != "id"])
    # Measure texts onto the persons frame as categories: a few distinct texts, 4 bytes a person instead of a
    # string each (10M persons: ~0.3 GB less a text column).
    joined = joined.with_columns(pl.col(c).cast(pl.Categorical) for c in joined.columns if c in MEASURE_SOURCES)
    # Members of households outside the frame are dropped (an inner join, done as a left join: see above).
    persons = persons.join(joined.select(pl.all().name.prefix("h_")), left_on="household_id", right_on="h_id",
                           how="left", maintain_order="left")
    if persons["h_version"].null_count():
        persons = persons.filter(pl.col("h_version").is_not_null())
    if area_wide is None:
        area_wide = _area_wide_columns(persons)
    persons = persons.join(area_wide, on="id", how="left", maintain_order="left").with_columns(
        pl.col("id_count").fill_null(0))

    dangerous = [i.code for i in codes.get("dangerous_house").items if i.code != "0"]
    if "dangerous_house" not in households.columns:  # not read: no rule asks for it
        households = households.with_columns(pl.lit("").alias("dangerous_house"))
    reg = households.group_by("village_id").agg(
        pl.len().alias("reg_households"), pl.col("n_persons").sum().alias("reg_persons"),
        pl.col("n_dibao").sum().alias("reg_dibao"), pl.col("n_tekun").sum().alias("reg_tekun"),
        pl.col("n_disabled").sum().alias("reg_disabled"),
        pl.col("dangerous_house").is_in(dangerous).sum().alias("reg_dangerous"))
    villages = villages.join(reg, on="village_id", how="left").with_columns(
        pl.col(c).fill_null(0) for c in reg.columns if c.startswith("reg_"))
    return Frames(persons=persons, households=households, villages=villages, check_date=check_date)


def measure_columns(extra: pl.Series) -> list[pl.Series]:
    """The ``ms_*`` columns from ``Household.extra`` (JSON text, :func:`fupin.batch.jsontext.string_values`):
    each category's texts joined with ``；``, empty when it records no measure (:data:`NO_MEASURE`)."""
    from fupin.batch.jsontext import string_values

    keys = list(dict.fromkeys(k for ks in MEASURE_SOURCES.values() for k in ks))
    values = string_values(extra, keys).select(
        pl.when(pl.col(k).str.strip_chars().is_in(NO_MEASURE)).then(None).otherwise(pl.col(k).str.strip_chars())
        .alias(k) for k in keys)
    return values.select(
        pl.concat_str([pl.col(k) for k in ks], separator="；", ignore_nulls=True).fill_null("").alias(name)
        for name, ks in MEASURE_SOURCES.items()).get_columns()


def _work_aggregates(work: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """Per member: the actual work periods (``wr_*``) and the number of planned ones (``wr_planned``)."""
    actual = work.filter(pl.col("kind") == "actual").sort("member_id", "start_month")
    actual = actual.with_columns(pl.col("end_month").shift(1).over("member_id").alias("_prev_end"))
    planned = work.filter(pl.col("kind") == "planned").group_by("member_id").agg(pl.len().alias("wr_planned"))
    return actual.group_by("member_id").agg(
        pl.len().alias("wr_count"),
        pl.len().alias("wr_actual"),
        pl.col("start_month").min().alias("wr_first_start"),
        pl.col("end_month").last().alias("wr_last_end"),
        (pl.col("end_month").last().is_null() | (pl.col("end_month").last() > pl.lit(on))).alias("wr_open"),
        (pl.col("start_month") < pl.col("_prev_end")).any().alias("wr_overlap"),
        pl.col("monthly_income").min().alias("wr_min_monthly_income"),
        pl.col("transport_subsidy").fill_null(0).sum().alias("wr_transport_subsidy"),
        pl.col("county").drop_nulls().filter(pl.col("county").drop_nulls() != "").last().alias("wr_county"),
    ).join(planned, on="member_id", how="full", coalesce=True)


def _latest_income(incomes: pl.DataFrame, prefix: str) -> pl.DataFrame:
    latest = incomes.sort("household_id", "year").group_by("household_id").last()
    return latest.select("household_id", *[pl.col(c).alias(prefix + c) for c in INCOME_COLUMNS if c in latest.columns])


def _member_aggregates(persons: pl.DataFrame) -> pl.DataFrame:
    """Per-household counts that household rules compare against (one group-by over the members)."""
    c = pl.col
    return persons.group_by("household_id").agg(
        pl.len().alias("n_persons"),
        (c("relationship") == "01").sum().alias("n_heads"),
        (c("can_work") == "full").sum().alias("n_full_labour"),
        c("can_work").is_in(["full", "partial"]).sum().alias("n_can_work"),
        (c("health") == "4").sum().alias("n_disabled"),
        c("health").is_in(["2", "3"]).sum().alias("n_ill"),
        (~(c("med_resident").fill_null(False) | c("med_employee").fill_null(False))).sum().alias("n_uninsured"),
        c("on_dibao").sum().alias("n_dibao"),
        c("on_tekun").sum().alias("n_tekun"),
        c("working").sum().alias("n_working"),
        c("away").sum().alias("n_away"),
        (c("wr_count") > 0).sum().alias("n_work_record"),
        (c("age").is_between(6, 15) & ~c("is_student")).sum().alias("n_child_out_of_school"),
        (c("dropout_reason") != "").sum().alias("n_dropout"),
        (c("can_work") == "none").sum().alias("n_no_labour"),
        c("welfare_post").fill_null(False).sum().alias("n_welfare_posts"),
        c("stage").is_in(["sec_vocational", "higher_vocational"]).sum().alias("n_vocational"),
        (c("away") | (c("wr_actual") > 0)).sum().alias("n_away_or_worked"),
        c("wr_transport_subsidy").fill_null(0).sum().alias("sum_transport_subsidy"),
    )
