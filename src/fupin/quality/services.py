"""Writes of the data-quality module: runs, the problem list they keep, exemptions and rule settings.

A run snapshots the registry under an area (:mod:`.frames`), evaluates the rules (:mod:`.engine`) and reconciles
the findings with the stored problems in one all-or-nothing write (:class:`~fupin.batch.bulkload.Writer`, COPY /
ADBC at scale): new findings open problems, findings of fixed problems reopen them, active problems the run no
longer finds are fixed, and an exemption lapses when the data it was granted on has changed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import NamedTuple

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.scoping import has_perm
from fupin.areas import codes as area_codes
from fupin.areas.models import Area
from fupin.batch.bulkload import Writer, model_frame
from fupin.core.changes import create_logged, update_logged
from fupin.core.errors import ApplicationError, ConcurrentEditError, PermissionDeniedError

from . import catalogue, engine, frames, params
from .catalogue import VILLAGE, ParamError
from .models import Problem, ProblemEvent, RuleSetting, Run

Progress = Callable[[str, int], None]
ACTIVE = ("open", "pending", "exempted")
EXEMPTION_INDEXES = tuple(i.name for i in Problem._meta.indexes if i.fields[0].startswith("exemption_"))
BIG_LOAD = 50_000  # more new problems than this (and than stored ones): the first-run load (indexes rebuilt after)


def _due_days() -> int:
    return int(getattr(settings, "FUPIN_QUALITY_DUE_DAYS", 30))


def _require(actor, perm: str, area_code: str, what: str) -> None:
    if actor is not None and not has_perm(actor, perm, area_code):
        raise PermissionDeniedError(f"您没有在该区划{what}的权限")


# --- runs -----------------------------------------------------------------------------------------------------
def quality_run(*, actor, area_code: str, rule_codes: list[str] | None = None, check_date: dt.date | None = None,
                job=None, progress: Progress | None = None, sqlite_adbc: bool | None = None,
                collect: list | None = None) -> Run:
    """Evaluate the catalogue (or ``rule_codes``) over ``area_code`` and update the problem list.

    ``collect``: a list the findings frame is appended to (the CLI's ``--json``)."""
    step = progress or (lambda _m, _p: None)
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ApplicationError(f"区划代码{area_code}不存在")
    _require(actor, "quality.run", area_code, "运行数据核查")
    check_date = check_date or timezone.localdate()
    try:
        rules = catalogue.select(rule_codes)
        resolved = params.resolve(rules, area_code, check_date.year)
    except ParamError as exc:
        raise ApplicationError(str(exc)) from None
    run = Run.objects.create(user=actor if getattr(actor, "pk", None) else None,
                             user_name=getattr(actor, "username", "") or "system", job=job, area=area,
                             check_date=check_date, rule_codes=[r.code for r in rules] if rule_codes else [],
                             params=params.shown(resolved))
    try:
        timings = {}
        t = time.perf_counter()
        columns = engine.person_household_columns(rules, resolved)
        table_columns = engine.table_columns(rules, resolved)
        chunks, ranges = _plan(area_code, _chunk_persons())
        timings.update(snapshot=time.perf_counter() - t, rules=0.0)
        parts, persons, households = [], 0, 0
        # PostgreSQL: each chunk's tables are read (on separate connections, in a thread) while the one before is
        # evaluated, so that the database and Polars work at once. Memory: one chunk's tables more.
        ahead = _ReadAhead(check_date, chunks, ranges, table_columns) if chunks and frames.parallel_reads() \
            and connection.vendor == "postgresql" else None
        # Chunked runs: the few rules comparing members across households (duplicate ID numbers, shared phones)
        # wait until every chunk has passed; each chunk leaves only the lean columns they compare.
        cross = [r for r in rules if engine.reads_area_wide(r, resolved)] if chunks else []
        local = [r for r in rules if r not in cross]
        lean: list[tuple[pl.DataFrame, pl.DataFrame]] = []
        try:
            for n, villages in enumerate(chunks or [None], start=1):
                t = time.perf_counter()
                step(f"读取数据快照（第{n}/{len(chunks or [None])}部分）", 10 + 60 * (n - 1) // len(chunks or [None]))
                tables = ahead.take(n - 1) if ahead else None
                fr = frames.load(check_date=check_date, area_code=None if villages else area_code,
                                 villages=villages, household_columns=columns, columns=table_columns,
                                 area_wide=frames.NO_AREA_WIDE if villages else None,
                                 id_ranges=ranges[n - 1] if villages else None, tables=tables)
                del tables
                timings["snapshot"] += time.perf_counter() - t
                t = time.perf_counter()
                parts.append(_keyed(engine.evaluate(fr, local, resolved).findings))
                if cross:
                    lean.append(frames.area_wide_inputs(fr.persons))
                persons, households = persons + fr.persons.height, households + fr.households.height
                del fr
                timings["rules"] += time.perf_counter() - t
        finally:
            if ahead:
                ahead.close()
        if cross:
            found = _cross_household(cross, resolved, lean, check_date=check_date, columns=columns,
                                     table_columns=table_columns, timings=timings)
            del lean
            if found is not None:
                parts.append(_keyed(found))
        ev = engine.Evaluation(findings=pl.concat(parts))
        timings = {k: round(v, 3) for k, v in timings.items()}
        if chunks:
            timings["chunks"] = len(chunks)
        if collect is not None:
            collect.append(ev.findings)
        t = time.perf_counter()
        step("写入问题清单", 70)
        lo, hi = area_codes.subtree_range(area_code)
        settled = [r.code for r in rules if all(p is not None for _s, p in resolved[r.code])]
        outcome = reconcile(ev.findings, scope=f"p.village_id BETWEEN '{lo}' AND '{hi}'", rule_codes=settled,
                            run=run, actor=actor,
                            sqlite_adbc=frames.sqlite_adbc_ok() if sqlite_adbc is None else sqlite_adbc)
        timings["write"] = round(time.perf_counter() - t, 3)
    except Exception as exc:
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, finished_at=timezone.now(),
                                             message=f"核查失败，问题清单未作改动：{exc}"[:500])
        raise
    counts = ev.findings.group_by("rule").len().sort("rule")
    run.counts = {r: n for r, n in counts.iter_rows()}
    run.findings = ev.findings.height
    run.persons, run.households = persons, households
    run.outcome, run.timings = outcome, timings
    run.status, run.finished_at = Run.Status.SUCCEEDED, timezone.now()
    run.save()
    step("完成", 100)
    return run


def _cross_household(rules: list[catalogue.Rule], resolved: dict, lean: list[tuple[pl.DataFrame, pl.DataFrame]], *,
                     check_date: dt.date, columns: set[str], table_columns: set[str], timings: dict
                     ) -> pl.DataFrame | None:
    """Findings of the cross-household ``rules`` of a chunked run, after its last chunk (None: no member can
    have any).

    ``lean``: :func:`frames.area_wide_inputs` of every chunk. Compared over the whole area, they name the few
    members these rules can find (an ID number held twice, a phone shared across work counties); only their
    households are read again and evaluated, with the area-wide columns joined (:func:`frames.id_counts`). This replaces a separate read of
    every member's ID number and phone before the first chunk (at 10M persons ~13 s of database and driver time
    competing with the first chunk's read)."""
    t = time.perf_counter()
    household_ids, phones = frames.area_wide_candidates(pl.concat([ids for ids, _w in lean]),
                                                        pl.concat([w for _i, w in lean]))
    timings["rules"] += time.perf_counter() - t
    if household_ids.is_empty():
        return None
    t = time.perf_counter()
    tables = frames.read_tables(check_date=check_date, household_ids=household_ids.to_list(), columns=table_columns)
    wide = frames.id_counts(tables.hh, tables.members).join(phones, on="id", how="full", coalesce=True)
    fr = frames.build(tables.hh, tables.members, tables.incomes, tables.work, tables.villages,
                      check_date=check_date, household_columns=columns, area_wide=wide)
    timings["snapshot"] += time.perf_counter() - t
    t = time.perf_counter()
    findings = engine.evaluate(fr, rules, resolved).findings
    timings["rules"] += time.perf_counter() - t
    return findings


class _ReadAhead:
    """Reads the tables of chunk after chunk in a background thread, one chunk ahead of the evaluation."""

    def __init__(self, check_date: dt.date, chunks: list[tuple[str, str]], ranges: list[IdRanges],
                 columns: set[str]):
        from concurrent.futures import ThreadPoolExecutor

        self.check_date, self.chunks, self.ranges, self.columns = check_date, chunks, ranges, columns
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending = {0: self.pool.submit(self._read, 0)}

    def _read(self, i: int) -> frames.Tables:
        try:
            return frames.read_tables(check_date=self.check_date, villages=self.chunks[i], id_ranges=self.ranges[i],
                                      columns=self.columns)
        finally:
            connection.close()  # this thread's own Django connection (the queries are ADBC's)

    def take(self, i: int) -> frames.Tables:
        tables = self.pending.pop(i).result()
        if i + 1 < len(self.chunks):
            self.pending[i + 1] = self.pool.submit(self._read, i + 1)
        return tables

    def close(self) -> None:
        for f in self.pending.values():
            f.cancel()
        self.pool.shutdown(wait=True)
        self.pending.clear()


def _chunk_persons() -> int:
    return int(getattr(settings, "FUPIN_QUALITY_CHUNK_PERSONS", 2_000_000))


def plan_chunks(area_code: str, max_persons: int) -> list[tuple[str, str]] | None:
    """Runs over more than ``max_persons`` read the area in chunks of whole, consecutive villages (so memory stays
    bounded at 10M persons); None when one snapshot will do. Household rules and village rules only look inside a
    household or village; the few rules comparing across households are evaluated after the last chunk
    (:func:`_cross_household`)."""
    return _plan(area_code, max_persons)[0]


# A chunk's households are found by their ids in the reads (see :func:`frames.read_tables`): ids of one village lie
# together when loaded village by village, but households registered later (new identifications, monitoring) take
# ids at the end of the table, in every village. So a chunk's ids are a few ranges, not one: where a village's ids
# are not dense (more than ``ID_GAP`` ids of other villages or of inactive households between its smallest and
# largest), they are grouped in buckets of ``ID_BUCKET``; ranges with at most ``ID_GAP`` ids between them are
# merged, and at most ``MAX_ID_RANGES`` kept.
ID_BUCKET = 4096
ID_GAP = 4096
MAX_ID_RANGES = 32

IdRanges = list[tuple[int, int]]


def _plan(area_code: str, max_persons: int) -> tuple[list[tuple[str, str]] | None, list[IdRanges]]:
    """:func:`plan_chunks`, and each chunk's household ids as ranges."""
    from django.db.models import Count, F, Max, Min, Sum

    from fupin.registry.models import Household

    lo, hi = area_codes.subtree_range(area_code)
    active = Household.objects.filter(is_active=True, village_id__gte=lo, village_id__lte=hi)
    villages = list(active.values("village_id").annotate(n=Sum("size"), count=Count("id"), lo=Min("id"), hi=Max("id"))
                    .order_by("village_id").values_list("village_id", "n", "count", "lo", "hi"))
    if sum(n or 0 for _v, n, *_rest in villages) <= max_persons:
        return None, []
    spans: dict[str, list[tuple[int, int]]] = {}
    if any(b - a + 1 - c > ID_GAP for _v, _n, c, a, b in villages):
        # Some village's households lie apart: its ids by bucket (one more grouped scan, only then: with the
        # households as loaded, one range a village is exact and this query would cost ~1 s at 10M persons).
        for v, a, b in (active.annotate(bucket=F("id") / ID_BUCKET).values("village_id", "bucket")
                        .annotate(lo=Min("id"), hi=Max("id")).values_list("village_id", "lo", "hi")):
            spans.setdefault(v, []).append((a, b))
    # Each village's own range where it has no buckets (dense, or its households changed between the queries).
    for v, _n, _c, a, b in villages:
        spans.setdefault(v, [(a, b)])
    starts, total, chunk_spans = [lo], 0, [[]]
    for village, n, *_rest in villages:
        if total and total + (n or 0) > max_persons:
            starts.append(village)
            chunk_spans.append([])
            total = 0
        total += n or 0
        chunk_spans[-1].extend(spans[village])
    # Contiguous ranges covering the whole subtree, so villages without households (village rules) fall in one.
    ends = [str(int(nxt) - 1).zfill(len(nxt)) for nxt in starts[1:]] + [hi]
    return list(zip(starts, ends, strict=True)), [id_ranges(s) for s in chunk_spans]


def id_ranges(spans: list[tuple[int, int]], *, gap: int | None = None, most: int | None = None) -> IdRanges:
    """The id ranges covering ``spans`` (smallest, largest id of each group): overlapping ones and those with at
    most ``gap`` ids between them merged, then the closest merged until at most ``most`` are left. ``[(0, 0)]``
    (no id) for none."""
    gap = ID_GAP if gap is None else gap
    most = MAX_ID_RANGES if most is None else most
    merged: IdRanges = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] - 1 <= gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    if len(merged) > most:
        # Keep the ``most - 1`` widest gaps between ranges; the ranges between two kept gaps become one.
        gaps = sorted(range(len(merged) - 1), key=lambda k: merged[k + 1][0] - merged[k][1], reverse=True)
        kept, start = [], 0
        for k in sorted(gaps[:most - 1]):
            kept.append((merged[start][0], merged[k][1]))
            start = k + 1
        merged = [*kept, (merged[start][0], merged[-1][1])]
    return merged or [(0, 0)]


