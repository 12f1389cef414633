import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from tests.conftest import new_id

HEADERS = ["乡", "村", "户编号", "姓名", "证件号码", "与户主关系", "户类型", "监测对象类别", "识别监测时间", "致贫/返贫风险",
           "健康状况", "文化程度", "工资性收入", "转移性收入", "生产经营性支出", "收入年度", "家庭成员联系电话"]

ID_HEAD1 = new_id(dt.date(1970, 1, 2), True)
ID_WIFE1 = new_id(dt.date(1972, 3, 4), False)
ID_SON1 = new_id(dt.date(2001, 5, 6), True)
ID_HEAD2 = new_id(dt.date(1960, 7, 8), True)
ID_HEAD3 = new_id(dt.date(1955, 9, 10), False)


def base_rows():
    """Three households in 村A/村B/村C of the test county: a monitored one, an exited one, an ordinary one."""
    return [
        ["甲镇", "村A", "H001", "张三", ID_HEAD1, "户主", "监测户", "边缘易致贫户", "202403", "因病、因学", "健康", "初中",
         "12,000", "3000", "500", "2025", "13800138000"],
        ["甲镇", "村A", "H001", "李四", ID_WIFE1, "配偶", "监测户", "边缘易致贫户", "202403", "因病、因学", "长期慢性病",
         "小学", "12,000", "3000", "500", "2025", ""],
        ["甲镇", "村A", "H001", "张小", ID_SON1.lower(), "之子", "监测户", "边缘易致贫户", "202403", "因病、因学", "健康",
         "高中", "12,000", "3000", "500", "2025", ""],
        ["甲镇", "村B", "H002", "王五", ID_HEAD2, "户主", "一般农户", "", "", "", "健康", "初中", "30000", "0", "0",
         "2025", ""],
        ["乙镇", "村C", "H003", "赵六", ID_HEAD3, "户主", "一般农户", "", "", "", "健康", "文盲或半文盲", "8000", "2000", "0",
         "2025", ""],
    ]


def write_csv(path: Path, rows, headers=HEADERS, encoding="utf-8-sig", titles=()) -> Path:
    import csv

    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        for t in titles:
            w.writerow([t])
        w.writerow(headers)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows, headers=HEADERS, titles=(), cell_writer=None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("监测对象")
    r = 0
    for t in titles:
        ws.write_string(r, 0, t)
        r += 1
    ws.write_row(r, 0, headers)
    for row in rows:
        r += 1
        for c, v in enumerate(row):
            if cell_writer and cell_writer(ws, r, c, v, wb):
                continue
            if v not in (None, ""):
                ws.write_string(r, c, str(v))
    wb.close()
    return path


@pytest.fixture
def files(tmp_path):
    class Files:
        def csv(self, rows=None, name="f.csv", **kw):
            return write_csv(tmp_path / name, base_rows() if rows is None else rows, **kw)

        def xlsx(self, rows=None, name="f.xlsx", **kw):
            return write_xlsx(tmp_path / name, base_rows() if rows is None else rows, **kw)

    return Files()
