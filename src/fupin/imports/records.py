"""The national system's other exports: one row per household, work record or village, loaded onto the registry.

The person layout (``validate``/``engine``) creates households and members. These files add to what is there:

- （乡村建设）户信息 — a household's land, road, power, toilet and housing (matched by 户编号; the household
  must exist);
- （务工月监测）已外出务工信息 / 计划外出务工信息 — members' work records (the member by 证件号码 inside the
  household 户编号; a record by member, kind and 务工开始时间);
- （自定义）行政村信息 — a village's profile (the village by 县/乡/村 names or 行政村代码).

Each is one :class:`RecordLayout`: its columns (model fields with the national headers as aliases), the columns it
needs, and how a row finds its record. Rows are parsed with the same cell parsers and area resolution as the
person layout, compared with the registry in the same canonical form, and loaded in one writer transaction with
a change-log entry per created or changed record — all or nothing, unchanged rows untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from django.utils import timezone

from fupin.areas.models import VillageProfile
from fupin.batch.bulkload import Writer, model_frame
from fupin.batch.readers import Table
from fupin.core.errors import ApplicationError, ConcurrentEditError
from fupin.core.models import ObjectChange
from fupin.registry.models import Household, WorkRecord

from .engine import _changed_parts, _changes, _db_select, _typed, changed_rows, insert_log
from .layouts import (
    HOUSEHOLD,
    Column,
    _field_column,
    _h,
    alias_index,
    column_id,
    match_headers,
    person_columns,
)
from .validate import ERROR, HH, ROW, Problems, _parse_source, _resolve_villages

WORK, VILLAGE = "work", "village"


@dataclass(frozen=True)
class RecordLayout:
    key: str
    title: str
    model: type
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # column ids the file must have (besides the village)
    signature: tuple[str, ...]  # column ids that only this layout has: one of them makes a file this layout
    kind: str = ""  # WorkRecord.kind for the work layouts

    @functools.cached_property
    def index(self) -> dict[str, Column]:
        return alias_index(self.columns)

    @property
    def target(self) -> str:
        return {Household: HOUSEHOLD, WorkRecord: WORK, VillageProfile: VILLAGE}[self.model]

    @property
    def keys(self) -> tuple[str, ...]:
        """Columns that find the record (not compared): the household's number, the member's ID number."""
        return {HOUSEHOLD: (HH,), WORK: (HH, "member.id_number"), VILLAGE: ()}[self.target]

    @property
    def unique(self) -> list[str]:
        """What may appear once per file."""
        return {HOUSEHOLD: [HH], WORK: ["member.id_number", "work.start_month"], VILLAGE: ["_village"]}[self.target]

    def fields(self, present: set[str]) -> list[str]:
        """The model fields the file's columns set."""
        return [c.key for c in self.columns if c.target == self.target and column_id(c) in present]


def _person_column(cid: str) -> Column:
    return next(c for c in person_columns() if column_id(c) == cid)


def _area_columns() -> list[Column]:
    return [_person_column(f"area.{k}") for k in ("county", "township", "village", "village_code")]


def _w(name, **kw) -> Column:
    return _field_column(WorkRecord, name, WORK, **kw)


def _v(name, **kw) -> Column:
    return _field_column(VillageProfile, name, VILLAGE, **kw)


