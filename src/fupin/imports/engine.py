"""Plan and load an import: match the file against the registry, then write only what differs.

Households are matched by 户编号, members by ID number (members without one by name and birth date within their
household), income records by household and year. Values are compared in a canonical text form, so a re-import of
an unchanged file changes nothing and logs nothing. The whole load (inserts, version-checked updates, summaries
and change log) is one :class:`~fupin.batch.bulkload.Writer` transaction: it completes or leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl
from django.utils import timezone

from fupin.batch.bulkload import Writer, model_frame
from fupin.core.errors import ConcurrentEditError
from fupin.core.models import ObjectChange
from fupin.registry.models import (
    Household,
    HouseholdDigest,
    IncomeDigest,
    IncomeRecord,
    Member,
    MemberDigest,
)

from .layouts import HOUSEHOLD_EXTRA, column_id, person_columns
from .validate import ERROR, HH, ROW, ParsedFile, extra_json

INCOME_PARTS = ("wage", "operating", "property", "transfer")
SUMMARY = ("head_name", "head_id_number", "size", "income_year", "per_capita_income")
Progress = Callable[[str, int], None]


def _kinds() -> dict[str, str]:
    return {column_id(c): c.kind for c in person_columns()}


def canon(expr: pl.Expr, kind: str, *, from_db: bool) -> pl.Expr:
    """A text form that is equal for equal values read from the file (typed) or the database (text)."""
    if kind == "bool":
        if from_db:
            e = expr.replace_strict({"true": "1", "t": "1", "1": "1", "false": "0", "f": "0", "0": "0"},
                                    default=None, return_dtype=pl.Utf8)
        else:
            e = expr.cast(pl.Int8).cast(pl.Utf8)
    elif kind == "decimal":
        e = expr.cast(pl.Float64, strict=False).round(2).cast(pl.Utf8)
    elif kind in ("int", "year"):
        e = expr.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).cast(pl.Utf8)
    elif kind in ("date", "month"):
        e = expr.cast(pl.Utf8).str.slice(0, 10)
    elif kind == "json":  # made canonical beforehand, once per distinct text (see _canon_json_column)
        e = expr.cast(pl.Utf8)
    else:
        e = expr.cast(pl.Utf8)
    return e.fill_null("")


# --- row digests ------------------------------------------------------------------------------------------------
# A re-import of a county's whole file matches nearly every row, and most of them did not change. Reading a
# million rows' compared columns back to prove it costs more than anything else in the plan, so each imported row
# keeps a digest of the file's values it was last written or confirmed with, taken together with the row's
# ``version``. A row whose stored digest equals the digest of the new file's values at its current version holds
# those values: only an import writes a digest, and every other write to the row bumps its version. Only the rows
# that miss are read back and compared column by column (and then get a fresh digest).

BIG_DIGESTS = 50_000  # digests written in one load above which the table's foreign key is added back after
DIGEST_FORMAT = 1  # part of every digest: change it when values_hash() changes what it hashes
_DIGEST_SEED = 0x66757069  # fixed: digests are stored


def values_hash(frame: pl.DataFrame, fields: list[str]) -> pl.Expr:
    """A hash of a file row's compared values (the part of the digest that needs the row).

    The values are hashed as parsed, typed: equal file values give equal hashes, and different ones differ
    (an empty text counts as no text, as in the database). The seed names the columns and their types, so
    digests of different column sets (a template file, then a national one) never match each other."""
    # A code parsed as a category is hashed as its text: category numbers are the process's own.
    schema = {f: pl.Utf8 if frame.schema[f] == pl.Categorical else frame.schema[f] for f in fields}
    seed = zlib.crc32(f"{DIGEST_FORMAT}|{'|'.join(f'{f}:{schema[f]}' for f in fields)}".encode())
    return pl.struct([(pl.col(f).cast(pl.Utf8).fill_null("") if schema[f] == pl.Utf8 else pl.col(f))
                      for f in fields]).hash(seed=seed)


HASH_ROWS = 100_000  # rows hashed at a time by with_values_hash()


def with_values_hash(frame: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """``frame`` with :func:`values_hash` as ``_h``, hashed a slice of :data:`HASH_ROWS` rows at a time: hashing
    a million members' ~25 columns at once holds ~200 MB of scratch, the peak of a re-import's memory. A row's
    hash does not depend on the slice it is hashed in."""
    expr = values_hash(frame, fields).alias("_h")
    parts = [frame.slice(start, HASH_ROWS).select(expr).to_series() for start in range(0, frame.height, HASH_ROWS)]
    hashes = pl.concat(parts) if parts else frame.select(expr).to_series()
    return frame.with_columns(hashes)


def digest(values: pl.Expr, version: pl.Expr) -> pl.Expr:
    """The stored digest: the values' hash (:func:`values_hash`) at a row version, as a signed 64-bit integer.

    Polars documents its hash as stable within a release (pinned in pyproject.toml); a release that hashes
    differently makes every stored digest miss once, which costs one full comparison, not a wrong answer."""
    return pl.struct(values.alias("h"), version.cast(pl.Int64).alias("v")).hash(seed=_DIGEST_SEED).reinterpret(
        signed=True)


def _digest_check(w: Writer, model, matched: pl.DataFrame, hashes: pl.DataFrame, key: str) -> pl.DataFrame:
    """``matched`` (key, db.id, db.version) with the stored ``db.digest``, the file's ``_h`` and ``_same``: the
    stored digest equals the file's values at the row's version."""
    pk = f't."{model._meta.pk.column}"'
    # Integers as they are (never null here): on SQLite, CAST AS TEXT costs more than reading them.
    digests = _read_by_ids(w, f'SELECT {pk} AS id, t.digest AS "db.digest" FROM "{model._meta.db_table}" t ', pk,
                           matched["db.id"].cast(pl.Int64))
    if not digests.height:
        digests = pl.DataFrame(schema={"id": pl.Utf8, "db.digest": pl.Utf8})
    out = matched.join(hashes, on=key, how="inner", maintain_order="left").join(
        digests.select(pl.col("id").cast(matched.schema["db.id"]).alias("db.id"), pl.col("db.digest").cast(pl.Int64)),
        on="db.id", how="left", maintain_order="left")
    return out.with_columns(
        (digest(pl.col("_h"), pl.col("db.version").cast(pl.Int64))
         == pl.col("db.digest")).fill_null(False).alias("_same"))


def _confirmed(checked: pl.DataFrame, changed: pl.DataFrame) -> pl.DataFrame:
    """Rows compared column by column and found unchanged: their id and fresh digest (no new version, no log
    entry: nothing in the data moved)."""
    rest = checked.filter(~pl.col("_same")).with_columns(pl.col("db.id").cast(pl.Int64)).join(
        changed.select(pl.col("db.id").cast(pl.Int64)), on="db.id", how="anti")
    return rest.select(pl.col("db.id").cast(pl.Int64).alias("id"),
                       digest(pl.col("_h"), pl.col("db.version").cast(pl.Int64)).alias("digest"))


def _canon_json(value: str | None) -> str:
    if not value:
        return "{}"
    data = json.loads(value)
    return json.dumps({k: v for k, v in sorted(data.items()) if v not in (None, "")}, ensure_ascii=False)


def _canon_json_column(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """JSON text in one canonical form (sorted keys, no empty values), computed once per distinct text."""
    distinct = frame[name].unique().drop_nulls().to_list()
    mapping = {v: _canon_json(v) for v in distinct}
    return frame.with_columns(pl.col(name).replace_strict(mapping, default="{}", return_dtype=pl.Utf8))


@dataclass
class Plan:
    households_new: pl.DataFrame
    households_changed: pl.DataFrame  # id, _version + columns; _before/_after dicts built later
    household_summaries: pl.DataFrame  # id + summary columns, for households whose summary moves
    members_new: pl.DataFrame
    members_changed: pl.DataFrame
    incomes_new: pl.DataFrame
    incomes_changed: pl.DataFrame
    h_fields: list[str]
    m_fields: list[str]
    i_fields: list[str]
    changes: dict[str, list[tuple[int, dict, dict]]]  # model -> [(id, before, after)] of changed fields
    counts: dict[str, int]
    missing_households: pl.DataFrame
    missing_members: pl.DataFrame
    problems: pl.DataFrame  # problems found against the database (added to the file's problems)
    household_ids: pl.DataFrame  # number, id of the file's households already in the database
    household_digests: pl.DataFrame = field(default_factory=pl.DataFrame)  # unchanged rows: fresh digests
    member_digests: pl.DataFrame = field(default_factory=pl.DataFrame)
    income_digests: pl.DataFrame = field(default_factory=pl.DataFrame)
    skipped_households: int = 0
    accepted_rows: int = 0
    kinds: dict[str, str] = field(default_factory=dict)

    def report(self) -> dict:
        return {**self.counts, "missing_households": self.missing_households.height,
                "missing_members": self.missing_members.height, "skipped_households": self.skipped_households}


def _select_fields(parsed: ParsedFile, target: str) -> list[str]:
    return sorted(cid.split(".", 1)[1] for cid in parsed.present if cid.startswith(target + "."))


def _db_select(model, fields: list[str], alias: str) -> str:
    cols = []
    for name in fields:
        f = model._meta.get_field(name)
        cols.append(f'CAST({alias}."{f.column}" AS TEXT) AS "{name}"')
    return ", ".join(cols)


def make_plan(w: Writer, parsed: ParsedFile, *, scope_villages: set[str], skip_bad_rows: bool) -> Plan:
    w.batch_memory()  # for the plan's joins and the load's index builds (the same transaction)
    kinds = _kinds()
    rows = parsed.rows
    problems = parsed.problems
    error_rows = problems.filter(pl.col("severity") == ERROR).select(ROW).unique()
    # A household is loaded whole or not at all.
    bad_households = rows.join(error_rows, on=ROW, how="semi").select(HH).drop_nulls().unique()
    h_fields = [f for f in _select_fields(parsed, "household") if f != "number"]
    m_fields = _select_fields(parsed, "member")
    i_fields = [f for f in _select_fields(parsed, "income") if f != "year"]
    has_extra = any(cid.startswith(HOUSEHOLD_EXTRA + ".") for cid in parsed.present)

    if error_rows.height or rows[HH].null_count():
        good = rows.filter(pl.col(HH).is_not_null() & ~pl.col(HH).is_in(bad_households[HH].implode())
                           & ~pl.col(ROW).is_in(error_rows[ROW].implode()))
    else:
        good = rows  # no copy of a clean file
    runs = parsed.households
    file_villages = runs["_village"].drop_nulls().unique()
    del rows
    # The plan takes over the rows (one copy of a million rows is enough).
    parsed.rows, parsed.households = parsed.rows.clear(), parsed.households.clear()
    # A household's columns from its first run of rows (its runs agree, or it has an error and is not loaded).
    hh_cols = [c for c in runs.columns if c == HH or c == "_village" or c.startswith(
        ("household.", "income.", HOUSEHOLD_EXTRA + "."))]
    keep = runs.select(pl.col(HH).is_not_null() & ~pl.col(HH).is_in(bad_households[HH].implode())
                       & pl.col(HH).is_first_distinct()).to_series()
    hh_first = runs.select(hh_cols)
    del runs
    if not keep.all():  # (a filter copies every column, ~300 MB of a million-person file's households)
        hh_first = hh_first.filter(keep)
    hh_new_cols = [pl.col(HH).alias("number"), pl.col("_village").alias("village_id")]
    hh_new_cols += [pl.col(f"household.{f}").alias(f) for f in h_fields]
    # The kept national columns stay raw here; their JSON is made only for the households written or compared.
    extra_cols = sorted(cid for cid in parsed.present if cid.startswith(HOUSEHOLD_EXTRA + "."))
    file_h = hh_first.select(*hh_new_cols, *extra_cols)

    def with_extra(frame: pl.DataFrame) -> pl.DataFrame:
        if not has_extra:
            return frame
        return frame.with_columns(extra_json(frame, parsed.present).alias("extra")).drop(extra_cols)

    # --- households in the database with these numbers -------------------------------------------------------
    numbers = w.stage(file_h.select("number"))
    # Keys and summaries only here; the compared columns are read later, a part at a time (as for members).
    db_h = w.query(
        'SELECT CAST(h.id AS TEXT) AS id, h.number, h.village_id, h.head_name, h.head_id_number, '
        'CAST(h.size AS TEXT) AS size, CAST(h.income_year AS TEXT) AS income_year, '
        'CAST(h.per_capita_income AS TEXT) AS per_capita_income, CAST(h.version AS TEXT) AS version '
        f'FROM registry_household h JOIN "{numbers}" s ON h.number = s.number')
    if not db_h.height:
        db_h = pl.DataFrame(schema={c: pl.Utf8 for c in ["id", "number", "village_id", *SUMMARY, "version"]})
    db_problems = []
    out_of_scope = db_h.filter(~pl.col("village_id").is_in(list(scope_villages)))
    if out_of_scope.height:
        bad = good.join(out_of_scope.select(pl.col("number").alias(HH)), on=HH, how="semi")
        db_problems.append(bad.select(ROW, pl.lit("户编号").alias("column"),
                                      pl.format("户编号{}已登记在您管辖范围以外的村，不能导入", pl.col(HH)).alias("message")))
        good = good.join(bad.select(HH), on=HH, how="anti")
        file_h = file_h.join(bad.select(pl.col(HH).alias("number")).unique(), on="number", how="anti")

    # --- members -------------------------------------------------------------------------------------------------
    ids = w.stage(good.filter(pl.col("member.id_number") != "").select(pl.col("member.id_number").alias("n"))
                  .unique())
    # Keys only here (the compared columns are read later, for matched members, a part at a time): the members
    # of the file's households, and members elsewhere with the file's ID numbers (two disjoint parts: UNION ALL,
    # not a UNION that would sort and compare every row). PostgreSQL: NOT EXISTS, an anti-join (NOT IN runs row
    # by row once the list outgrows work_mem); SQLite: NOT IN, which it runs against a temporary index (NOT EXISTS
    # would scan the staged table for every row).
    # (Names and birth dates only where there is no ID number to match on: a million names would cross the
    # driver for nothing.)
    m_cols = ("m.id, m.id_number, CASE WHEN m.id_number = '' THEN m.name END AS name, "
              "CASE WHEN m.id_number = '' THEN CAST(m.birth_date AS TEXT) END AS birth_date, "
              "CAST(m.is_active AS TEXT) AS is_active, {household}, m.version")
    elsewhere = (
        f'SELECT {m_cols.format(household="h.number AS hh_number")} FROM registry_member m '
        f'JOIN registry_household h ON h.id = m.household_id JOIN "{ids}" i ON m.id_number = i.n '
        + (f'WHERE NOT EXISTS (SELECT 1 FROM "{numbers}" s2 WHERE s2.number = h.number)' if w.vendor == "postgresql"
           else f'WHERE h.number NOT IN (SELECT number FROM "{numbers}")'))
    h_ids = db_h.select(pl.col("id").cast(pl.Int64).alias("household_id"), pl.col("number").alias("hh_number"))
    low, high = (h_ids["household_id"].min(), h_ids["household_id"].max()) if h_ids.height else (0, -1)
    dense_households = bool(h_ids.height) and high - low + 1 <= DENSE_RANGE * h_ids.height
    if dense_households:
        # The file's households cover their id range densely (a county's whole file): their members are read by
        # that range and matched to the households here, with integer household ids, instead of joining the
        # members to the households and those to the staged numbers in the database (PostgreSQL: ~0.8 s of hash
        # joins and a million household numbers through the driver).
        in_file = _member_keys(w.query(
            f'SELECT {m_cols.format(household="m.household_id")} FROM registry_member m '
            f'WHERE m.household_id BETWEEN {int(low)} AND {int(high)}'), "household_id")
        others = _member_keys(w.query(elsewhere), "hh_number")
        in_file = in_file.join(h_ids, on="household_id", how="inner").select(others.columns)
        db_m = pl.concat([in_file, others], how="vertical")
    else:
        db_m = _member_keys(w.query(
            f'SELECT {m_cols.format(household="h.number AS hh_number")} FROM registry_member m '
            f'JOIN registry_household h ON h.id = m.household_id JOIN "{numbers}" s ON h.number = s.number '
            f'UNION ALL {elsewhere}'), "hh_number")
    # (Ids and versions read as integers, never null: cheaper on SQLite than CAST AS TEXT. Member ids stay
    # integers: a million of them are joined several times below.)
    db_m = db_m.with_columns(canon(pl.col("is_active"), "bool", from_db=True).alias("is_active"),
                             pl.col("id").cast(pl.Int64), pl.col("version").cast(pl.Utf8))

    # Active ID numbers registered in another household (not this file's household for the person).
    active_elsewhere = db_m.filter((pl.col("is_active") == "1") & (pl.col("id_number") != "")).select(
        pl.col("id_number").alias("member.id_number"), pl.col("hh_number").alias("_db_hh"))
    clash = good.select(ROW, HH, "member.id_number").join(active_elsewhere, on="member.id_number", how="inner") \
        .filter(pl.col("_db_hh") != pl.col(HH))
    if clash.height:
        db_problems.append(clash.select(ROW, pl.lit("证件号码").alias("column"), pl.format(
            "证件号码已在户{}中登记为在户成员；成员换户请先在原户办理成员减少", pl.col("_db_hh")).alias("message")))
        clash_hh = clash.select(HH).unique()
        good = good.join(clash_hh, on=HH, how="anti")
        file_h = file_h.join(clash_hh.rename({HH: "number"}), on="number", how="anti")

    if db_problems:
        extra = pl.concat([p.with_columns(pl.lit(ERROR).alias("severity")) for p in db_problems])
        problems_db = extra.select(pl.col(ROW).cast(pl.Int64), "column", "message", "severity")
    else:
        problems_db = pl.DataFrame(schema={ROW: pl.Int64, "column": pl.Utf8, "message": pl.Utf8, "severity": pl.Utf8})

    # --- household diff --------------------------------------------------------------------------------------
    in_db = pl.col("number").is_in(db_h["number"].implode())
    existing = file_h.filter(in_db).select("number")
    compare = ["village_id", *h_fields] + (["extra"] if has_extra else [])
    kind_of = {f: kinds.get(f"household.{f}", "text") for f in h_fields}
    kind_of["village_id"] = "text"
    kind_of["extra"] = "json"
    file_h = with_values_hash(file_h, ["village_id", *h_fields, *extra_cols])
    hh_new = with_extra(file_h.filter(~in_db))
    h_matched = _digest_check(w, HouseholdDigest, existing.join(db_h.select(
        "number", pl.col("id").alias("db.id"), pl.col("version").alias("db.version")), on="number", how="inner"),
        file_h.select("number", "_h"), "number")
    h_check = h_matched.filter(~pl.col("_same")).select("number", "db.id")
    h_changed = _changed_parts(
        w, Household, "number", with_extra(file_h.join(h_check, on="number", how="semi")), h_check, compare,
        kind_of, db_columns=["version", *compare],
        prepare=(lambda f: _canon_json_column(_canon_json_column(f, "extra"), "db.extra")) if has_extra else None)
    h_digests = _confirmed(h_matched, h_changed)

    # --- member matching and diff ----------------------------------------------------------------------------
    m_kind = {f: kinds.get(f"member.{f}", "text") for f in m_fields}
    m_kind["is_active"] = "bool"
    m_compare = list(m_fields) + ["is_active"]
    file_m = good.select(
        ROW, pl.col(HH).alias("hh_number"),
        *[pl.col(f"member.{f}").alias(f) for f in m_fields], pl.lit(True).alias("is_active"))
    file_m = with_values_hash(file_m, m_compare)
    # Match on the keys alone (a first import matches nothing, and the wide rows are joined once, for matches).
    keys = [pl.col("id").alias("db.id"), pl.col("version").alias("db.version")]
    db_by_id = db_m.select("id_number", pl.col("hh_number").alias("_db_hh"), *keys, "is_active").filter(
        pl.col("id_number") != "")
    # (Narrow before filtering: a filter copies every column it keeps.) Joined on the ID number alone and then
    # held to the same household: a join on one text key needs a fraction of the scratch memory of a join on
    # two (the row encoding of a million pairs), and ID numbers are nearly unique.
    by_id = file_m.select(ROW, "id_number", "hh_number").filter(pl.col("id_number") != "").join(
        db_by_id, on="id_number", how="inner").filter(pl.col("hh_number") == pl.col("_db_hh"))
    if by_id[ROW].is_duplicated().any():  # the household lists the number twice (one left): the active one
        by_id = by_id.sort("is_active", descending=True).unique(subset=[ROW], keep="first")
    by_id = by_id.select(ROW, "db.id", "db.version")
    db_no_id = db_m.filter(pl.col("id_number") == "").select(
        "hh_number", "name", pl.col("birth_date").alias("_b"), *keys)
    no_id = file_m.select(ROW, "hh_number", "name", pl.col("birth_date").cast(pl.Utf8).alias("_b"),
                          "id_number").filter(pl.col("id_number") == "").drop("id_number").join(
        db_no_id, on=["hh_number", "name", "_b"], how="inner").select(ROW, "db.id", "db.version")
    matched = _digest_check(w, MemberDigest, pl.concat([by_id, no_id]), file_m.select(ROW, "_h"), ROW)
    m_new = file_m.filter(~pl.col(ROW).is_in(matched[ROW].implode())) if matched.height else file_m
    # Active members of the file's households that the file does not list: reported, not removed.
    matched_ids = matched.select(pl.col("db.id").alias("id"))
    in_file_h = existing.select(pl.col("number").alias("hh_number"))
    missing_m = db_m.select("id", "hh_number", "name", "id_number", "is_active").filter(
        pl.col("is_active") == "1").join(in_file_h, on="hh_number", how="semi").join(matched_ids, on="id", how="anti")
    del db_m, db_by_id, db_no_id, by_id, no_id, matched_ids  # the keys of a million members: done with

    m_changed = _changed_parts(w, Member, ROW, file_m, matched.filter(~pl.col("_same")).select(ROW, "db.id"),
                               m_compare, m_kind, db_columns=["household_id", "version", *m_compare])
    m_digests = _confirmed(matched, m_changed)

    # --- incomes -------------------------------------------------------------------------------------------------
    inc_new = inc_changed = i_digests = pl.DataFrame()
    if i_fields:
        sizes = good.group_by(HH).agg(pl.len().alias("household_size"))
        inc = hh_first.select(
            pl.col(HH).alias("hh_number"), pl.col("income.year").alias("year"),
            *[pl.col(f"income.{f}").alias(f) for f in i_fields]).join(
            file_h.select(pl.col("number").alias("hh_number")), on="hh_number", how="semi").join(
            sizes.rename({HH: "hh_number"}), on="hh_number").filter(
            pl.any_horizontal([pl.col(f).is_not_null() for f in i_fields]) & pl.col("year").is_not_null())
        money = [f for f in i_fields if f in INCOME_PARTS or f in ("production_expenses", "medical_out_of_pocket")]
        inc = inc.with_columns([pl.col(f).fill_null(0.0) for f in money])
        total = pl.sum_horizontal([pl.col(f) for f in INCOME_PARTS if f in i_fields] or [pl.lit(0.0)])
        expenses = pl.col("production_expenses") if "production_expenses" in i_fields else pl.lit(0.0)
        inc = inc.with_columns((total - expenses).round(2).alias("net_income"))
        inc = inc.with_columns((pl.col("net_income") / pl.col("household_size")).round(2).alias("per_capita_income"))
        i_all = [*i_fields, "household_size", "net_income", "per_capita_income"]
        years = sorted({int(y) for y in inc["year"].drop_nulls().to_list()}) or [0]
        # Keys only (one income per household and year); the amounts are read back only where the digest misses.
        in_years = f'i.year IN ({", ".join(str(y) for y in years)})'
        if dense_households:  # as for the members: by the households' id range, matched here
            db_i = w.query(f'SELECT i.id, i.version AS "db.version", i.household_id, i.year '
                           f'FROM registry_incomerecord i WHERE i.household_id BETWEEN {int(low)} AND {int(high)} '
                           f'AND {in_years}')
            db_i = (db_i if db_i.height else pl.DataFrame(schema={"household_id": pl.Int64})).with_columns(
                pl.col("household_id").cast(pl.Int64)).join(h_ids, on="household_id", how="inner")
        else:
            db_i = w.query(
                f'SELECT i.id, i.version AS "db.version", h.number AS hh_number, i.year FROM registry_incomerecord i '
                f'JOIN registry_household h ON h.id = i.household_id JOIN "{numbers}" s ON h.number = s.number '
                f'WHERE {in_years}')
        if not db_i.height:
            db_i = pl.DataFrame(schema={"id": pl.Int64, "db.version": pl.Int64, "hh_number": pl.Utf8,
                                        "year": pl.Int64})
        db_i = db_i.select(pl.col("id").cast(pl.Int64).alias("db.id"), pl.col("db.version").cast(pl.Utf8),
                           "hh_number", pl.col("year").cast(pl.Int64))
        inc = with_values_hash(inc, i_all)
        ij = inc.select("hh_number", "year").join(db_i, on=["hh_number", "year"], how="inner")
        inc_new = inc.join(ij, on=["hh_number", "year"], how="anti")
        # (A file's incomes are one year per household: the household number is their key here.)
        i_matched = _digest_check(w, IncomeDigest, ij.select("hh_number", "db.id", "db.version"),
                                  inc.select("hh_number", "_h"), "hh_number")
        i_kind = {f: "int" if f == "household_size" else "decimal" for f in i_all}
        inc_changed = _changed_parts(w, IncomeRecord, "hh_number", inc,
                                     i_matched.filter(~pl.col("_same")).select("hh_number", "db.id"), i_all, i_kind,
                                     db_columns=["household_id", "version", *i_all])
        i_digests = _confirmed(i_matched, inc_changed)
        i_fields = i_all
        income_summary = inc.select("hh_number", pl.col("year").alias("s_year"),
                                    pl.col("per_capita_income").alias("s_pci"))
    else:
        income_summary = None

    # --- household summaries (head, size, income) ----------------------------------------------------------
    heads = good.select(pl.col(HH).alias("number"), pl.col("member.name").alias("head_name"),
                        pl.col("member.id_number").alias("head_id_number"), "member.relationship").filter(
        pl.col("member.relationship") == "01").drop("member.relationship")
    counts_file = good.group_by(HH).agg(pl.len().alias("n_file")).rename({HH: "number"})
    counts_missing = missing_m.group_by("hh_number").agg(pl.len().alias("n_missing")).rename({"hh_number": "number"})
    summary = file_h.select("number").join(heads, on="number", how="left").join(counts_file, on="number", how="left") \
        .join(counts_missing, on="number", how="left").with_columns(
        (pl.col("n_file").fill_null(0) + pl.col("n_missing").fill_null(0)).alias("size")).drop("n_file", "n_missing")
    summary = summary.join(db_h.select("number", pl.col("income_year").alias("db_iy"),
                                       pl.col("per_capita_income").alias("db_pci")), on="number", how="left")
    if income_summary is not None:
        summary = summary.join(income_summary.rename({"hh_number": "number"}), on="number", how="left")
        db_iy = pl.col("db_iy").cast(pl.Int64, strict=False)
        newer = pl.col("s_year").is_not_null() & (db_iy.is_null() | (pl.col("s_year") >= db_iy))
        summary = summary.with_columns(
            pl.when(newer).then(pl.col("s_year")).otherwise(db_iy).alias("income_year"),
            pl.when(newer).then(pl.col("s_pci")).otherwise(pl.col("db_pci").cast(pl.Float64)).alias(
                "per_capita_income"))
    else:
        summary = summary.with_columns(pl.col("db_iy").cast(pl.Int64, strict=False).alias("income_year"),
                                       pl.col("db_pci").cast(pl.Float64).alias("per_capita_income"))
    summary = summary.select("number", *SUMMARY)
    hh_new = hh_new.join(summary, on="number", how="left")
    s_kind = {"head_name": "text", "head_id_number": "text", "size": "int", "income_year": "int",
              "per_capita_income": "decimal"}
    s_join = summary.join(db_h.select("number", "id", *[pl.col(c).alias(f"db.{c}") for c in SUMMARY]),
                          on="number", how="inner")
    s_changed = s_join.filter(pl.any_horizontal([
        canon(pl.col(c), s_kind[c], from_db=False) != canon(pl.col(f"db.{c}"), s_kind[c], from_db=True)
        for c in SUMMARY])).select(pl.col("id").cast(pl.Int64), *SUMMARY)

    missing_h = _missing_households(w, file_h, file_villages)

    counts = {
        "households_new": hh_new.height, "households_changed": h_changed.height,
        "households_unchanged": existing.height - h_changed.height,
        "persons_new": m_new.height, "persons_changed": m_changed.height,
        "persons_unchanged": matched.height - m_changed.height,
        "incomes_new": inc_new.height, "incomes_changed": inc_changed.height,
    }
    return Plan(
        households_new=hh_new, households_changed=h_changed, household_summaries=s_changed,
        members_new=m_new, members_changed=m_changed, incomes_new=inc_new, incomes_changed=inc_changed,
        h_fields=compare, m_fields=m_compare, i_fields=i_fields, changes={}, counts=counts,
        missing_households=missing_h, missing_members=_with_names(w, missing_m).select("hh_number", "name",
                                                                                         "id_number"),
        problems=problems_db, household_ids=db_h.select("number", "id"), skipped_households=bad_households.height,
        accepted_rows=good.height, kinds=kinds, household_digests=h_digests, member_digests=m_digests,
        income_digests=i_digests)


PART_ROWS = 100_000  # matched households/members compared a part at a time (bounded memory on a re-import)
DENSE_RANGE = 2  # a part is read by its id range when that range holds at most this many ids per matched member


def _changed_parts(w: Writer, model, key: str, file_rows: pl.DataFrame, matched: pl.DataFrame, compare: list[str],
                   kind_of: dict[str, str], *, db_columns: list[str], prepare=None) -> pl.DataFrame:
    """The matched rows (``key`` → ``db.id``) whose ``compare`` columns differ from the database, with the flags
    ``~field``, the database's values of the changed fields as the change log's JSON (``_before``) and its other
    ``db_columns`` (version, household) as ``db.*``; read from the database and compared a part at a time, so that
    neither the database's copy nor the joined pair is ever held for the whole file.

    Parts follow the database ids. A part whose ids are dense (a re-import of a whole county matches nearly every
    row) is read by its id range, which needs no scratch table; a sparse part by its staged ids. The next part is
    read in a thread while this one is compared: the database (or the ADBC driver) and Polars then work side by
    side, and only that thread touches the connection meanwhile."""
    table = model._meta.db_table
    head = (f'SELECT CAST(t.id AS TEXT) AS id, {_db_select(model, db_columns, "t")} FROM "{table}" t ')
    matched = matched.with_columns(pl.col("db.id").cast(pl.Int64)).sort("db.id")
    parts = [matched.slice(start, PART_ROWS) for start in range(0, matched.height, PART_ROWS)]

    def read(part: pl.DataFrame) -> pl.DataFrame:
        return _read_by_ids(w, head, "t.id", part["db.id"])

    empty = pl.DataFrame(schema={c: pl.Utf8 for c in ["id", *db_columns]})
    changed = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(read, parts[0]) if parts else None
        for i, part in enumerate(parts or [matched]):
            db = ahead.result() if ahead is not None else empty
            ahead = pool.submit(read, parts[i + 1]) if i + 1 < len(parts) else None
            db = (db if db.height else empty).with_columns(pl.col("id").cast(pl.Int64))
            rows = file_rows.join(part, on=key, how="inner", maintain_order="left").join(
                db.rename({c: f"db.{c}" for c in db.columns}), on="db.id", how="inner", maintain_order="left")
            del db
            if prepare is not None:
                rows = prepare(rows)
            part = changed_rows(rows, compare, kind_of)
            del rows
            # Of the database's values only the change log's "before" is needed later: kept as that JSON, not
            # as a column per field (a million members changed: ~400 MB of text views less to the load).
            changed.append(part.with_columns(_log_object("db.", compare, kind_of).alias("_before")).drop(
                [f"db.{f}" for f in compare]))
            del part
    out = pl.concat(changed, how="diagonal_relaxed") if len(changed) > 1 else changed[0]
    return out.with_columns(pl.col("db.id").cast(pl.Utf8))


def _read_by_ids(w: Writer, head: str, id_sql: str, ids: pl.Series) -> pl.DataFrame:
    """``head`` (a SELECT … FROM table alias) for the rows whose id (``id_sql``) is one of ``ids`` — and, read by
    range, others between them, which the caller's join drops. Dense ids (a re-import of a whole county matches
    nearly every row) are read by their range, a sequential scan that needs no scratch table; sparse ones by
    staged ids. May be an empty frame without columns."""
    if not ids.len():
        return pl.DataFrame()
    low, high = ids.min(), ids.max()
    if high - low + 1 <= DENSE_RANGE * ids.len():
        return w.query(head + f"WHERE {id_sql} BETWEEN {int(low)} AND {int(high)}")
    stage = w.stage(ids.alias("id").to_frame())
    return w.query(head + f'JOIN "{stage}" s ON {id_sql} = s.id')


def changed_rows(rows: pl.DataFrame, fields: list[str], kind_of: dict[str, str]) -> pl.DataFrame:
    """The rows (file columns ``f`` beside database columns ``db.f``) where a field differs in canonical form,
    with a flag ``~f`` per field."""
    if not fields:
        return rows.clear()
    rows = rows.with_columns([
        (canon(pl.col(f), kind_of[f], from_db=False) != canon(pl.col(f"db.{f}"), kind_of[f], from_db=True))
        .alias(f"~{f}") for f in fields])
    return rows.filter(pl.any_horizontal([pl.col(f"~{f}") for f in fields]))


def _member_keys(frame: pl.DataFrame, household: str) -> pl.DataFrame:
    """Members' key columns as the plan reads them, in one column order and one type per column whatever the
    driver made of them (an empty result may come without columns or types); ``household`` names the household
    column (its number, or its id where the members were read by household-id range)."""
    types = {"id": pl.Int64, "id_number": pl.Utf8, "name": pl.Utf8, "birth_date": pl.Utf8, "is_active": pl.Utf8,
             household: pl.Int64 if household == "household_id" else pl.Utf8, "version": pl.Int64}
    if not frame.height:
        return pl.DataFrame(schema=types)
    return frame.select(pl.col(c).cast(t) for c, t in types.items())


def _with_names(w: Writer, members: pl.DataFrame) -> pl.DataFrame:
    """Fill in the names the key query left out (members with an ID number), for the listed members only."""
    if not members.height or not members["name"].null_count():
        return members
    stage = w.stage(members.select(pl.col("id").cast(pl.Int64)))
    names = w.query(f'SELECT CAST(m.id AS TEXT) AS id, m.name AS db_name FROM registry_member m '
                    f'JOIN "{stage}" s ON m.id = s.id')
    if not names.height:
        return members
    names = names.with_columns(pl.col("id").cast(members.schema["id"]))
    return members.join(names, on="id", how="left").with_columns(
        pl.coalesce("name", "db_name").alias("name")).drop("db_name")


def _missing_households(w: Writer, file_h: pl.DataFrame, file_villages: pl.Series) -> pl.DataFrame:
    """Active households of the file's villages that the file does not list (reported, never deleted)."""
    villages = file_villages.to_list()
    if not villages:
        return pl.DataFrame(schema={"number": pl.Utf8, "village_id": pl.Utf8, "head_name": pl.Utf8})
    stage = w.stage(pl.DataFrame({"code": villages}))
    db = w.query(f'SELECT h.number, h.village_id, h.head_name FROM registry_household h JOIN "{stage}" v '
                 f"ON h.village_id = v.code WHERE h.is_active = {'true' if w.vendor == 'postgresql' else '1'}")
    if not db.height:
        return pl.DataFrame(schema={"number": pl.Utf8, "village_id": pl.Utf8, "head_name": pl.Utf8})
    return db.join(file_h.select("number"), on="number", how="anti").sort("number")