def _keyed(f: pl.DataFrame) -> pl.DataFrame:
    """Findings with their problem key, in key order. A run sorts each chunk's findings as they come: the whole
    run's are then runs of sorted rows, which :func:`reconcile` puts in order in a fraction of a full sort (10M
    persons, 3.4M findings: ~1 s instead of ~2.5 s)."""
    return _keys(f).sort("key", maintain_order=True)


def _keys(f: pl.DataFrame) -> pl.DataFrame:
    """Findings with their problem key (rule|household|member|village); as given if they have it already."""
    if "key" in f.columns:
        return f
    return f.with_columns(pl.concat_str([
        pl.col("rule"), pl.col("household_id").cast(pl.Utf8).fill_null(""),
        pl.col("member_id").cast(pl.Utf8).fill_null(""),
        pl.when(pl.col("level") == VILLAGE).then(pl.col("village_id")).otherwise(pl.lit(""))], separator="|")
        .alias("key"))


def reconcile(findings: pl.DataFrame, *, scope: str, rule_codes: list[str], run: Run | None, actor,
              sqlite_adbc: bool | None = None) -> dict[str, int]:
    """Bring the stored problems of ``rule_codes`` within ``scope`` (SQL over alias ``p``) in line with
    ``findings``. Returns counts: new, reopened, lapsed (exemption), fixed, unchanged."""
    now = timezone.now()
    user_id = getattr(actor, "pk", None)
    user_name = getattr(actor, "username", "") or "system"
    run_id = run.pk if run else None
    # In key order (stable: of two findings with one key the first is kept), duplicates then side by side.
    f = _keys(findings).sort("key", maintain_order=True)
    f = f.filter(pl.col("key") != pl.col("key").shift(1).fill_null(""))
    # Findings of a rule switched off in part of the scope still match their problems; only ``rule_codes`` close.
    match_codes = sorted(set(rule_codes) | set(f["rule"].unique().to_list()))
    codes_sql = ", ".join(f"'{c}'" for c in match_codes) or "''"
    with Writer(lock_models=(Problem,), sqlite_adbc=sqlite_adbc) as w:
        existing = w.query(
            f"SELECT CAST(p.id AS TEXT) AS id, p.key, p.rule_code, p.status, p.exemption_version, "
            f"p.message AS db_message, p.data_version AS db_data_version "
            f"FROM quality_problem p WHERE {scope} AND p.rule_code IN ({codes_sql})")
        if not existing.height:
            existing = pl.DataFrame(schema={"id": pl.Utf8, "key": pl.Utf8, "rule_code": pl.Utf8, "status": pl.Utf8,
                                            "exemption_version": pl.Utf8, "db_message": pl.Utf8,
                                            "db_data_version": pl.Utf8})
        existing = existing.with_columns(pl.col("id").cast(pl.Int64),
                                         *[pl.col(c).fill_null("") for c in ("exemption_version", "db_message",
                                                                             "db_data_version")])
        j = f.join(existing.drop("rule_code"), on="key", how="left", maintain_order="left")
        new = j.filter(pl.col("id").is_null())
        seen = j.filter(pl.col("id").is_not_null())
        lapsed = seen.filter((pl.col("status") == "exempted") & (pl.col("exemption_version") != pl.col("data_version")))
        reopened = seen.filter(pl.col("status") == "fixed")
        to_open = pl.concat([lapsed, reopened])
        gone = existing.filter(pl.col("status").is_in(ACTIVE) & pl.col("rule_code").is_in(list(rule_codes))) \
            .select("id", "key", "status").join(f.select("key"), on="key", how="anti")

        # New problems. A first run writes hundreds of thousands: then the table's indexes, keys and foreign keys
        # are dropped and rebuilt after the load (one pass each, instead of per-row index maintenance and per-row
        # deferred foreign-key checks at commit).
        big = new.height > BIG_LOAD and new.height > existing.height
        table = Problem._meta.db_table
        constraints = []
        if big and w.vendor == "postgresql":
            # For this transaction only: the index builds sort in memory, and re-adding the foreign keys checks
            # every row against the registry with joins that would spill to disk with the default 4 MB. No JIT:
            # compiling the checks' queries costs more than it saves.
            w.batch_memory()
            constraints = _drop_constraints(w, table)
        # The partial indexes of exemptions stay: no new problem has one (rebuilt, at 10M persons they would scan
        # the loaded table twice for no row, ~0.9 s).
        with w.deferred_indexes([table], enabled=big, keep=EXEMPTION_INDEXES):
            _insert_new(w, new, run_id=run_id, now=now, big=big)
        if constraints:
            _add_constraints(w, table, constraints)
        # Still there: rows are written only where the text or the data version moved (an unchanged problem is
        # confirmed by the run itself: rewriting 300k rows a run would dominate its time).
        moved = seen.with_columns(pl.col("message").str.slice(0, 300)).filter(
            (pl.col("message") != pl.col("db_message")) | (pl.col("data_version") != pl.col("db_data_version")))
        if moved.height:
            w.update(Problem, moved.select("id", "message", "data_version",
                                           pl.lit(run_id, dtype=pl.Int64).alias("last_run_id")),
                     version_check=False, bump_version=False, stamps={"last_seen_at": now})
        if to_open.height:
            due = timezone.localdate() + dt.timedelta(days=_due_days())
            w.update(Problem, to_open.select("id", pl.lit("open").alias("status")), version_check=False,
                     stamps={"closed_at": None, "due_date": due})
            if lapsed.height:
                _events(w, lapsed["id"], "exempted", "open", "数据已变更，豁免失效，复核仍有问题", now, user_id,
                        user_name, run_id)
            if reopened.height:
                _events(w, reopened["id"], "fixed", "open", "复核再次发现问题", now, user_id, user_name, run_id)
        if gone.height:
            w.update(Problem, gone.select("id", pl.lit("fixed").alias("status")), version_check=False,
                     stamps={"closed_at": now})
            for status, label in (("open", "复核通过，问题已整改"), ("pending", "复核通过，问题已整改（豁免申请不再需要）"),
                                  ("exempted", "复核通过，数据已不再触发该规则")):
                part = gone.filter(pl.col("status") == status)
                if part.height:
                    _events(w, part["id"], status, "fixed", label, now, user_id, user_name, run_id)
        w.finish([Problem, ProblemEvent])
    return {"new": new.height, "reopened": reopened.height, "lapsed": lapsed.height, "fixed": gone.height,
            "unchanged": seen.height - to_open.height}


