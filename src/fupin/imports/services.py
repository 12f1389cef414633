"""Importing registry files: read → validate every row → plan against the registry → load all or nothing.

Used by ``fupin import`` and by the staged upload in the UI (validate as one job, confirm, load as another).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from fupin.accounts import scoping
from fupin.areas.models import Area
from fupin.batch.bulkload import Writer
from fupin.batch.readers import read_table
from fupin.core import context
from fupin.core.errors import ApplicationError
from fupin.core.jobs import job_run
from fupin.core.models import Job
from fupin.registry.models import Household, IncomeRecord, Member

from . import records
from .engine import apply_plan, make_plan
from .layouts import match_headers
from .models import ImportBatch
from .validate import ERROR, ROW, WARNING, parse

PROBLEMS_SHOWN = 200  # kept in the report for the page; the error workbook has them all


def default_income_year(today: dt.date | None = None) -> int:
    """Incomes are collected from October for the current year; before that, the previous year is the latest."""
    today = today or timezone.localdate()
    return today.year if today.month >= 10 else today.year - 1


def scope_villages(user) -> pl.DataFrame:
    """The villages the user may import into, with their township and county names (for name resolution)."""
    qs = Area.objects.filter(level=5)
    areas = scoping.areas_with(user, "registry.import") if user is not None else scoping.ALL
    if areas is not scoping.ALL:
        qs = qs.filter(scoping.subtree_q("code", areas))
    rows = list(qs.values_list("code", "name", "parent__name", "parent__parent__name"))
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "name": pl.Utf8, "township": pl.Utf8, "county": pl.Utf8},
                        orient="row")


@dataclass
class Outcome:
    rows_read: int = 0
    header_row: int = 0
    sheet: str = ""
    encoding: str = ""
    counts: dict = field(default_factory=dict)
    problems: pl.DataFrame | None = None
    missing_households: pl.DataFrame | None = None
    missing_members: pl.DataFrame | None = None
    ignored_headers: list[str] = field(default_factory=list)
    loaded: bool = False
    logged: int = 0
    seconds: dict = field(default_factory=dict)
    skipped_households: int = 0
    accepted_rows: int = 0
    layout: str = ""  # persons, or a record layout's key
    layout_title: str = ""

    @property
    def error_rows(self) -> int:
        if self.problems is None:
            return 0
        return self.problems.filter(pl.col("severity") == ERROR)[ROW].n_unique()

    @property
    def warning_count(self) -> int:
        return 0 if self.problems is None else self.problems.filter(pl.col("severity") == WARNING).height

    def report(self) -> dict:
        problems = self.problems if self.problems is not None else pl.DataFrame()
        loadable = self.counts.get("households_new", 0) + self.counts.get("households_changed", 0) + \
            self.counts.get("households_unchanged", 0)
        return {
            "rows_read": self.rows_read, "header_row": self.header_row, "sheet": self.sheet,
            "encoding": self.encoding, **self.counts, "error_rows": self.error_rows,
            "error_count": problems.filter(pl.col("severity") == ERROR).height if problems.height else 0,
            "warning_count": self.warning_count, "skipped_households": self.skipped_households,
            "loadable_households": loadable, "accepted_rows": self.accepted_rows,
            "problems": problems.head(PROBLEMS_SHOWN).rename({ROW: "row"}).to_dicts() if problems.height else [],
            "missing_households": self.missing_households.height if self.missing_households is not None else 0,
            "missing_households_sample": (self.missing_households.head(50).to_dicts()
                                          if self.missing_households is not None else []),
            "missing_members": self.missing_members.height if self.missing_members is not None else 0,
            "ignored_headers": self.ignored_headers, "loaded": self.loaded, "logged": self.logged,
            "layout": self.layout, "layout_title": self.layout_title,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


LAYOUTS = {"auto": "自动识别", "persons": "监测对象/基础信息（一人一行）",
           **{layout.key: layout.title for layout in records.record_layouts()}}


def run_import(path: Path, *, actor, income_year: int | None = None, skip_bad_rows: bool = False,
               dry_run: bool = False, progress=None, rebuild_indexes: bool | None = None,
               sqlite_adbc: bool | None = None, layout: str = "auto", name: str | None = None) -> Outcome:
    """Validate and (unless ``dry_run`` or errors without ``skip_bad_rows``) load a file.

    ``layout``: one of :data:`LAYOUTS`; ``auto`` takes a file with 与户主关系 or 户类型 for the person layout and
    otherwise the record layout its columns name (the two work files apart by ``name``, the file's name, or
    the sheet's). Raises :class:`ApplicationError` for a file that cannot be read at all (format, header,
    missing columns)."""
    step = progress or (lambda _msg, _pct: None)
    out = Outcome()
    t = time.monotonic()
    step("读取文件", 5)
    table = read_table(Path(path), records.header_score_any)
    out.header_row, out.sheet, out.encoding = table.header_row, table.sheet, table.encoding
    out.seconds["read"] = time.monotonic() - t
    record_layout = _record_layout(table, layout, name or Path(path).name)
    if record_layout is not None:
        return _run_record_import(table, record_layout, out, actor=actor, skip_bad_rows=skip_bad_rows,
                                  dry_run=dry_run, step=step, sqlite_adbc=sqlite_adbc)
    out.layout, out.layout_title = "persons", LAYOUTS["persons"]
    t = time.monotonic()
    step("逐行校验", 25)
    villages = scope_villages(actor)
    parsed = parse(table, villages=villages, income_year=income_year)
    del table
    out.rows_read, out.ignored_headers = parsed.rows_read, parsed.ignored_headers
    out.seconds["validate"] = time.monotonic() - t
    t = time.monotonic()
    step("与系统数据比对", 50)
    content_types = {m: ContentType.objects.get_for_model(m).pk for m in (Household, Member, IncomeRecord)}
    # On SQLite nothing may touch the database through Django while the writer is open: a second SQLite
    # library in the same process would break the file locks (see Writer).
    with Writer(lock_models=(Household, Member, IncomeRecord), sqlite_adbc=sqlite_adbc) as w:
        plan = make_plan(w, parsed, scope_villages=set(villages["code"].to_list()), skip_bad_rows=skip_bad_rows)
        out.problems = pl.concat([parsed.problems, plan.problems]).sort(ROW, maintain_order=True)
        out.counts = plan.counts
        out.missing_households, out.missing_members = plan.missing_households, plan.missing_members
        out.skipped_households = plan.skipped_households
        out.accepted_rows = plan.accepted_rows
        out.seconds["plan"] = time.monotonic() - t
        if dry_run or (out.error_rows and not skip_bad_rows):
            return out
        t = time.monotonic()
        result = apply_plan(w, plan, actor=actor, job_id=context.job_id(), progress=step,
                            rebuild_indexes=rebuild_indexes, content_types=content_types)
        out.logged = result.logged
        step("提交", 97)
    out.loaded = True
    out.seconds["load"] = time.monotonic() - t
    step("完成", 100)
    return out


def layout_of(fmt: str) -> str:
    """The import layout for a file format as the user chose it (UI and ``fupin import --format``)."""
    return "persons" if fmt in ("template", "national") else fmt


def _record_layout(table, layout: str, name: str) -> records.RecordLayout | None:
    if layout == "persons":
        return None
    if layout != "auto":
        return records.layout_by_key(layout)
    persons = match_headers(table.headers)
    if "member.relationship" in persons.columns or "household.household_type" in persons.columns:
        return None  # a person-layout file (if it lacks a required column, the person layout says which)
    return records.detect(table, name=name)


def _run_record_import(table, layout: records.RecordLayout, out: Outcome, *, actor, skip_bad_rows: bool,
                       dry_run: bool, step, sqlite_adbc: bool | None) -> Outcome:
    """A household, work-record or village file: every row must find its record (or create a work record or
    a village profile); only what differs is written and logged."""
    out.layout, out.layout_title = layout.key, layout.title
    t = time.monotonic()
    step("逐行校验", 25)
    villages = scope_villages(actor)
    parsed = records.parse_records(table, layout, villages=villages)
    del table
    out.rows_read, out.ignored_headers = parsed.rows_read, parsed.ignored_headers
    out.seconds["validate"] = time.monotonic() - t
    t = time.monotonic()
    step("与系统数据比对", 50)
    content_type = ContentType.objects.get_for_model(layout.model).pk
    with Writer(lock_models=(layout.model,), sqlite_adbc=sqlite_adbc) as w:
        plan = records.plan_records(w, parsed)
        out.problems = pl.concat([parsed.problems, plan.problems]).sort(ROW, maintain_order=True)
        out.counts = plan.counts
        out.accepted_rows = plan.accepted_rows
        out.skipped_households = out.error_rows
        out.seconds["plan"] = time.monotonic() - t
        if dry_run or (out.error_rows and not skip_bad_rows):
            return out
        t = time.monotonic()
        out.logged = records.apply_records(w, plan, layout, actor=actor, job_id=context.job_id(),
                                           content_type=content_type, progress=step)
        step("提交", 97)
    out.loaded = True
    out.seconds["load"] = time.monotonic() - t
    step("完成", 100)
    return out


# -- staged imports (UI) ----------------------------------------------------------------------------------------
def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def batch_create(*, actor, uploaded, fmt: str, income_year: int | None) -> ImportBatch:
    """Store the uploaded file and create the batch (validation is started by the caller)."""
    name = Path(uploaded.name).name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise ApplicationError(f"不支持的文件类型“{suffix or name}”：请上传.xlsx或.csv文件", code="format")
    batch = ImportBatch(user=actor, original_name=name[:200], format=fmt, income_year=income_year)
    target = upload_dir() / f"{batch.id.hex}{suffix}"
    with open(target, "wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    batch.stored_path = str(target)
    batch.save()
    return batch


def _in_worker() -> bool:
    """Jobs run by ``fupin worker`` (one connection per process) may use the fast ADBC path on SQLite; jobs run
    in a web request (immediate backend) share the process with other threads' connections and may not."""
    return "DatabaseBackend" in settings.TASKS["default"]["BACKEND"]


