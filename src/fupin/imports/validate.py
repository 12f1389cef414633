"""Parse and validate a person-layout file, all rows at once, in Polars.

Produces typed household, member and income frames and a frame of problems (file row, column header, message,
severity). The rules are the registry models' ``clean()`` rules written as column expressions (a per-row
``full_clean`` would take minutes on a million rows); ``tests/imports/test_import.py`` runs ``full_clean`` over what
the importer wrote.

Errors block a row; a household is loaded whole or not at all, so an error in any row of a household holds back
the household. Warnings (completeness rules, such as a 脱贫户 without 脱贫年度, which national exports lack) are
reported and do not block.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from fupin.batch import cells
from fupin.batch.readers import Table
from fupin.core.errors import ApplicationError

from .layouts import (
    HOUSEHOLD,
    HOUSEHOLD_EXTRA,
    INCOME,
    MEMBER,
    REQUIRED,
    Column,
    column_id,
    match_headers,
    person_columns,
)

ERROR, WARNING = "error", "warning"
ROW = "_row"
HH = "household.number"


@dataclass
class Problems:
    parts: list[pl.DataFrame] = field(default_factory=list)

    def add(self, frame: pl.DataFrame, severity: str = ERROR) -> None:
        """``frame`` has columns _row, column, message."""
        if frame.height:
            self.parts.append(frame.select(pl.col(ROW).cast(pl.Int64), pl.col("column").cast(pl.Utf8),
                                           pl.col("message").cast(pl.Utf8), pl.lit(severity).alias("severity")))

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={ROW: pl.Int64, "column": pl.Utf8, "message": pl.Utf8, "severity": pl.Utf8})
        return pl.concat(self.parts).unique(maintain_order=True).sort(ROW, maintain_order=True)


RUN = "_run"


@dataclass
class ParsedFile:
    """A parsed file, its household columns held once per run of rows that repeat them.

    ``rows``: one row per person: ``_row`` (file row), ``_run``, ``household.number`` and the typed member columns
    (``member.*``). ``households``: one row per run of consecutive rows with the same household cells (usually one
    per household; more where a household's rows disagree, are not together in the file, or cross a piece of a
    large file): ``_row`` (the run's first file row), ``_run`` (its position), ``_village`` and the typed household,
    income and kept-text columns. A person-layout file repeats the household's cells (three quarters of its
    columns) on every member's row; holding them once per run keeps a million-row file in a third of the memory."""

    rows: pl.DataFrame
    households: pl.DataFrame
    problems: pl.DataFrame
    present: set[str]  # column ids found in the file
    ignored_headers: list[str]
    income_year: int | None
    rows_read: int

    @property
    def error_rows(self) -> pl.Series:
        return self.problems.filter(pl.col("severity") == ERROR)[ROW].unique()

    def person_rows(self) -> pl.DataFrame:
        """One row per person with its household's columns (a wide copy: for tests and small files)."""
        hh = self.households.sort(RUN).drop(ROW, HH, RUN)
        return pl.concat([self.rows, hh[self.rows[RUN]]], how="horizontal").drop(RUN)


def _parse_column(col: Column, raws: list[pl.Expr], today: dt.date) -> cells.Parsed:
    raw = raws[0]
    label = col.label
    if col.kind == "multicode":
        return cells.multi_code(raws, col.code_list, label)
    if col.kind == "code":
        return cells.code(raw, col.code_list, label)
    if col.kind == "bool":
        parsed = cells.boolean(raw)
        if col.not_null_default is not None:
            parsed.value = parsed.value.fill_null(col.not_null_default)
        return parsed
    if col.kind == "date":
        return cells.date(raw, not_after=today)
    if col.kind == "month":
        return cells.month(raw)
    if col.kind == "decimal":
        return cells.decimal(raw)
    if col.kind == "year":
        return cells.integer(raw, minimum=1980, maximum=today.year + 5)
    if col.kind == "int":
        return cells.integer(raw, minimum=0, maximum=12 if "months" in col.key else None)
    if col.kind == "id":
        return cells.id_number(raw, today=today)
    if col.kind == "phone":
        return cells.phone(raw)
    return cells.text(raw, max_length=col.max_length)