def _insert_new(w: Writer, new: pl.DataFrame, *, run_id, now, big: bool = False) -> None:
    """Open problems for findings that have none yet. The finding itself is the first entry of their history
    (found_at and first_run say it), so no event row is written for it."""
    if not new.height:
        return
    # In key order (:func:`reconcile` sorted the findings): the unique key index then grows at its right edge
    # instead of taking 300k inserts at random places, or (a first run on PostgreSQL, :func:`_drop_constraints`)
    # is built over presorted rows, and so is the (rule, status) index, the key starting with the rule: building
    # both over unsorted rows takes ~5 s more at 10M persons.
    first = w.next_id(Problem)
    ids = pl.int_range(first, first + new.height, dtype=pl.Int64, eager=True)
    due = timezone.localdate() + dt.timedelta(days=_due_days())
    n = new.height
    frame = model_frame(Problem, {
        "id": ids, "key": new["key"], "rule_code": new["rule"], "level": new["level"],
        "severity": new["severity"], "village_id": new["village_id"], "household_id": new["household_id"],
        "member_id": new["member_id"], "household_number": new["household_number"].fill_null(""),
        "member_name": new["member_name"].fill_null(""), "message": new["message"].str.slice(0, 300),
        "status": pl.repeat("open", n, eager=True), "data_version": new["data_version"].fill_null(""),
        "first_run_id": pl.repeat(run_id, n, eager=True, dtype=pl.Int64),
        "last_run_id": pl.repeat(run_id, n, eager=True, dtype=pl.Int64),
        "found_at": pl.repeat(now, n, eager=True), "last_seen_at": pl.repeat(now, n, eager=True),
        "due_date": pl.repeat(due, n, eager=True),
        "closed_at": pl.Series([None] * n, dtype=pl.Datetime("us", "UTC")), "exemption_evidence": "",
    }, n)
    if not (big and w.vendor == "postgresql"):
        w.insert(Problem, frame)
        return
    # A first run on PostgreSQL: the columns every new problem shares are column defaults for the load instead
    # of values parsed 3M times from COPY's text (timestamps above all; ~25% of the load), dropped again after
    # it, in the same transaction.
    same = {c: frame[c][0] for c in frame.columns if _constant(frame[c])}
    table = Problem._meta.db_table
    defaults = [(c, _sql_literal(v)) for c, v in same.items() if v is not None]
    w.execute(f'ALTER TABLE "{table}" ' + ", ".join(f'ALTER COLUMN "{c}" SET DEFAULT {v}' for c, v in defaults))
    w.insert(Problem, frame.drop(list(same)))
    w.execute(f'ALTER TABLE "{table}" ' + ", ".join(f'ALTER COLUMN "{c}" DROP DEFAULT' for c, _v in defaults))