def _progress_writer(job: Job):
    """Progress for the page: written between stages (on SQLite the load itself holds the only write lock)."""
    def step(message: str, pct: int) -> None:
        if Writer.active:
            return  # the write transaction is open: on SQLite no other connection may write, on PostgreSQL
            # this connection's writes would only show at commit
        Job.objects.filter(pk=job.pk).update(progress=pct, message=message)
    return step


def batch_validate(batch: ImportBatch) -> ImportBatch:
    """Dry run: the full report, nothing written."""
    with job_run(kind="import.validate", user=batch.user, params={"batch": str(batch.id)}) as job:
        batch.validate_job = job
        batch.save(update_fields=["validate_job"])
        try:
            with context.job_scope(job.id):
                out = run_import(Path(batch.stored_path), actor=batch.user, income_year=batch.income_year,
                                 dry_run=True, progress=_progress_writer(job), sqlite_adbc=_in_worker(),
                                 name=batch.original_name, layout=layout_of(batch.format))
        except ApplicationError as exc:
            batch.status, batch.message = ImportBatch.Status.INVALID, exc.message[:500]
            batch.save(update_fields=["status", "message"])
            return batch
        batch.report = out.report()
        batch.errors_path = write_error_workbook(batch, out) if out.problems is not None and out.problems.height \
            else ""
        batch.status = ImportBatch.Status.VALIDATED
        batch.message = ""
        batch.save(update_fields=["report", "errors_path", "status", "message"])
        job.result = {"rows": out.rows_read, "errors": out.error_rows}
    return batch


