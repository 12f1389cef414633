"""XLSX export of household lists, streamed row by row (XlsxWriter constant-memory mode)."""

from __future__ import annotations

import os
import tempfile

import xlsxwriter
from django.db.models import QuerySet

from fupin.core import codes
from fupin.core.masking import mask_value

COLUMNS = [
    ("户编号", "number", None),
    ("县", "county", None),
    ("乡(镇)", "township", None),
    ("行政村", "village", None),
    ("户主姓名", "head_name", None),
    ("户主证件号码", "head_id_number", "id"),
    ("家庭人口", "size", None),
    ("户类型", "household_type", "household_type"),
    ("监测对象类别", "monitor_kind", "monitor_kind"),
    ("致贫/返贫风险", "risk_types", "risk_type"),
    ("识别监测时间", "monitor_identified_month", "month"),
    ("风险是否已消除", "risk_eliminated", "bool_if_monitored"),
    ("风险消除方式", "elimination_way", "elimination_way"),
    ("消除监测时间", "eliminated_month", "month"),
    ("收入年度", "income_year", None),
    ("人均纯收入(元)", "per_capita_income", "number"),
    ("联系电话", "phone", "contact"),
    ("住址", "address", None),
    ("在册", "is_active", "bool"),
]


def write_households_xlsx(qs: QuerySet, *, show_ids: bool, show_contact: bool) -> tuple[str, int]:
    """Write the queryset to a temporary XLSX file; return (path, rows)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("农户清单")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    for c, (title, _f, _k) in enumerate(COLUMNS):
        ws.write_string(0, c, title, head)
        ws.set_column(c, c, 22 if "证件" in title or title == "住址" else 12)
    ws.freeze_panes(1, 0)
    rows = 0
    values = qs.values_list("number", "village__parent__parent__name", "village__parent__name", "village__name",
                            "head_name", "head_id_number", "size", "household_type", "monitor_kind", "risk_types",
                            "monitor_identified_month", "risk_eliminated", "elimination_way", "eliminated_month",
                            "income_year", "per_capita_income", "phone", "address", "is_active")
    for r, row in enumerate(values.iterator(chunk_size=5000), start=1):
        row = list(row)
        monitored = bool(row[8])
        for c, (_title, _field, kind) in enumerate(COLUMNS):
            v = row[c]
            if kind == "id":
                v = v if show_ids else mask_value("id_number", v)
            elif kind == "contact":
                v = v if show_contact else mask_value("phone", v)
            elif kind == "month":
                v = v.strftime("%Y%m") if v else ""
            elif kind == "bool":
                v = "是" if v else "否"
            elif kind == "bool_if_monitored":
                v = ("是" if v else "否") if monitored else ""
            elif kind == "risk_type":
                items = v if isinstance(v, list) else (v or "").split(",")
                v = "、".join(codes.label("risk_type", x) for x in items if x)
            elif kind == "number":
                if v is not None:
                    ws.write_number(r, c, float(v), money)
                continue
            elif kind:
                v = codes.label(kind, v)
            if v is None or v == "":
                continue
            if isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
        rows = r
    wb.close()
    return path, rows