# Referenced tables larger than this (bytes) are matched by a merge join when a foreign key is re-added (see
# :func:`_add_constraints`): the registry's members and households, not villages, users or runs. By size, not by
# the planner's row estimate, which a table never analyzed lacks.
MERGE_CHECK_BYTES = 32 * 1024 * 1024


class _Constraint(NamedTuple):
    table: str  # as SQL (quoted where needed)
    name: str
    definition: str
    kind: str  # p primary key, u unique, f foreign key
    referenced: float  # size of the referenced table in bytes (foreign keys)
    columns: str  # the constrained columns, as SQL


def _drop_constraints(w: Writer, table: str) -> list[_Constraint]:
    """Drop the primary key, unique constraints and foreign keys of ``table`` and the foreign keys of other tables
    referencing it (PostgreSQL) for a first-run load; returns them in the order :func:`_add_constraints` re-adds
    them (keys first, then the foreign keys that need them).

    Their indexes are built after the load like the other indexes, one sort each, and re-adding a constraint
    checks it over every row all the same. The unique key: ~1 s less at 10M persons than inserting 3M keys into
    it one by one. The primary key: maintained row by row it took a third of the load (3.4M problems: COPY
    8.8 s with it, 6.0 s without), built after over the loaded ids it takes well under a second."""
    found = w.query(
        f"SELECT CAST(c.conrelid::regclass AS TEXT) AS tbl, c.conname AS name, "
        f"pg_get_constraintdef(c.oid) AS definition, CAST(c.contype AS TEXT) AS kind, "
        f"CAST(COALESCE(pg_relation_size(c.confrelid), 0) AS TEXT) AS referenced, "
        f"(SELECT string_agg(quote_ident(a.attname), ', ') "
        f"FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) AS columns "
        f"FROM pg_constraint c "
        f"WHERE (c.conrelid = '\"{table}\"'::regclass AND c.contype IN ('p', 'u', 'f')) "
        f"OR (c.confrelid = '\"{table}\"'::regclass AND c.contype = 'f') "
        f"ORDER BY CASE c.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, "
        f"c.conrelid <> '\"{table}\"'::regclass, c.conname")
    rows = [_Constraint(t, n, d, k, float(r), c) for t, n, d, k, r, c in found.iter_rows()]
    for c in reversed(rows):  # the keys last: other tables' foreign keys depend on them
        w.execute(f'ALTER TABLE {c.table} DROP CONSTRAINT "{c.name}"')
    return rows