# Columns with few distinct values (codes, 是/否, years, months, amounts repeated per household …) are parsed once
# per distinct cell text and mapped back with one join; columns of nearly unique values are parsed row by row.
DISTINCT_SAMPLE = 50_000
DISTINCT_RATIO = 0.5
ALWAYS_DIRECT = ("id", "phone")
LAZY_TEXTS = 2_000
PARSE_THREADS = max(1, min(4, os.cpu_count() or 1))


def _by_distinct(col: Column, src: pl.DataFrame) -> bool:
    if col.kind in ALWAYS_DIRECT:
        return False
    sample = src.head(DISTINCT_SAMPLE)
    return sample.n_unique() <= DISTINCT_RATIO * sample.height


class ColumnParser:
    """Parses one column (one or several file columns, ``headers``) piece after piece: raw text → (typed value,
    cell filled, message or null).

    The expressions are built once, and whether the column is parsed per distinct text is decided on its first
    large piece, for the pieces after it too. Expressions run lazily, so that the subexpressions a value and its
    checks share (a date's parse, the ID number's digits) are computed once: an eager select computes each
    occurrence again (5× slower for a birth-date column)."""

    def __init__(self, col: Column, headers: list[str], today: dt.date, *, categorical: bool = False):
        self.col, self.headers = col, headers
        parsed = _parse_column(col, [pl.col(h) for h in headers], today)
        self.clean = [cells.clean_text(h).alias(h) for h in headers]
        # A code as a category: 4 bytes a row instead of a 16-byte text view (a million members' 16 code columns:
        # ~190 MB less for the whole import).
        value = parsed.value.cast(pl.Categorical) if categorical else parsed.value
        self.outputs = [value.alias("v"),
                        pl.any_horizontal([pl.col(h).is_not_null() for h in headers]).alias("f")]
        self.bad, self.error = parsed.bad.alias("b"), parsed.error.cast(pl.Utf8)
        self.by_distinct: bool | None = None
        self._decided_on = 0  # rows of the piece the decision was taken on

    def __call__(self, src: pl.DataFrame) -> tuple[pl.Series, pl.Series, pl.Series]:
        if self.by_distinct is None or src.height > DISTINCT_SAMPLE >= self._decided_on:
            self.by_distinct, self._decided_on = _by_distinct(self.col, src), src.height
        if self.by_distinct:
            return self._by_distinct_texts(src)
        cleaned = src.select(self.clean)
        out = cleaned.lazy().select(*self.outputs, self.bad).collect()
        message = pl.repeat(None, out.height, dtype=pl.Utf8, eager=True).alias("m")
        bad = out["b"].arg_true()
        if bad.len():
            message = message.scatter(bad, cleaned[bad].select(self.error).to_series())
        return out["v"], out["f"], message

    def _by_distinct_texts(self, src: pl.DataFrame) -> tuple[pl.Series, pl.Series, pl.Series]:
        """Each distinct cell text (or combination) parsed once, the results joined back to the rows (a join
        is ~1.8× faster than ``replace_strict`` here)."""
        keys = [f"__k{i}" for i in range(len(self.headers))]
        texts = src.to_series().unique().to_frame() if src.width == 1 else src.unique()
        distinct = texts.select(*[pl.col(h).alias(k) for h, k in zip(self.headers, keys, strict=True)], *self.clean)
        outputs = [*keys, *self.outputs, pl.when(self.bad).then(self.error).alias("m")]
        # Lazily only where there are many texts: planning a lazy query costs ~3 ms, more than computing a
        # code column's few texts twice.
        distinct = distinct.lazy().select(outputs).collect() if distinct.height > LAZY_TEXTS else \
            distinct.select(outputs)
        # Only the value travels back to every row where it can: messages only if a text is bad, "filled" only
        # if a text is blank (spaces alone) or the column has several cells.
        carry = ["v"]
        has_bad = distinct["m"].null_count() < distinct.height
        if has_bad:
            carry.append("m")
        single = src.width == 1
        if not single or distinct.filter(pl.col(keys[0]).is_not_null() & ~pl.col("f")).height:
            carry.append("f")
        out = src.rename(dict(zip(self.headers, keys, strict=True))).join(
            distinct.select(*keys, *carry), on=keys, how="left", nulls_equal=True, maintain_order="left")
        filled = out["f"] if "f" in carry else src.to_series().is_not_null().alias("f")
        message = out["m"] if has_bad else pl.repeat(None, src.height, dtype=pl.Utf8, eager=True).alias("m")
        return out["v"], filled, message