# ---------------------------------------------------------------------------------------------------------------
def _json_value(expr: pl.Expr, kind: str) -> pl.Expr:
    """A value as JSON text for the change log, from the file (typed) or the database (text); vectorised."""
    text = expr.cast(pl.Utf8)
    if kind in ("text", "code", "id", "phone"):
        value = text.fill_null("")
    elif kind == "multicode":  # stored ",01,04,": logged as a list of codes
        value = pl.when(text.is_null()).then(pl.lit(None, pl.List(pl.Utf8))).otherwise(
            text.str.split(",").list.eval(pl.element().filter(pl.element() != "")))
        return pl.when(text.is_null()).then(pl.lit('""')).otherwise(_json_encode(value))
    elif kind == "bool":
        value = pl.when(text.is_null()).then(None).otherwise(text.is_in(["1", "true", "t"]))
    elif kind == "decimal":  # "1234.50", as the form shows it
        cents = (expr.cast(pl.Float64, strict=False) * 100).round(0).cast(pl.Int64)
        value = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (cents.abs() // 100).cast(pl.Utf8) \
            + pl.lit(".") + (cents.abs() % 100).cast(pl.Utf8).str.zfill(2)
    elif kind in ("int", "year"):
        value = expr.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    elif kind in ("date", "month"):
        value = text.str.slice(0, 10)
    elif kind == "json":  # already JSON text
        return pl.when(text.is_null() | (text == "")).then(pl.lit("{}")).otherwise(text)
    else:
        value = expr
    return _json_encode(value)


def _json_encode(value: pl.Expr) -> pl.Expr:
    return pl.struct(value.alias("v")).struct.json_encode().str.strip_prefix('{"v":').str.strip_suffix("}")


def _log_object(prefix: str, fields: list[str], kind_of: dict[str, str]) -> pl.Expr:
    """A JSON object of the changed fields (flag ``~f``) with their values from the columns ``prefix + f``."""
    parts = [pl.when(pl.col(f"~{f}")).then(pl.lit(json.dumps(f, ensure_ascii=False) + ":")
                                           + _json_value(pl.col(prefix + f), kind_of.get(f, "text")))
             for f in fields]
    return pl.lit("{") + pl.concat_str(parts, separator=",", ignore_nulls=True) + pl.lit("}")


def _changes(frame: pl.DataFrame, fields: list[str], kind_of: dict[str, str]) -> pl.DataFrame:
    """id, before and after (JSON objects of only the changed fields) of each changed row, for the change log.
    The before object is ``_before`` where the plan made it already (see :func:`_changed_parts`)."""
    before = pl.col("_before") if "_before" in frame.columns else _log_object("db.", fields, kind_of)
    return frame.select(pl.col("db.id").cast(pl.Int64).alias("id"), before.alias("before"),
                        _log_object("", fields, kind_of).alias("after"))


def _typed(df: pl.DataFrame, model, fields: list[str]) -> dict[str, pl.Series]:
    out = {}
    for name in fields:
        f = model._meta.get_field(name)
        s = df[name]
        if s.dtype == pl.Categorical:
            s = s.cast(pl.Utf8)
        if f.get_internal_type() == "JSONField":
            s = s.fill_null("{}")
        elif s.dtype == pl.Null:
            s = s.cast(pl.Utf8)
        if s.dtype == pl.Utf8 and not f.null and f.get_internal_type() in ("CharField", "TextField"):
            s = s.fill_null("")
        out[f.attname] = s
    return out


REBUILD_MIN_ROWS = 50_000
REBUILD_SHARE = 0.4


def rebuild_pays(w: Writer, written: int, model) -> bool:
    """Whether a load that writes (inserts or updates) ``written`` rows of ``model``'s table should drop the
    table's secondary indexes and build them after: above :data:`REBUILD_MIN_ROWS` rows and a
    :data:`REBUILD_SHARE` of the rows already there.

    Keeping an index up to date costs more per written row than building it costs per row of the table: on
    PostgreSQL a re-import that changed all of a million members took 29.9 s for the UPDATE with the indexes, and
    7.2–8.4 s without them plus 8.4 s to build them again: ~22 µs a written row kept against ~8.4 µs a table row
    built, even at ~38% of the table (and 10.9 against 3.4–4.2 + ~3 s for 294,539 households). The change log's
    eight indexes likewise: ~10 µs a written entry kept, ~3.9 µs a row built (1.29M entries into 1.29M)."""
    if written <= REBUILD_MIN_ROWS:
        return False
    return written > REBUILD_SHARE * w.scalar(f'SELECT COUNT(*) FROM "{model._meta.db_table}"')


@dataclass
class LoadResult:
    counts: dict
    logged: int
    seconds: float


def apply_plan(w: Writer, plan: Plan, *, actor, job_id: uuid.UUID | None, content_types: dict,
               progress: Progress | None = None, rebuild_indexes: bool | None = None) -> LoadResult:
    """Write the plan inside the writer's transaction."""
    import time

    t0 = time.monotonic()
    now = timezone.now()
    user_id = getattr(actor, "pk", None)
    step = progress or (lambda _msg, _pct: None)
    kinds = plan.kinds
    h_kind = {f: kinds.get(f"household.{f}", "text") for f in plan.h_fields}
    h_kind.update(village_id="text", extra="json")
    m_kind = {f: kinds.get(f"member.{f}", "text") for f in plan.m_fields}
    m_kind["is_active"] = "bool"
    i_kind = {f: "int" if f == "household_size" else "decimal" for f in plan.i_fields}
    stamps = {"created_at": now, "updated_at": now, "created_by_id": user_id, "updated_by_id": user_id}

    # Ids for new rows, taken under the lock.
    h_next = w.next_id(Household)
    hh_new = plan.households_new.with_columns(pl.int_range(h_next, h_next + plan.households_new.height,
                                                           dtype=pl.Int64).alias("id"))
    total_new = plan.households_new.height + plan.members_new.height
    persons_written = plan.members_new.height + plan.members_changed.height
    big = rebuild_indexes if rebuild_indexes is not None else rebuild_pays(w, persons_written, Member)
    tables = [Household._meta.db_table, Member._meta.db_table, IncomeRecord._meta.db_table]

    with w.deferred_indexes(tables, enabled=bool(big)):
        step("写入农户", 70)
        h_fields = [f for f in plan.h_fields if f in hh_new.columns and f not in ("village_id",)]
        cols = {"id": hh_new["id"], "number": hh_new["number"], "village_id": hh_new["village_id"],
                **_typed(hh_new, Household, h_fields), **{c: hh_new[c] for c in SUMMARY},
                **{k: v for k, v in stamps.items()}}
        w.insert(Household, model_frame(Household, cols, hh_new.height))

        changed = plan.households_changed
        if changed.height:
            upd = changed.select(pl.col("db.id").cast(pl.Int64).alias("id"),
                                 pl.col("db.version").cast(pl.Int64).alias("_version"),
                                 *[pl.col(f) for f in plan.h_fields])
            upd = upd.with_columns(_typed(upd, Household, [f for f in plan.h_fields if f != "village_id"]).values())
            n = w.update(Household, upd, stamps={"updated_at": now, "updated_by_id": user_id})
            if n != upd.height:
                raise ConcurrentEditError("导入期间有农户被他人修改，导入已撤销，请重新校验后再导入")
        if plan.household_summaries.height:
            w.update(Household, plan.household_summaries, version_check=False, bump_version=False)

        # Household ids for the members and incomes of new and existing households: the new ones were just
        # assigned, the existing ones were read by the plan (under the same lock).
        id_map = pl.concat([hh_new.select(pl.col("id").alias("household_id"), pl.col("number").alias("hh_number")),
                            plan.household_ids.select(pl.col("id").cast(pl.Int64).alias("household_id"),
                                                      pl.col("number").alias("hh_number"))])

        step("写入成员", 80)
        m_new = plan.members_new.join(id_map, on="hh_number", how="left")
        m_next = w.next_id(Member)
        m_new = m_new.with_columns(pl.int_range(m_next, m_next + m_new.height, dtype=pl.Int64).alias("id"))
        m_fields = [f for f in plan.m_fields if f != "is_active"]
        cols = {"id": m_new["id"], "household_id": m_new["household_id"], **_typed(m_new, Member, m_fields),
                "is_active": pl.repeat(True, m_new.height, eager=True), **stamps}
        w.insert(Member, model_frame(Member, cols, m_new.height))
        if plan.members_changed.height:
            upd = plan.members_changed.select(pl.col("db.id").cast(pl.Int64).alias("id"),
                                              pl.col("db.version").cast(pl.Int64).alias("_version"),
                                              *[pl.col(f) for f in m_fields], pl.lit(True).alias("is_active"))
            upd = upd.with_columns(_typed(upd, Member, m_fields).values())
            n = w.update(Member, upd, stamps={"updated_at": now, "updated_by_id": user_id})
            if n != upd.height:
                raise ConcurrentEditError("导入期间有成员被他人修改，导入已撤销，请重新校验后再导入")

        step("写入收入", 88)
        i_new = plan.incomes_new
        if plan.incomes_new.height:
            i_new = plan.incomes_new.join(id_map, on="hh_number", how="left")
            i_next = w.next_id(IncomeRecord)
            i_new = i_new.with_columns(pl.int_range(i_next, i_next + i_new.height, dtype=pl.Int64).alias("id"))
            cols = {"id": i_new["id"], "household_id": i_new["household_id"], "year": i_new["year"],
                    **{f: i_new[f] for f in plan.i_fields}, **stamps}
            w.insert(IncomeRecord, model_frame(IncomeRecord, cols, i_new.height))
        if plan.incomes_changed.height:
            upd = plan.incomes_changed.select(pl.col("db.id").cast(pl.Int64).alias("id"),
                                              pl.col("db.version").cast(pl.Int64).alias("_version"),
                                              *[pl.col(f) for f in plan.i_fields])
            n = w.update(IncomeRecord, upd, stamps={"updated_at": now, "updated_by_id": user_id})
            if n != upd.height:
                raise ConcurrentEditError("导入期间有收入记录被他人修改，导入已撤销，请重新校验后再导入")

        step("写入导入摘要", 90)
        _store_digests(w, HouseholdDigest, new=hh_new, changed=plan.households_changed,
                       confirmed=plan.household_digests)
        _store_digests(w, MemberDigest, new=m_new, changed=plan.members_changed, confirmed=plan.member_digests)
        if plan.i_fields:
            _store_digests(w, IncomeDigest, new=i_new, changed=plan.incomes_changed, confirmed=plan.income_digests)

    step("写入变更记录", 92)
    # A first load writes more log rows than the log may hold yet: its indexes are then rebuilt after, too.
    n_log = total_new + plan.households_changed.height + plan.members_changed.height + plan.incomes_changed.height
    big_log = rebuild_indexes if rebuild_indexes is not None else rebuild_pays(w, n_log, ObjectChange)
    with w.deferred_indexes([ObjectChange._meta.db_table], enabled=bool(big_log)):
        logged = _write_log(w, plan, hh_new=hh_new, m_new=m_new, now=now, actor=actor, job_id=job_id,
                            kinds=(h_kind, m_kind, i_kind), ct=content_types)
    w.finish([Household, Member, IncomeRecord, ObjectChange])
    return LoadResult(counts=plan.counts, logged=logged, seconds=time.monotonic() - t0)


def _store_digests(w: Writer, model, *, new: pl.DataFrame, changed: pl.DataFrame, confirmed: pl.DataFrame) -> None:
    """The digests of what this load wrote or confirmed: new rows at version 1, updated rows at the version the
    update gave them, rows compared and found unchanged at their version. Replaced rows are deleted and inserted
    again (faster than an UPDATE for a million rows, and the same statement on both databases)."""
    key = model._meta.pk.attname
    replaced = pl.concat([
        changed.select(pl.col("db.id").cast(pl.Int64).alias("id"),
                       digest(pl.col("_h"), pl.col("db.version").cast(pl.Int64) + 1).alias("digest")),
        confirmed.select("id", "digest")]) if changed.height or confirmed.height else None
    if replaced is not None and replaced.height:
        stage = w.stage(replaced.select("id"))
        w.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "{key}" IN (SELECT id FROM "{stage}")')
    parts = [new.select("id", digest(pl.col("_h"), pl.lit(1)).alias("digest"))] if new.height else []
    if replaced is not None:
        parts.append(replaced)
    if not parts:
        return
    rows = pl.concat(parts)
    # Many rows (a first import, or confirming a whole county): the foreign key is added back after the insert,
    # checked by one join, instead of a deferred check per row at commit (15 s for a million on PostgreSQL).
    with w.deferred_indexes([model._meta.db_table], enabled=rows.height > BIG_DIGESTS):
        w.insert(model, model_frame(model, {key: rows["id"], "digest": rows["digest"]}, rows.height))


LOG_ROWS = 100_000  # update entries of the change log built and written at a time


def _write_log(w: Writer, plan: Plan, *, hh_new, m_new, now, actor, job_id, kinds, ct) -> int:
    """Change-log rows for the load (content type ids looked up before the writer opened)."""
    h_kind, m_kind, i_kind = kinds
    # Creations: one lean entry per new household and member (who, when, which job, which object). The values
    # are not copied into the log: they are the object's first version, and the job names the source file
    # (docs/architecture.md, "Change log of imports"). Updates log exactly the changed fields, before and after.
    # Written by the database itself from the rows just inserted (ids from the first new id on, under the lock):
    # no million-row frame travels to the database for them.
    created = 0
    if hh_new.height:
        created += _log_created(w, Household, int(hh_new["id"].min()), now=now, actor=actor, job_id=job_id,
                                ct=ct[Household])
    if m_new.height:
        created += _log_created(w, Member, int(m_new["id"].min()), now=now, actor=actor, job_id=job_id,
                                ct=ct[Member])
    updated = 0
    for model, changed, fields, kind_of in (
            (Household, plan.households_changed, plan.h_fields, h_kind),
            (Member, plan.members_changed, plan.m_fields, m_kind),
            (IncomeRecord, plan.incomes_changed, plan.i_fields, i_kind)):
        repr_col = {"Household": "number", "Member": "name", "IncomeRecord": "hh_number"}[model.__name__]
        hh_col = {"Household": "db.id", "Member": "db.household_id", "IncomeRecord": "db.household_id"}[
            model.__name__]
        # A part at a time: the before/after JSON of a million changed rows (a file with other columns than the
        # last one changes every row) held at once took ~700 MB.
        for start in range(0, changed.height, LOG_ROWS):
            frame = changed.slice(start, LOG_ROWS)
            entries = _changes(frame, fields, kind_of)
            updated += insert_log(w, pl.DataFrame({
                "content_type_id": pl.repeat(ct[model], frame.height, eager=True, dtype=pl.Int64),
                "action": pl.repeat("update", frame.height, eager=True),
                "object_id": entries["id"].cast(pl.Utf8),
                "object_repr": frame[repr_col].cast(pl.Utf8).fill_null("").str.slice(0, 200),
                "household_id": frame[hh_col].cast(pl.Int64),
                "area_code": pl.repeat("", frame.height, eager=True, dtype=pl.Utf8),
                "prechange_data": entries["before"], "postchange_data": entries["after"],
            }), now=now, actor=actor, job_id=job_id)
            del entries, frame
    return created + updated


def insert_log(w: Writer, log: pl.DataFrame, *, now, actor, job_id) -> int:
    """Write change-log rows of an import (``log``: content_type_id, action, object_id, object_repr,
    household_id, area_code and optionally prechange_data / postchange_data), stamped with who, when and the job."""
    n = log.height
    if not n:
        return 0
    next_id = w.next_id(ObjectChange)
    none = pl.Series([None] * n, dtype=pl.Utf8)
    cols = {
        "id": pl.int_range(next_id, next_id + n, dtype=pl.Int64, eager=True),
        "time": pl.repeat(now, n, eager=True),
        "user_id": pl.Series([getattr(actor, "pk", None)] * n, dtype=pl.Int64),
        "user_name": pl.repeat(getattr(actor, "username", "") or "system", n, eager=True),
        "job_id": pl.repeat(job_id.hex if job_id else None, n, eager=True, dtype=pl.Utf8),
        "summary": pl.repeat("导入", n, eager=True),
        "content_type_id": log["content_type_id"].cast(pl.Int64), "action": log["action"],
        "object_id": log["object_id"], "object_repr": log["object_repr"].fill_null("").str.slice(0, 200),
        "household_id": log["household_id"].cast(pl.Int64), "area_code": log["area_code"].fill_null(""),
        "prechange_data": log["prechange_data"] if "prechange_data" in log.columns else none,
        "postchange_data": log["postchange_data"] if "postchange_data" in log.columns else none,
    }
    w.insert(ObjectChange, model_frame(ObjectChange, cols, n))
    return n


def _log_created(w: Writer, model, first_id: int, *, now, actor, job_id, ct: int) -> int:
    """One lean create entry per row of ``model`` with an id from ``first_id`` on, by INSERT … SELECT."""
    if model is Household:
        repr_sql, hh_sql, area_sql = "TRIM(o.number || ' ' || COALESCE(o.head_name, ''))", "o.id", "o.village_id"
    else:
        repr_sql, hh_sql, area_sql = "COALESCE(o.name, '')", "o.household_id", "''"
    pg = w.vendor == "postgresql"
    if pg:
        time_sql, user_sql, job_sql = "CAST(%s AS timestamptz)", "CAST(%s AS bigint)", "CAST(%s AS uuid)"
        time_value = now
    else:  # as Django stores them in SQLite: naive UTC text, uuid as 32 hex digits
        time_sql = user_sql = job_sql = "%s"
        time_value = str(now.astimezone(dt.UTC).replace(tzinfo=None))
    log_first = w.next_id(ObjectChange)  # explicit ids, as for every bulk insert (sequences are moved after)
    return w.execute(
        f'INSERT INTO "{ObjectChange._meta.db_table}" (id, time, user_id, user_name, request_id, job_id, action, '
        f'content_type_id, object_id, object_repr, household_id, area_code, summary, prechange_data, '
        f'postchange_data) SELECT o.id - %s + %s, {time_sql}, {user_sql}, %s, NULL, {job_sql}, %s, %s, CAST(o.id AS TEXT), '
        f'SUBSTR({repr_sql}, 1, 200), {hh_sql}, {area_sql}, %s, NULL, NULL FROM "{model._meta.db_table}" o '
        f'WHERE o.id >= %s ORDER BY o.id',
        [first_id, log_first, time_value, getattr(actor, "pk", None), getattr(actor, "username", "") or "system",
         job_id.hex if job_id else None, "create", ct, "导入", first_id])