def _add_constraints(w: Writer, table: str, constraints: list[_Constraint]) -> None:
    """Re-add what :func:`_drop_constraints` dropped: keys first, then each foreign key, which PostgreSQL
    validates with one join of the whole table against the referenced one. The join's kind is chosen per key: a
    hash of a large referenced table (10M members) costs more than merging it in key order with the new index,
    while a small one (villages, users) is hashed at once, where a merge would sort millions of rows (villages at
    10M persons: 0.8 s instead of 2.3 s)."""
    own = f'"{table}"'
    fk_columns = sorted({col for c in constraints if c.kind == "f" and c.table.strip('"') == table
                         for col in c.columns.split(", ")})
    analyzed = False
    for c in constraints:
        if c.kind == "f":
            if not analyzed and fk_columns:
                # Statistics of the loaded foreign-key columns first (0.1-0.2 s; the whole table would take
                # ~0.4 s): a check over a column no new row sets (the exemption users) then reads the empty
                # partial index instead of scanning the table (10M persons: ~0.5 s each).
                w.execute(f'ANALYZE {own} ({", ".join(fk_columns)})')
                analyzed = True
            w.execute(f"SET LOCAL enable_hashjoin = {'off' if c.referenced > MERGE_CHECK_BYTES else 'on'}")
        w.execute(f'ALTER TABLE {c.table} ADD CONSTRAINT "{c.name}" {c.definition}')
    w.execute("SET LOCAL enable_hashjoin TO DEFAULT")