def _parse_source(col: Column, src: pl.DataFrame, headers: list[str], today: dt.date
                  ) -> tuple[pl.Series, pl.Series, pl.Series]:
    """One column's raw text, all of it at once (see :class:`ColumnParser`)."""
    return ColumnParser(col, headers, today)(src)


def _changed_rows(raw: pl.DataFrame, headers: list[str]) -> pl.Series:
    """Rows whose cells in ``headers`` differ from the row before (the first row always).

    By a 64-bit hash of each row's cells, 2.5× faster than comparing ~110 columns one by one; two different
    rows in a row with the same hash (odds ~2⁻⁶⁴ a row) would be taken for one run."""
    if not headers or not raw.height:
        return pl.repeat(True, raw.height, dtype=pl.Boolean, eager=True)
    hashes = raw.select(headers).hash_rows()
    return hashes.ne_missing(hashes.shift(1)).scatter(0, True)


def _parse_piece(raw: pl.DataFrame, columns_of: dict[str, list[str]], parsers: dict[str, ColumnParser],
                 first_row: int, first_run: int, problems: Problems, header_of: dict[str, str]
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed (runs, persons) of one piece of the file (blank lines dropped); cell problems go to ``problems``.

    A person-layout file repeats the household's columns on every member's row. A run is a stretch of rows whose
    household cells are the same text as the row before; those columns are parsed and kept once per run, the
    member columns once per row. A bad household cell is reported on every row of its run, as it would be if
    each row were parsed."""
    height = raw.height
    rows = pl.int_range(first_row, first_row + height, dtype=pl.Int64, eager=True).alias(ROW)
    repeated = [cid for cid in columns_of if not cid.startswith(MEMBER + ".")]
    starts = _changed_rows(raw, [h for cid in repeated for h in columns_of[cid]])
    run_of_row = (starts.cast(pl.Int64).cum_sum() - 1).alias(RUN)  # 0-based within the piece
    run_rows = rows.filter(starts)
    n_runs = run_rows.len()

    def one(cid: str) -> tuple[pl.Series, pl.Series, pl.Series]:
        headers = columns_of[cid]
        src = pl.DataFrame([raw[h] for h in headers])
        return parsers[cid](src.filter(starts) if cid in repeated else src)

    # Columns are parsed side by side in threads: Polars releases the GIL while it works on a column, and much
    # of that work is single-threaded.
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        parsed = dict(zip(columns_of, pool.map(one, columns_of), strict=True))
    run_cols: dict[str, pl.Series] = {ROW: run_rows, RUN: pl.int_range(first_run, first_run + n_runs, dtype=pl.Int64,
                                                                       eager=True).alias(RUN)}
    person_cols: dict[str, pl.Series] = {ROW: rows, RUN: run_of_row + first_run}
    run_filled = pl.repeat(False, n_runs, dtype=pl.Boolean, eager=True)
    person_filled = pl.repeat(False, height, dtype=pl.Boolean, eager=True)
    for cid, (value, filled, message) in parsed.items():
        on_runs = cid in repeated
        (run_cols if on_runs else person_cols)[cid] = value.alias(cid)
        if on_runs:
            run_filled = run_filled | filled
        else:
            person_filled = person_filled | filled
        if message.null_count() < message.len():  # messages exist only for the bad cells
            per_row = message.gather(run_of_row) if on_runs else message
            frame = pl.DataFrame([rows, per_row.alias("message")]).filter(pl.col("message").is_not_null())
            problems.add(frame.select(ROW, pl.lit(header_of[cid]).alias("column"), "message"))
    # Blank lines (every cell empty) are not rows; a run left without rows is harmless (nothing refers to it).
    nonblank = person_filled | run_filled.gather(run_of_row)
    return pl.DataFrame(list(run_cols.values())), pl.DataFrame(list(person_cols.values())).filter(nonblank)


def parse(table: Table, *, villages: pl.DataFrame, income_year: int | None, today: dt.date | None = None
          ) -> ParsedFile:
    """``villages``: the importing user's villages (code, name, township, county names) for name resolution."""
    today = today or dt.date.today()
    match = match_headers(table.headers)
    missing = [c for c in REQUIRED if c not in match.columns]
    id_cols = {column_id(c): c for c in person_columns()}
    if missing:
        names = "、".join(f"“{id_cols[c].label}”" for c in missing)
        raise ApplicationError(f"文件缺少必填列：{names}（表头在第{table.header_row}行）", code="missing_columns")
    has_income = any(cid.startswith(INCOME + ".") and cid != "income.year" for cid in match.columns)
    if has_income and income_year is None and "income.year" not in match.columns:  # before reading any row
        raise ApplicationError("文件含收入列但没有“收入年度”列：请指定收入所属年度", code="income_year")
    has_code = "area.village_code" in match.columns
    if not has_code and "area.village" not in match.columns:
        raise ApplicationError("文件缺少行政村列：请提供“村”（或“行政村”）列，或者“行政村代码”列", code="missing_columns")

    used = list(dict.fromkeys(h for hs in match.columns.values() for h in hs))
    header_of = {cid: headers[0] for cid, headers in match.columns.items()}
    problems = Problems()
    parsers = {cid: ColumnParser(id_cols[cid], headers, today, categorical=id_cols[cid].kind == "code")
               for cid, headers in match.columns.items()}
    # The file is parsed piece by piece (large CSV files are read in pieces); within a piece the raw text is
    # consumed column by column and freed as soon as it is parsed, so the raw text and the typed rows are never
    # both held in full.
    run_parts, person_parts, offset, first_run = [], [], table.header_row + 1, 0
    for piece in table.frames():
        raw = piece.select(used)
        del piece
        height = raw.height
        runs_, persons_ = _parse_piece(raw, match.columns, parsers, offset, first_run, problems, header_of)
        run_parts.append(runs_)
        person_parts.append(persons_)
        offset += height
        first_run += runs_.height
        del raw, runs_, persons_
    if not person_parts:
        runs_, persons_ = _parse_piece(pl.DataFrame(schema={h: pl.Utf8 for h in used}), match.columns, parsers,
                                       offset, first_run, problems, header_of)
        run_parts.append(runs_)
        person_parts.append(persons_)
    # The pieces side by side, not copied into one contiguous frame (the rules below read a few columns each).
    runs = pl.concat(run_parts, how="vertical", rechunk=False) if len(run_parts) > 1 else run_parts[0]
    df = pl.concat(person_parts, how="vertical", rechunk=False) if len(person_parts) > 1 else person_parts[0]
    del run_parts, person_parts
    df = df.with_columns(runs[HH].gather(df[RUN]).alias(HH))  # persons are matched and counted by household
    rows_read = df.height

    def on_rows(frame: pl.DataFrame) -> pl.DataFrame:
        """Run-level findings (``_run`` first) onto every row of their runs."""
        return df.select(ROW, RUN).join(frame, on=RUN, how="inner", maintain_order="left").drop(RUN)

    def header(cid: str) -> str:
        return header_of.get(cid) or id_cols[cid].label

    def rule(cond: pl.Expr, cid: str, message: str | pl.Expr, severity: str = ERROR) -> None:
        """A rule on the persons' rows, or, where it reads household columns only, once per run (then reported on
        every row of the run)."""
        msg = pl.lit(message) if isinstance(message, str) else message
        roots = set(cond.meta.root_names()) | set(msg.meta.root_names())
        column = pl.lit(header(cid)).alias("column")
        # Lazily: only the columns the rule reads are touched.
        if roots <= set(df.columns):
            problems.add(df.lazy().filter(cond.fill_null(False)).select(ROW, column, msg.alias("message")).collect(),
                         severity)
        else:
            flagged = runs.lazy().filter(cond.fill_null(False)).select(RUN, column, msg.alias("message")).collect()
            problems.add(on_rows(flagged), severity)

    present = set(match.columns)

    def c(cid: str, default=None) -> pl.Expr:
        return pl.col(cid) if cid in present else pl.lit(default)

    # Required cells.
    for cid in REQUIRED:
        rule(pl.col(cid).is_null(), cid, f"“{id_cols[cid].label}”不能为空")

    # Members: ID numbers, sex and birth date derived from them and consistent with them.
    id_type = c("member.id_type", "1").fill_null("1")
    id_num = c("member.id_number")
    birth_from_id, sex_from_id = cells.id_birth_sex(id_num)
    is_card = id_type == "1"
    rule(is_card & id_num.is_null(), "member.id_number", "证件类型为居民身份证时必须填写证件号码")
    id_ok = is_card & id_num.is_not_null()
    if "member.birth_date" in present:
        rule(id_ok & pl.col("member.birth_date").is_not_null() & (pl.col("member.birth_date") != birth_from_id),
             "member.birth_date", pl.format("出生日期与证件号码不一致（证件号码中为{}）", birth_from_id.dt.strftime("%Y-%m-%d")))
    if "member.sex" in present:
        rule(id_ok & pl.col("member.sex").is_not_null() & (pl.col("member.sex") != sex_from_id), "member.sex",
             pl.format("性别与证件号码不一致（证件号码第17位表示{}）",
                       pl.when(sex_from_id == "1").then(pl.lit("男")).otherwise(pl.lit("女"))))
    df = df.with_columns(
        pl.coalesce(c("member.birth_date"), pl.when(is_card).then(birth_from_id)).alias("member.birth_date"),
        pl.coalesce(c("member.sex"), pl.when(is_card).then(sex_from_id)).cast(pl.Categorical).alias("member.sex"),
        id_type.cast(pl.Categorical).alias("member.id_type"),
        pl.coalesce(id_num, pl.lit("")).alias("member.id_number"),
    )
    present |= {"member.birth_date", "member.sex", "member.id_type", "member.id_number"}
    rule(pl.col("member.birth_date").is_null() & ~is_card, "member.birth_date", "出生日期不能为空")
    rule(pl.col("member.sex").is_null() & ~is_card, "member.sex", "性别不能为空")
    if "member.health" in present:
        disabled = pl.col("member.health") == "4"
        category = c("member.disability_category")
        grade = c("member.disability_grade")
        rule(disabled & category.is_null(), "member.health", "健康状况为残疾时请填写残疾类别", WARNING)
        rule(~disabled & (category.is_not_null() | grade.is_not_null()), "member.health",
             "填写了残疾类别或等级，健康状况应为残疾")
    if "member.welfare_post_months" in present:
        rule(pl.col("member.welfare_post_months").is_not_null() & (pl.col("member.welfare_post_months") > 0)
             & ~c("member.welfare_post", False).fill_null(False), "member.welfare_post",
             "填写了公益性岗位月数，但未选择公益性岗位")

    # Households (the rules of Household.clean).
    htype = pl.col("household.household_type")
    kind = c("household.monitor_kind")
    risks = c("household.risk_types", "")
    ident = c("household.monitor_identified_month")
    elim = c("household.risk_eliminated", False).fill_null(False)
    way = c("household.elimination_way")
    elim_month = c("household.eliminated_month")
    rule((htype == "3") & kind.is_null(), "household.monitor_kind", "户类型为监测户时必须填写监测对象类别")
    rule((kind == "1") & (htype != "2"), "household.monitor_kind", "脱贫不稳定户的户类型应为脱贫户")
    rule(kind.is_not_null() & ident.is_null(), "household.monitor_identified_month", "监测对象必须填写识别监测时间")
    rule(kind.is_not_null() & (risks.fill_null("") == ""), "household.risk_types", "监测对象至少填写一项致贫/返贫风险")
    rule(kind.is_null() & (elim | way.is_not_null() | elim_month.is_not_null()), "household.risk_eliminated",
         "非监测对象不应填写风险消除信息")
    rule(kind.is_not_null() & elim & way.is_null(), "household.elimination_way", "风险已消除时必须填写消除方式")
    rule(kind.is_not_null() & elim & elim_month.is_null(), "household.eliminated_month", "风险已消除时必须填写消除监测时间")
    rule(kind.is_not_null() & ~elim & (way.is_not_null() | elim_month.is_not_null()), "household.risk_eliminated",
         "填写了消除方式或消除时间，但风险未标记为已消除")
    rule(elim_month < ident, "household.eliminated_month", "消除监测时间不能早于识别监测时间")
    rule(c("household.year_exited") < c("household.year_identified"), "household.year_exited", "脱贫年度不能早于识别年度")
    rule((htype == "2") & c("household.year_exited").is_null(), "household.year_exited",
         "脱贫户应填写脱贫年度（可先导入，之后补充）", WARNING)
    rule(c("household.land_irrigated") > c("household.land_cultivated"), "household.land_irrigated",
         "有效灌溉面积不能大于耕地面积")
    if "household.monitor_kind" in present and "household.risk_eliminated" not in present:
        runs = runs.with_columns(pl.lit(False).alias("household.risk_eliminated"))
        present.add("household.risk_eliminated")

    # Area: by code if given, else by names inside the user's scope (once per run).
    runs, area_problems = _resolve_villages(runs, villages, present, header)
    runs = runs.sort(RUN)  # _run is a run's position again
    first_rows = runs.select(ROW, RUN)
    for frame in area_problems:
        problems.add(on_rows(frame.join(first_rows, on=ROW, how="inner").select(RUN, "column", "message")))

    # Cross-row: one head per household, no ID number twice, household columns agree across the rows.
    n_heads = (pl.col("member.relationship") == "01").sum().over(HH)
    rule(pl.col(HH).is_not_null() & (n_heads == 0), "member.relationship", pl.format("户{}没有户主", pl.col(HH)))
    rule(pl.col(HH).is_not_null() & (pl.col("member.relationship") == "01") & (n_heads > 1), "member.relationship",
         pl.format("户{}有{}名户主", pl.col(HH), n_heads))
    dup = (pl.col("member.id_number") != "") & (pl.len().over("member.id_number") > 1)
    first_row = pl.col(ROW).min().over("member.id_number")
    rule(dup, "member.id_number", pl.format("证件号码在文件中重复（第{}行也有）", first_row))
    hh_cols = [cid for cid in present if cid.startswith((HOUSEHOLD + ".", INCOME + ".", HOUSEHOLD_EXTRA + "."))
               and cid != HH] + ["_village"]
    # A household's rows disagree where it has several runs with different values; each row whose value differs
    # from the household's first row is named. (A household split between runs by a piece boundary, or listed in
    # two places with the same values, has equal runs: nothing to report.)
    multi = runs.filter(pl.col(HH).is_not_null() & (pl.len().over(HH) > 1))
    if multi.height:
        for cid in hh_cols:
            column = header(cid) if cid != "_village" else (
                header("area.village_code") if has_code else header("area.village"))
            what = header(cid) if cid != "_village" else "行政村"
            marked = multi.with_columns(pl.col(cid).first().over(HH).alias("_first"))
            bad = marked.filter(pl.col(cid).ne_missing(pl.col("_first")))
            if bad.height:
                problems.add(on_rows(bad.select(RUN, pl.lit(column).alias("column"), pl.format(
                    "同一户各行的“{}”不一致（以该户第一行为准：{}）", pl.lit(what),
                    pl.col("_first").cast(pl.Utf8).fill_null("空")).alias("message"))))

    # Income year: a column of the file, or given for the whole file.
    if INCOME + ".year" not in present:
        runs = runs.with_columns(pl.lit(income_year, pl.Int64).alias("income.year"))

    return ParsedFile(rows=df, households=runs, problems=problems.frame(), present=present, ignored_headers=match.unknown,
                      income_year=income_year, rows_read=rows_read)


def _resolve_villages(df: pl.DataFrame, villages: pl.DataFrame, present: set[str], header) -> tuple[
        pl.DataFrame, list[pl.DataFrame]]:
    problems = []
    if "area.village_code" in present:
        raw_code = pl.col("area.village_code").str.replace_all(r"\s", "")
        codes = pl.when(raw_code.str.contains(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$")).then(
            raw_code.str.pad_end(12, "0"))
        df = df.with_columns(codes.alias("_code"))
        known = villages.select(pl.col("code").alias("_code"), pl.lit(True).alias("_known"))
        df = df.join(known, on="_code", how="left", maintain_order="left")
        bad = df.filter(pl.col("area.village_code").is_not_null() & pl.col("_known").is_null())
        problems.append(bad.select(ROW, pl.lit(header("area.village_code")).alias("column"), pl.format(
            "行政村代码“{}”不存在或不在您的管辖范围内", pl.col("area.village_code")).alias("message")))
        df = df.with_columns(pl.when(pl.col("_known")).then(pl.col("_code")).alias("_village")).drop("_code", "_known")
        if "area.village" not in present:
            missing = df.filter(pl.col("area.village_code").is_null())
            problems.append(missing.select(ROW, pl.lit(header("area.village_code")).alias("column"),
                                           pl.lit("行政村代码不能为空").alias("message")))
            return df, problems
        by_code = df.filter(pl.col("_village").is_not_null())
        rest = df.filter(pl.col("_village").is_null() & pl.col("area.village_code").is_null()).drop("_village")
        bad_rows = df.filter(pl.col("_village").is_null() & pl.col("area.village_code").is_not_null())
        rest, more = _resolve_by_names(rest, villages, present, header)
        problems.extend(more)
        df = pl.concat([by_code, rest, bad_rows], how="diagonal_relaxed").sort(ROW)
        return df, problems
    df, more = _resolve_by_names(df, villages, present, header)
    return df, problems + more


def _resolve_by_names(df: pl.DataFrame, villages: pl.DataFrame, present: set[str], header) -> tuple[
        pl.DataFrame, list[pl.DataFrame]]:
    keys = [("area.village", "name")]
    if "area.township" in present:
        keys.append(("area.township", "township"))
    if "area.county" in present:
        keys.append(("area.county", "county"))
    lookup = villages.group_by([k for _, k in keys]).agg(pl.col("code").first().alias("_vcode"),
                                                         pl.len().alias("_nmatch"))
    df = df.join(lookup, left_on=[c for c, _ in keys], right_on=[k for _, k in keys], how="left",
                 maintain_order="left", nulls_equal=False)
    problems = []
    label = "/".join(header(c) for c, _ in reversed(keys))
    where = pl.concat_str([pl.col(c) for c, _ in reversed(keys)], separator="", ignore_nulls=True)
    problems.append(df.filter(pl.col("area.village").is_null()).select(
        ROW, pl.lit(header("area.village")).alias("column"), pl.lit("行政村不能为空").alias("message")))
    problems.append(df.filter(pl.col("area.village").is_not_null() & pl.col("_nmatch").is_null()).select(
        ROW, pl.lit(label).alias("column"),
        pl.format("找不到行政村“{}”（或不在您的管辖范围内），请核对县、乡、村名称", where).alias("message")))
    problems.append(df.filter(pl.col("_nmatch") > 1).select(
        ROW, pl.lit(label).alias("column"),
        pl.format("行政村“{}”有{}个同名村，请补充乡镇名称或改用行政村代码", where, pl.col("_nmatch")).alias("message")))
    df = df.with_columns(pl.when(pl.col("_nmatch") == 1).then(pl.col("_vcode")).alias("_village")).drop(
        "_vcode", "_nmatch")
    return df, problems


def extra_json(df: pl.DataFrame, present: set[str]) -> pl.Expr | None:
    """Household.extra from the columns kept as text (measures, collector), as a JSON object string."""
    keys = sorted(cid for cid in present if cid.startswith(HOUSEHOLD_EXTRA + "."))
    if not keys:
        return None
    encoded = pl.struct([pl.col(cid).alias(cid.split(".", 1)[1]) for cid in keys]).struct.json_encode()
    # Only the filled cells: {"产业帮扶":"…"} rather than a key per empty column.
    return encoded.str.replace_all(r'"[^"]*":null,?', "").str.replace(r",\}$", "}")
