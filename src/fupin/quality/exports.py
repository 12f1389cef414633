"""问题清单.xlsx: a summary sheet and one sheet per rule, as the national system's lists look."""

from __future__ import annotations

import os
import tempfile

import xlsxwriter
from django.db.models import QuerySet

from fupin.core.masking import mask_value

from .catalogue import CATALOGUE
from .models import Problem

COLUMNS = ["区划代码", "行政村", "户编号", "户主/姓名", "证件号码", "问题说明", "需修改字段", "状态", "发现时间", "整改期限"]


def write_problems_xlsx(qs: QuerySet, *, show_ids: bool) -> tuple[str, int]:
    """Write the problems of ``qs`` (already scoped and filtered) to a temporary XLSX; returns (path, rows)."""
    from fupin.registry.models import Household, Member

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bg_color": "#FDE9E7", "border": 1})
    summary = wb.add_worksheet("汇总")
    for c, title in enumerate(["规则编号", "规则名称", "类别", "层级", "级别", "问题数", "涉及户数"]):
        summary.write_string(0, c, title, head)
    summary.set_column(1, 1, 36)
    by_rule = list(qs.values_list("rule_code", flat=True).distinct().order_by("rule_code"))
    labels = {f.name: str(f.verbose_name) for m in (Household, Member) for f in m._meta.fields}
    total = 0
    status_label = dict(Problem.Status.choices)
    for r, code in enumerate(by_rule, start=1):
        rule = CATALOGUE.get(code)
        rows = qs.filter(rule_code=code).order_by("village_id", "household_number", "member_name")
        ws = wb.add_worksheet(code[:31])
        for c, title in enumerate(COLUMNS):
            ws.write_string(0, c, title, head)
        ws.set_column(0, 0, 14), ws.set_column(1, 1, 12), ws.set_column(2, 2, 20), ws.set_column(4, 4, 20)
        ws.set_column(5, 5, 48), ws.set_column(6, 6, 20)
        ws.freeze_panes(1, 0)
        fields = "、".join(labels.get(f.removeprefix("household."), f) for f in (rule.fields if rule else ()))
        n = 0
        households = set()
        for row in rows.values_list("village_id", "village__name", "household_number", "member_name",
                                    "member__id_number", "household__head_name", "message", "status", "found_at",
                                    "due_date", "household_id").iterator(chunk_size=5000):
            n += 1
            village, vname, number, mname, idn, head_name, message, status, found, due, hh = row
            households.add(hh)
            values = [village, vname, number or "", mname or head_name or "",
                      (idn if show_ids else mask_value("id_number", idn)) if idn else "", message,
                      fields, status_label.get(status, status), f"{found:%Y-%m-%d}" if found else "",
                      f"{due:%Y-%m-%d}" if due else ""]
            for c, v in enumerate(values):
                ws.write_string(n, c, str(v))
        total += n
        for c, v in enumerate([code, rule.title if rule else "", rule.family if rule else "",
                               rule.level_label if rule else "", rule.severity_label if rule else ""]):
            summary.write_string(r, c, v)
        summary.write_number(r, 5, n)
        summary.write_number(r, 6, len(households - {None}))
    wb.close()
    return path, total
