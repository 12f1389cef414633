"""The downloadable import template: the header row, and a sheet that explains every column."""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlsxwriter

from fupin.core import codes

from .layouts import REQUIRED, column_id, person_columns

KIND_HELP = {
    "text": "文字", "int": "整数", "year": "年份，如2024", "decimal": "数字，可带千分位", "bool": "填“是”或“否”",
    "date": "日期，如2024-03-01或20240301", "month": "年月，如202403", "code": "从可填值中选一项",
    "multicode": "可填多项，用顿号“、”分隔", "id": "18位居民身份证号码", "phone": "手机号或“区号-号码”",
}


def write_template() -> Path:
    fd, name = tempfile.mkstemp(suffix=".xlsx")
    import os

    os.close(fd)
    cols = person_columns()
    wb = xlsxwriter.Workbook(name)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000", "text_wrap": True})
    text = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet("人员信息")
    for i, c in enumerate(cols):
        required = column_id(c) in REQUIRED or c.key == "village"
        ws.write_string(0, i, c.label, req if required else head)
        ws.set_column(i, i, 20 if c.kind in ("id", "text") else 12, text if c.kind in ("id", "phone", "text") else None)
        if c.kind == "code":
            labels = [it.label for it in codes.get(c.code_list).items]
            if sum(len(x) + 1 for x in labels) < 250:
                ws.data_validation(1, i, 100_000, i, {"validate": "list", "source": labels,
                                                       "error_message": f"请从{c.label}的可填值中选择"})
        elif c.kind == "bool":
            ws.data_validation(1, i, 100_000, i, {"validate": "list", "source": ["是", "否"]})
    ws.freeze_panes(1, 3)
    guide = wb.add_worksheet("填写说明")
    guide.write_row(0, 0, ["列名", "是否必填", "属于", "填写要求", "可填值", "说明"], head)
    target_name = {"area": "区划", "household": "户（同户各行相同）", "member": "成员", "income": "户收入（同户各行相同）",
                   "household_extra": "户（原样保存）"}
    for r, c in enumerate(cols, start=1):
        required = "必填" if column_id(c) in REQUIRED else ("村名或代码二选一" if c.target == "area" and c.key in (
            "village", "village_code") else "")
        allowed = "、".join(it.label for it in codes.get(c.code_list).items) if c.code_list else ""
        guide.write_row(r, 0, [c.label, required, target_name.get(c.target, ""), KIND_HELP.get(c.kind, ""), allowed,
                               c.help])
    guide.set_column(0, 0, 26)
    guide.set_column(1, 3, 16)
    guide.set_column(4, 4, 60)
    guide.set_column(5, 5, 50)
    notes = ["一行一人，同一户的户信息在每一行重复填写；再次导入时按“户编号”匹配农户、按“证件号码”匹配成员，只更新有变化的内容。",
             "文件中没有而系统中在册的农户、成员不会被删除，导入结果中会列出，请核实后通过成员减少或销户办理。",
             "导入是“全部或全不”：有错误的行必须修正后重新上传，或在确认时选择“跳过有错误的户”。"]
    for i, note in enumerate(notes):
        guide.write_string(len(cols) + 2 + i, 0, note)
    wb.close()
    return Path(name)
