"""Writes to the division tree: the official code list importer and village profiles."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from fupin.core.changes import create_logged, log_bulk, update_logged
from fupin.core.errors import ApplicationError
from fupin.core.models import ObjectChange

from . import codes
from .models import Area, VillageGroup, VillageProfile

CODE_COLUMNS = ("code", "区划代码", "统计用区划代码", "代码")
NAME_COLUMNS = ("name", "名称", "区划名称")


@dataclass
class RowError:
    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file} 第{self.line}行 [{self.column}]：{self.message}"


@dataclass
class AreaImportReport:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> str:
        return (
            f"读取{self.rows_read}行：新增{self.created}个，更新名称{self.updated}个，未变{self.unchanged}个，"
            f"错误{len(self.errors)}行" + ("" if self.applied else "（未写入数据库）")
        )


class AreaImportError(ApplicationError):
    code = "area_import_failed"

    def __init__(self, report: AreaImportReport):
        lines = "\n".join(str(e) for e in report.errors[:50])
        more = f"\n……另有{len(report.errors) - 50}行错误" if len(report.errors) > 50 else ""
        super().__init__(
            f"区划文件有{len(report.errors)}行错误，未做任何修改（可用 --skip-bad-rows 跳过错误行）：\n{lines}{more}"
        )
        self.report = report


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK), as files from Windows Excel come."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV 文件")


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for n in names:
        if n.lower() in lowered:
            return lowered.index(n.lower())
    return None


def _read_rows(name: str, text: str, report: AreaImportReport) -> list[tuple[str, int, str, str]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        report.errors.append(RowError(name, 1, "-", "文件为空"))
        return []
    ci, ni = _find_column(header, CODE_COLUMNS), _find_column(header, NAME_COLUMNS)
    missing = [c for c, i in (("code", ci), ("name", ni)) if i is None]
    if missing:
        report.errors.append(RowError(name, 1, ",".join(missing), f"缺少必需的列：{'、'.join(missing)}"))
        return []
    rows = []
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        raw_code = row[ci] if ci < len(row) else ""
        raw_name = (row[ni] if ni < len(row) else "").strip()
        try:
            code = codes.normalize(raw_code)
        except codes.AreaCodeError as exc:
            report.errors.append(RowError(name, line_no, "code", str(exc)))
            continue
        if not raw_name:
            report.errors.append(RowError(name, line_no, "name", "名称不能为空"))
            continue
        if len(raw_name) > 100:
            report.errors.append(RowError(name, line_no, "name", "名称不能超过100个字"))
            continue
        rows.append((name, line_no, code, raw_name))
    return rows


def areas_import(*, actor, files: list[tuple[str, bytes]], skip_bad_rows: bool = False) -> AreaImportReport:
    """Load official code-list CSVs (columns code, name; others ignored). Idempotent: names update, new areas
    appear, nothing is ever deleted. With errors and without ``skip_bad_rows`` nothing changes."""
    report = AreaImportReport()
    parsed: dict[str, tuple[str, int, str]] = {}
    for name, data in files:
        for fname, line, code, area_name in _read_rows(name, decode_bytes(data), report):
            if code in parsed and parsed[code][2] != area_name:
                prev = parsed[code]
                report.errors.append(RowError(fname, line, "code",
                                              f"区划代码{code}重复，与{prev[0]}第{prev[1]}行的名称不一致"))
                continue
            parsed[code] = (fname, line, area_name)

    existing: dict[str, tuple[str, int]] = {}
    codes_list = sorted(set(parsed) | {p for c in parsed if (p := codes.parent_code(c))})
    for i in range(0, len(codes_list), 2000):
        for c, n, lv in Area.objects.filter(code__in=codes_list[i:i + 2000]).values_list("code", "name", "level"):
            existing[c] = (n, lv)
    # Parents must exist in the database or among the valid rows; check top-down so a bad parent fails its subtree.
    accepted: dict[str, tuple[str, int, str]] = {}
    for code in sorted(parsed, key=lambda c: (codes.level_of(c), c)):
        fname, line, area_name = parsed[code]
        parent = codes.parent_code(code)
        if parent and parent not in accepted and parent not in existing:
            report.errors.append(RowError(fname, line, "code", f"上级区划{codes.prefix(parent)}不存在（既不在数据库中，也不在导入文件中）"))
            continue
        accepted[code] = parsed[code]

    if report.errors and not skip_bad_rows:
        raise AreaImportError(report)

    to_create, to_update = [], []
    for code, (_f, _l, area_name) in sorted(accepted.items(), key=lambda kv: (codes.level_of(kv[0]), kv[0])):
        if code not in existing:
            to_create.append(Area(code=code, name=area_name, level=codes.level_of(code), parent_id=codes.parent_code(code),
                                  created_by=actor if getattr(actor, "pk", None) else None))
        elif existing[code][0] != area_name:
            to_update.append((code, existing[code][0], area_name))
        else:
            report.unchanged += 1

    with transaction.atomic():
        Area.objects.bulk_create(to_create, batch_size=2000)
        for code, _old, new in to_update:
            Area.objects.filter(code=code).update(name=new)
        log_bulk(actor=actor, model=Area, entries=[
            {"object_id": a.code, "object_repr": a.name, "action": ObjectChange.Action.CREATE, "before": None,
             "after": {"name": a.name, "level": a.level, "parent_id": a.parent_id}, "area_code": a.code,
             "summary": "区划导入"} for a in to_create
        ] + [
            {"object_id": code, "object_repr": new, "action": ObjectChange.Action.UPDATE, "before": {"name": old},
             "after": {"name": new}, "area_code": code, "summary": "区划导入"} for code, old, new in to_update
        ])
    report.created, report.updated, report.applied = len(to_create), len(to_update), True
    return report


def areas_import_paths(*, actor, paths: list[str | Path], skip_bad_rows: bool = False) -> AreaImportReport:
    return areas_import(actor=actor, files=[(Path(p).name, Path(p).read_bytes()) for p in paths],
                        skip_bad_rows=skip_bad_rows)


def area_update_flags(*, actor, area: Area, data: dict, expected_version: int) -> list[str]:
    allowed = {"name", "is_poverty_county", "is_poverty_village", "poverty_exit_year"}
    return update_logged(actor=actor, instance=area, changes={k: v for k, v in data.items() if k in allowed},
                         expected_version=expected_version)


@transaction.atomic
def village_group_create(*, actor, village: Area, name: str, sort: int = 0) -> VillageGroup:
    if not village.is_village:
        raise ApplicationError("村民小组只能建在行政村下", field_errors={"village": ["请选择行政村"]})
    return create_logged(actor=actor, instance=VillageGroup(village=village, name=name.strip(), sort=sort))


@transaction.atomic
def village_profile_save(*, actor, village: Area, data: dict, expected_version: int | None = None) -> VillageProfile:
    profile = VillageProfile.objects.select_for_update().filter(village=village).first()
    if profile is None:
        return create_logged(actor=actor, instance=VillageProfile(village=village, **data))
    update_logged(actor=actor, instance=profile, changes=data, expected_version=expected_version)
    return profile