@functools.cache
def record_layouts() -> tuple[RecordLayout, ...]:
    living = (
        _h("land_cultivated", aliases=("耕地面积", "耕地")), _h("land_irrigated", aliases=("有效灌溉面积",)),
        _h("land_forest", aliases=("林地面积", "林地")), _h("land_returned", aliases=("退耕还林面积", "退耕还林")),
        _h("land_orchard", aliases=("林果面积", "林果")), _h("land_pasture", aliases=("牧草地面积", "牧草地")),
        _h("land_water", aliases=("水面面积", "水面")),
        _h("road_distance_km", aliases=("与村主干路距离", "距村主干路距离")),
        _h("entry_road", aliases=("入户路类型",)), _h("entry_road_hardened"), _h("has_living_power"),
        _h("has_sanitary_toilet"), _h("toilet_usable"), _h("housing_area", aliases=("住房面积",)),
        _h("water_difficult"), _h("main_fuel"),
    )
    work = (
        _w("place"), _w("county"), _w("channel"), _w("start_month", aliases=("开始务工时间",)),
        _w("end_month", aliases=("结束务工时间",)), _w("monthly_income", aliases=("月收入", "务工月收入")),
        _w("transport_subsidy", aliases=("年度交通费补助", "交通费补助")), _w("need"),
    )
    village = (
        _v("is_exited", aliases=("是否已出列",)), _v("total_households"), _v("total_population"),
        _v("dibao_persons", aliases=("享受低保人数", "低保对象人数")), _v("tekun_persons", aliases=("特困人数",)),
        _v("disabled_persons", aliases=("残疾人口数",)), _v("dangerous_houses", aliases=("危房数",)),
        _v("collective_income", aliases=("村集体经济收入", "集体经济收入")), _v("has_featured_industry"),
        _v("has_hardened_road"), _v("has_bus"), _v("has_power"), _v("has_broadband"), _v("has_clinic"),
        _v("has_doctor"), _v("has_school"), _v("has_service_center"), _v("has_tv"),
        _v("sanitary_toilet_rate", aliases=("卫生厕所普及率",)), _v("first_secretary"),
        _v("first_secretary_phone"), _v("work_team"),
    )
    number, id_number = _person_column(HH), _person_column("member.id_number")
    areas = tuple(_area_columns())
    return (
        # The household file's 证件号码 (the head's) is not read: the household is found by 户编号.
        RecordLayout("living", "（乡村建设）户信息", Household, (*areas, number, *living),
                     required=(HH,), signature=tuple(column_id(c) for c in living)),
        RecordLayout("work-actual", "（务工月监测）已外出务工信息", WorkRecord, (*areas, number, id_number, *work),
                     required=(HH, "member.id_number", "work.place"), signature=tuple(column_id(c) for c in work),
                     kind=WorkRecord.Kind.ACTUAL),
        RecordLayout("work-planned", "（务工月监测）计划外出务工信息", WorkRecord, (*areas, number, id_number, *work),
                     required=(HH, "member.id_number", "work.place"), signature=tuple(column_id(c) for c in work),
                     kind=WorkRecord.Kind.PLANNED),
        RecordLayout("villages", "（自定义）行政村信息", VillageProfile, (*areas, *village),
                     required=(), signature=tuple(column_id(c) for c in village)),
    )


def layout_by_key(key: str) -> RecordLayout:
    return next(layout for layout in record_layouts() if layout.key == key)


def header_score_any(row: list[str]) -> int:
    """How many cells of a row name a column of the person layout or of any record layout (finds the header)."""
    from .layouts import header_score

    cells = [str(c) for c in row if c]
    best = header_score(cells)
    for layout in record_layouts():
        best = max(best, sum(1 for c in cells if match_headers([c], layout.index).columns))
    return best


def detect(table: Table, *, name: str = "") -> RecordLayout | None:
    """The record layout a file is in, or None (a person-layout file, or nothing known)."""
    found = []
    for layout in record_layouts():
        match = match_headers(table.headers, layout.index)
        hits = sum(1 for cid in layout.signature if cid in match.columns)
        if hits:
            found.append((hits, layout))
    if not found:
        return None
    best = max(found, key=lambda x: x[0])[1]
    if best.model is WorkRecord:  # the two work files share their columns: the file or sheet name tells
        planned = "计划" in f"{name} {table.sheet or ''}"
        best = layout_by_key("work-planned" if planned else "work-actual")
    return best


@dataclass
class ParsedRecords:
    layout: RecordLayout
    rows: pl.DataFrame  # _row, typed columns by column id, _village
    problems: pl.DataFrame
    present: set[str]
    ignored_headers: list[str]
    rows_read: int