def _constant(s: pl.Series) -> bool:
    """Whether every value of ``s`` is the first one (or all are null): a comparison with the first value, not a
    count of distinct values (hashing 3M keys and messages for nothing)."""
    if s.null_count():
        return s.null_count() == s.len()
    return bool((s == s[0]).all())


def _sql_literal(value) -> str:
    """A constant as SQL text (ints, dates, times, plain strings)."""
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'::date"
    return "'" + str(value).replace("'", "''") + "'"


def _events(w: Writer, ids: pl.Series, from_status: str, to_status: str, comment: str, now, user_id, user_name,
            run_id) -> None:
    n = len(ids)
    first = w.next_id(ProblemEvent)
    w.insert(ProblemEvent, model_frame(ProblemEvent, {
        "id": pl.int_range(first, first + n, dtype=pl.Int64, eager=True), "problem_id": ids.cast(pl.Int64),
        "time": pl.repeat(now, n, eager=True), "user_id": pl.repeat(user_id, n, eager=True, dtype=pl.Int64),
        "user_name": pl.repeat(user_name, n, eager=True), "run_id": pl.repeat(run_id, n, eager=True, dtype=pl.Int64),
        "from_status": pl.repeat(from_status, n, eager=True), "to_status": pl.repeat(to_status, n, eager=True),
        "comment": pl.repeat(comment, n, eager=True)}, n))