def batch_load(batch: ImportBatch) -> ImportBatch:
    """The confirmed load: re-validates against the registry as it is now, then writes all or nothing."""
    with job_run(kind="import.load", user=batch.user, params={"batch": str(batch.id)}) as job:
        ImportBatch.objects.filter(pk=batch.pk).update(load_job=job, status=ImportBatch.Status.LOADING)
        try:
            with context.job_scope(job.id):
                out = run_import(Path(batch.stored_path), actor=batch.user, income_year=batch.income_year,
                                 skip_bad_rows=batch.skip_bad_rows, progress=_progress_writer(job),
                                 sqlite_adbc=_in_worker(), name=batch.original_name,
                                 layout=layout_of(batch.format))
        except ApplicationError as exc:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, message=exc.message[:500])
            batch.refresh_from_db()
            return batch
        except Exception as exc:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED,
                                                           message=f"导入失败，数据未作任何改动：{exc}"[:500])
            raise
        status = ImportBatch.Status.LOADED if out.loaded else ImportBatch.Status.FAILED
        message = "" if out.loaded else f"文件有{out.error_rows}行错误，未导入任何数据"
        ImportBatch.objects.filter(pk=batch.pk).update(status=status, message=message, result=out.report())
        job.result = {"loaded": out.loaded, **out.counts, "logged": out.logged}
    batch.refresh_from_db()
    return batch


def write_error_workbook(batch: ImportBatch, out: Outcome) -> str:
    """错误清单.xlsx: every problem (row, column, message, level), for fixing the file and uploading it again."""
    problems = out.problems.select(
        pl.col(ROW).alias("行号"), pl.col("column").alias("列"), pl.col("message").alias("问题说明"),
        pl.col("severity").replace_strict({ERROR: "错误（不能导入）", WARNING: "提示（可导入，请补充）"}).alias("级别"))
    path = upload_dir() / f"{batch.id.hex}-errors.xlsx"
    problems.write_excel(path, worksheet="问题清单", autofit=True, header_format={"bold": True, "bg_color": "#FDE9E7"})
    return str(path)


def batch_discard(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CANCELLED)