def parse_records(table: Table, layout: RecordLayout, *, villages: pl.DataFrame,
                  today: dt.date | None = None) -> ParsedRecords:
    today = today or dt.date.today()
    match = match_headers(table.headers, layout.index)
    cols = {column_id(c): c for c in layout.columns}
    missing = [cid for cid in layout.required if cid not in match.columns]
    if missing:
        names = "、".join(f"“{cols[c].label}”" for c in missing)
        raise ApplicationError(f"{layout.title}文件缺少必填列：{names}（表头在第{table.header_row}行）",
                               code="missing_columns")
    if "area.village_code" not in match.columns and "area.village" not in match.columns:
        raise ApplicationError("文件缺少行政村列：请提供“村”（或“行政村”）列，或者“行政村代码”列", code="missing_columns")
    header_of = {cid: headers[0] for cid, headers in match.columns.items()}
    used = list(dict.fromkeys(h for hs in match.columns.values() for h in hs))
    frames = [piece.select(used) for piece in table.frames()]
    raw = pl.concat(frames) if frames else pl.DataFrame(schema={h: pl.Utf8 for h in used})
    del frames
    first = table.header_row + 1
    problems = Problems()
    out = {ROW: pl.int_range(first, first + raw.height, dtype=pl.Int64, eager=True).alias(ROW)}
    filled_any = pl.repeat(False, raw.height, dtype=pl.Boolean, eager=True)
    for cid, headers in match.columns.items():
        value, filled, message = _parse_source(cols[cid], raw.select(headers), headers, today)
        out[cid] = value.alias(cid)
        filled_any = filled_any | filled
        if message.null_count() < message.len():
            frame = pl.DataFrame([out[ROW], message.alias("message")]).filter(pl.col("message").is_not_null())
            problems.add(frame.select(ROW, pl.lit(header_of[cid]).alias("column"), "message"))
    df = pl.DataFrame(list(out.values())).filter(filled_any)  # blank lines are not rows
    present = set(match.columns)

    def header(cid: str) -> str:
        return header_of.get(cid) or cols[cid].label

    for cid in layout.required:
        problems.add(df.filter(pl.col(cid).is_null()).select(
            ROW, pl.lit(header(cid)).alias("column"), pl.lit(f"“{cols[cid].label}”不能为空").alias("message")))
    if "household.land_irrigated" in present and "household.land_cultivated" in present:
        problems.add(df.filter(pl.col("household.land_irrigated") > pl.col("household.land_cultivated")).select(
            ROW, pl.lit(header("household.land_irrigated")).alias("column"),
            pl.lit("有效灌溉面积不能大于耕地面积").alias("message")))
    if "work.end_month" in present and "work.start_month" in present:
        problems.add(df.filter(pl.col("work.end_month") < pl.col("work.start_month")).select(
            ROW, pl.lit(header("work.end_month")).alias("column"), pl.lit("务工结束时间不能早于开始时间").alias("message")))
    df, area_problems = _resolve_villages(df, villages, present, header)
    for frame in area_problems:
        problems.add(frame)
    # One row per record in the file.
    key = layout.unique
    if all(k in df.columns for k in key):
        dup = df.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in key if k != "work.start_month"])
                        & (pl.len().over(key) > 1))
        what = {HOUSEHOLD: "户编号", WORK: "同一成员同一开始时间的务工信息", VILLAGE: "行政村"}[layout.target]
        problems.add(dup.select(ROW, pl.lit(header(key[0]) if key[0] != "_village" else "村").alias("column"),
                                pl.format("{}在文件中重复（第{}行也有）", pl.lit(what),
                                          pl.col(ROW).min().over(key)).alias("message")))
    return ParsedRecords(layout=layout, rows=df, problems=problems.frame(), present=present,
                         ignored_headers=match.unknown, rows_read=df.height)