# --- checks while editing --------------------------------------------------------------------------------------
def household_check(*, household, actor=None, check_date: dt.date | None = None, record: bool = True
                    ) -> pl.DataFrame:
    """Run every enabled person and household rule on one household (after a save, or on demand).

    Returns the findings (the same codes and messages as a run). With ``record`` the household's problems are
    reconciled at once: what the edit fixed is closed, what it introduced is opened."""
    check_date = check_date or timezone.localdate()
    rules = [r for r in catalogue.select(None) if r.level != VILLAGE]
    resolved = params.resolve(rules, household.village_id, check_date.year)
    fr = frames.load(check_date=check_date, household_ids=[household.pk])
    findings = engine.evaluate(fr, rules, resolved).findings
    if record:
        settled = [r.code for r in rules if all(p is not None for _s, p in resolved[r.code])]
        # Duplicate IDs across households need the whole area: a one-household check cannot close them.
        settled = [c for c in settled if c != "1_01_001"]
        findings_scoped = findings.filter(pl.col("rule").is_in(settled))
        reconcile(findings_scoped, scope=f"p.household_id = {int(household.pk)}", rule_codes=settled, run=None,
                  actor=actor, sqlite_adbc=False)
    return findings.sort(pl.col("severity") != "error", "rule")


def findings_as_messages(findings: pl.DataFrame) -> list[dict]:
    """For forms and the API: rule, severity, message, who, fields to fix."""
    out = []
    for row in findings.iter_rows(named=True):
        rule = catalogue.CATALOGUE.get(row["rule"])
        out.append({"rule": row["rule"], "severity": row["severity"], "title": rule.title if rule else "",
                    "message": row["message"], "member": row["member_name"] or "",
                    "fields": list(rule.fields) if rule else []})
    return out


# --- problem workflow ------------------------------------------------------------------------------------------
def _event(problem: Problem, *, actor, from_status: str, to_status: str, comment: str) -> None:
    ProblemEvent.objects.create(problem=problem, time=timezone.now(), user=actor if getattr(actor, "pk", None)
                                else None, user_name=getattr(actor, "username", "") or "system",
                                from_status=from_status, to_status=to_status, comment=comment[:500])