# -- plan and load ---------------------------------------------------------------------------------------------
@dataclass
class RecordPlan:
    new: pl.DataFrame  # field columns of records to create, with household_id / member_id / _village
    changed: pl.DataFrame  # db.id, db.version, fields, db.fields, ~flags, household_id, _village
    fields: list[str]
    kinds: dict[str, str]
    counts: dict[str, int]
    problems: pl.DataFrame  # found against the registry (added to the file's problems)
    accepted_rows: int = 0


NO_PROBLEMS = {ROW: pl.Int64, "column": pl.Utf8, "message": pl.Utf8, "severity": pl.Utf8}


def _text_frame(df: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return df if df.height else pl.DataFrame(schema={c: pl.Utf8 for c in columns})


def _problem(frame: pl.DataFrame, column: str, message: pl.Expr) -> pl.DataFrame:
    return frame.select(pl.col(ROW).cast(pl.Int64), pl.lit(column).alias("column"), message.alias("message"),
                        pl.lit(ERROR).alias("severity"))


def plan_records(w: Writer, parsed: ParsedRecords) -> RecordPlan:
    """Find each row's record in the registry (rows that cannot are errors) and what differs."""
    layout = parsed.layout
    fields = layout.fields(parsed.present)
    target = layout.target
    kinds = {c.key: c.kind for c in layout.columns if c.target == target and c.key in fields}
    bad = parsed.problems.filter(pl.col("severity") == ERROR).select(ROW).unique()
    rows = parsed.rows.join(bad, on=ROW, how="anti")
    file = rows.select(ROW, "_village", *[k for k in layout.keys if k in rows.columns],
                       *[pl.col(f"{target}.{f}").alias(f) for f in fields])
    found: list[pl.DataFrame] = []
    in_other_village = "户编号{}在系统中属于其他村（{}）"
    if target == HOUSEHOLD:
        stage = w.stage(file.select(pl.col(HH).alias("number")).unique())
        db = _text_frame(w.query(f'SELECT CAST(h.id AS TEXT) AS id, h.number, h.village_id FROM registry_household h '
                                 f'JOIN "{stage}" s ON h.number = s.number'), ("id", "number", "village_id"))
        j = file.join(db.rename({"number": HH}), on=HH, how="left")
        found.append(_problem(j.filter(pl.col("id").is_null()), "户编号", pl.format(
            "户编号{}在系统中不存在：请先导入该户的监测对象/基础信息", pl.col(HH))))
        found.append(_problem(j.filter(pl.col("id").is_not_null() & (pl.col("village_id") != pl.col("_village"))),
                              "行政村", pl.format(in_other_village, pl.col(HH), pl.col("village_id"))))
        ok = j.filter(pl.col("id").is_not_null() & (pl.col("village_id") == pl.col("_village")))
        matched = ok.select(ROW, pl.col("id").alias("db.id"), pl.col("id").cast(pl.Int64).alias("household_id"))
        new = file.clear()
    elif target == WORK:
        stage = w.stage(file.select(pl.col("member.id_number").alias("n")).unique())
        active = "m.is_active" if w.vendor == "postgresql" else "m.is_active = 1"
        db = _text_frame(w.query(
            f'SELECT CAST(m.id AS TEXT) AS member_id, m.id_number, CAST(h.id AS TEXT) AS household_id, '
            f'h.number AS hh, h.village_id FROM registry_member m JOIN registry_household h ON h.id = m.household_id '
            f'JOIN "{stage}" s ON m.id_number = s.n WHERE {active}'),
            ("member_id", "id_number", "household_id", "hh", "village_id"))
        j = file.join(db.rename({"id_number": "member.id_number"}), on="member.id_number", how="left")
        known = pl.col("member_id").is_not_null()
        found.append(_problem(j.filter(~known), "证件号码", pl.format(
            "证件号码为{}的在户成员在系统中不存在", pl.col("member.id_number"))))
        found.append(_problem(j.filter(known & (pl.col("hh") != pl.col(HH))), "户编号", pl.format(
            "该成员在系统中属于户{}，与文件中的户编号不一致", pl.col("hh"))))
        found.append(_problem(j.filter(known & (pl.col("hh") == pl.col(HH)) & (pl.col("village_id")
                                                                            != pl.col("_village"))),
                              "行政村", pl.format(in_other_village, pl.col(HH), pl.col("village_id"))))
        ok = j.filter(known & (pl.col("hh") == pl.col(HH)) & (pl.col("village_id") == pl.col("_village")))
        ok = ok.with_columns(pl.col("member_id").cast(pl.Int64), pl.col("household_id").cast(pl.Int64),
                             pl.col("start_month").cast(pl.Utf8).fill_null("").alias("_start")) \
            if "start_month" in ok.columns else ok.with_columns(
                pl.col("member_id").cast(pl.Int64), pl.col("household_id").cast(pl.Int64), pl.lit("").alias("_start"))
        members = w.stage(ok.select("member_id").unique())
        existing = _text_frame(w.query(
            f'SELECT CAST(r.id AS TEXT) AS id, CAST(r.member_id AS TEXT) AS member_id, '
            f'CAST(r.start_month AS TEXT) AS start FROM registry_workrecord r '
            f"JOIN \"{members}\" s ON r.member_id = s.member_id WHERE r.kind = '{layout.kind}'"),
            ("id", "member_id", "start"))
        existing = existing.select(pl.col("id").alias("db.id"), pl.col("member_id").cast(pl.Int64),
                                   pl.col("start").fill_null("").str.slice(0, 10).alias("_start"))
        existing = existing.unique(subset=["member_id", "_start"], keep="first")
        j2 = ok.join(existing, on=["member_id", "_start"], how="left")
        matched = j2.filter(pl.col("db.id").is_not_null()).select(ROW, "db.id", "household_id")
        new = j2.filter(pl.col("db.id").is_null()).select(*file.columns, "member_id", "household_id")
    else:
        ids = w.stage(file.select(pl.col("_village").alias("v")).drop_nulls().unique())
        db = _text_frame(w.query(f'SELECT p.village_id FROM areas_villageprofile p JOIN "{ids}" s ON p.village_id = s.v'),
                         ("village_id",))
        have = pl.col("_village").is_in(db["village_id"].implode())
        matched = file.filter(have).select(ROW, pl.col("_village").alias("db.id"),
                                           pl.lit(None, pl.Int64).alias("household_id"))
        new = file.filter(~have).with_columns(pl.lit(None, pl.Int64).alias("household_id"))
    problems = pl.concat(found) if found else pl.DataFrame(schema=NO_PROBLEMS)
    extra = matched.select(ROW, "household_id")
    matched = matched.select(ROW, "db.id")
    if target == VILLAGE:
        changed = _changed_villages(w, file, matched, fields, kinds)
    else:
        changed = _changed_parts(w, layout.model, ROW, file, matched, fields, kinds, db_columns=["version", *fields])
    changed = changed.join(extra, on=ROW, how="left")
    counts = {"records_new": new.height, "records_changed": changed.height,
              "records_unchanged": matched.height - changed.height}
    return RecordPlan(new=new, changed=changed, fields=fields, kinds=kinds, counts=counts, problems=problems,
                      accepted_rows=new.height + matched.height)


def _changed_villages(w: Writer, file: pl.DataFrame, matched: pl.DataFrame, fields: list[str],
                      kinds: dict[str, str]) -> pl.DataFrame:
    """Village profiles are few (one per village, keyed by its code): read and compared at once."""
    columns = ("id", "version", *fields)
    if matched.height:
        stage = w.stage(matched.select(pl.col("db.id").alias("v")))
        db = _text_frame(w.query(f'SELECT t.village_id AS id, {_db_select(VillageProfile, ["version", *fields], "t")} '
                                 f'FROM areas_villageprofile t JOIN "{stage}" s ON t.village_id = s.v'), columns)
    else:
        db = pl.DataFrame(schema={c: pl.Utf8 for c in columns})
    rows = file.join(matched, on=ROW, how="inner").join(db.rename({c: f"db.{c}" for c in db.columns}), on="db.id",
                                                        how="inner")
    return changed_rows(rows, fields, kinds)


def apply_records(w: Writer, plan: RecordPlan, layout: RecordLayout, *, actor, job_id, content_type: int,
                  progress: Callable[[str, int], None] | None = None) -> int:
    """Write the plan inside the writer's transaction; returns the number of change-log entries."""
    step = progress or (lambda _m, _p: None)
    now = timezone.now()
    user_id = getattr(actor, "pk", None)
    model = layout.model
    text_key = model is VillageProfile  # keyed by the village code
    log = []
    step("写入", 80)
    if plan.changed.height:
        key = pl.col("db.id") if text_key else pl.col("db.id").cast(pl.Int64)
        upd = plan.changed.select(key.alias("id"), pl.col("db.version").cast(pl.Int64).alias("_version"),
                                  *[pl.col(f) for f in plan.fields])
        upd = upd.with_columns(_typed(upd, model, plan.fields).values())
        n = w.update(model, upd, stamps={"updated_at": now, "updated_by_id": user_id})
        if n != upd.height:
            raise ConcurrentEditError("导入期间有记录被他人修改，导入已撤销，请重新校验后再导入")
        entries = _changes(plan.changed.with_columns(pl.lit(0).alias("db.id")), plan.fields, plan.kinds)
        log.append(_log_rows(plan.changed, layout, "update", plan.changed["db.id"].cast(pl.Utf8),
                             entries["before"], entries["after"]))
    if plan.new.height:
        new = plan.new
        cols = {**_typed(new, model, plan.fields), "created_at": now, "updated_at": now, "created_by_id": user_id,
                "updated_by_id": user_id}
        if model is WorkRecord:
            first = w.next_id(WorkRecord)
            ids = pl.int_range(first, first + new.height, dtype=pl.Int64, eager=True)
            cols |= {"id": ids, "member_id": new["member_id"], "kind": pl.repeat(layout.kind, new.height, eager=True)}
            object_ids = ids.cast(pl.Utf8)
        else:
            cols["village_id"] = new["_village"]
            object_ids = new["_village"]
        w.insert(model, model_frame(model, cols, new.height))
        none = pl.repeat(None, new.height, dtype=pl.Utf8, eager=True)
        log.append(_log_rows(new, layout, "create", object_ids, none, none))
    step("写入变更记录", 92)
    logged = insert_log(w, pl.concat(log).with_columns(pl.lit(content_type, pl.Int64).alias("content_type_id"))
                        if log else pl.DataFrame(), now=now, actor=actor, job_id=job_id)
    w.finish([WorkRecord, ObjectChange] if model is WorkRecord else [ObjectChange])
    return logged


def _log_rows(frame: pl.DataFrame, layout: RecordLayout, action: str, object_ids: pl.Series, before: pl.Series,
              after: pl.Series) -> pl.DataFrame:
    """Change-log rows of one action; on the household's history (and its village's) where there is one."""
    if layout.target == HOUSEHOLD:
        what = pl.col(HH)
    elif layout.target == WORK:
        what = pl.format("{} {}", pl.lit(dict(WorkRecord.Kind.choices)[layout.kind]), pl.col("place").fill_null(""))
    else:
        what = pl.format("{}行政村信息", pl.col("_village"))
    return frame.select(
        pl.lit(action).alias("action"), object_ids.alias("object_id"),
        what.cast(pl.Utf8).str.slice(0, 200).alias("object_repr"), pl.col("household_id").cast(pl.Int64),
        pl.col("_village").fill_null("").alias("area_code"), before.alias("prechange_data"),
        after.alias("postchange_data"))