def _transition(problem: Problem, *, expected_version: int | None, allowed_from: tuple[str, ...], to: str,
                fields: dict, actor, comment: str) -> Problem:
    """The one place a problem's status changes by hand: checked transition, version check, event."""
    if expected_version is not None and int(expected_version) != problem.version:
        raise ConcurrentEditError("该问题刚被他人处理过，请刷新页面后再操作")
    if problem.status not in allowed_from:
        raise ApplicationError(f"问题当前状态为“{problem.get_status_display()}”，不能执行此操作")
    with transaction.atomic():
        updated = Problem.objects.filter(pk=problem.pk, version=problem.version).update(
            status=to, version=problem.version + 1, **fields)
        if not updated:
            raise ConcurrentEditError("该问题刚被他人处理过，请刷新页面后再操作")
        _event(problem, actor=actor, from_status=problem.status, to_status=to, comment=comment)
    problem.refresh_from_db()
    return problem


def exemption_request(*, actor, problem: Problem, reason: str, evidence=None,
                      expected_version: int | None = None) -> Problem:
    """The village asks to exempt a problem (豁免): a reason (and evidence) for the township or county to judge."""
    _require(actor, "quality.fix", problem.village_id, "申请豁免")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ApplicationError("请填写豁免理由（至少5个字），说明数据为何属实", field_errors={"reason": ["豁免理由至少5个字"]})
    fields = {"exemption_reason": reason, "exemption_requested_by": actor if getattr(actor, "pk", None) else None}
    if evidence:
        problem.exemption_evidence.save(evidence.name, evidence, save=False)
        fields["exemption_evidence"] = problem.exemption_evidence.name
    return _transition(problem, expected_version=expected_version, allowed_from=("open",), to="pending",
                       fields=fields, actor=actor, comment=f"申请豁免：{reason}")


def exemption_decide(*, actor, problem: Problem, approve: bool, comment: str = "",
                     expected_version: int | None = None) -> Problem:
    """Township or county approves (the problem stays out of the lists until the data changes) or rejects."""
    _require(actor, "quality.approve", problem.village_id, "审核豁免")
    if getattr(actor, "pk", None) and problem.exemption_requested_by_id == actor.pk:
        raise ApplicationError("不能审核自己提出的豁免申请")
    reviewer = actor if getattr(actor, "pk", None) else None
    if approve:
        return _transition(problem, expected_version=expected_version, allowed_from=("pending",), to="exempted",
                           fields={"exemption_reviewed_by": reviewer, "exemption_version": problem.data_version,
                                   "closed_at": timezone.now()},
                           actor=actor, comment=f"同意豁免{('：' + comment) if comment else ''}")
    if not (comment or "").strip():
        raise ApplicationError("驳回豁免申请时请填写驳回理由", field_errors={"comment": ["请填写驳回理由"]})
    return _transition(problem, expected_version=expected_version, allowed_from=("pending",), to="open",
                       fields={"exemption_reviewed_by": reviewer}, actor=actor, comment=f"驳回豁免：{comment}")


# --- rule settings ----------------------------------------------------------------------------------------------
def rule_setting_save(*, actor, rule_code: str, area: Area, year: int, enabled: bool, values: dict,
                      note: str = "", expected_version: int | None = None) -> RuleSetting:
    """Create or change the setting of a rule for an area (province or county) and year; values are checked."""
    _require(actor, "quality.configure", area.code, "设置规则参数")
    if area.level not in (1, 2, 3):
        raise ApplicationError("规则参数只能按省、市或县设置", field_errors={"area": ["请选择省、市或县"]})
    try:
        rule = catalogue.get(rule_code)
        clean = {}
        errors: dict[str, list[str]] = {}
        for p in rule.params:
            raw = values.get(p.name, "")
            if raw in ("", None):
                continue  # inherit
            try:
                value = p.parse(raw)
            except ParamError as exc:
                errors.setdefault(p.name, []).append(str(exc))
                continue
            clean[p.name] = value.strftime("%Y-%m") if isinstance(value, dt.date) else value
        if errors:
            raise ApplicationError("参数有误：" + "；".join(m for v in errors.values() for m in v), field_errors=errors)
        rule.resolve(clean)  # cross-parameter checks (min ≤ max) on what this setting gives
    except ParamError as exc:
        raise ApplicationError(str(exc)) from None
    existing = RuleSetting.objects.filter(rule_code=rule_code, area=area, year=year).first()
    if existing is None:
        return create_logged(actor=actor, instance=RuleSetting(rule_code=rule_code, area=area, year=year,
                                                                enabled=enabled, params=clean, note=note),
                             summary="设置规则参数")
    update_logged(actor=actor, instance=existing, changes={"enabled": enabled, "params": clean, "note": note},
                  expected_version=expected_version, summary="修改规则参数")
    return existing
