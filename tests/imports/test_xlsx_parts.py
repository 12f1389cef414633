"""A large XLSX sheet read in parts (several workbooks parsed at once) gives exactly the rows of the whole sheet."""

import datetime as dt

import polars as pl
import pytest
import xlsxwriter

from fupin.batch import readers, xlsx_parts
from fupin.imports.layouts import header_score
from fupin.imports.services import run_import
from fupin.registry.models import Household, Member

from .conftest import HEADERS, base_rows


def _workbook(path, rows, *, titles=("2025年监测对象信息", ""), dates=True, first_column=0):
    """Title rows, shared strings (xlsxwriter's default), numbers, dates, empty rows and empty cells."""
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    wb.add_worksheet("说明").write_string(0, 0, "填表说明")
    ws = wb.add_worksheet("监测对象")
    r = 0
    for t in titles:
        if t:
            ws.write_string(r, first_column, t)
        r += 1
    ws.write_row(r, first_column, [*HEADERS, "出生日期"])
    for i, row in enumerate(rows):
        r += 1
        if i % 37 == 5:
            r += 2  # two empty rows (left out of the XML)
        for c, v in enumerate(row):
            if v in (None, ""):
                continue
            if c == 12 and v.replace(",", "").isdigit():
                ws.write_number(r, first_column + c, float(v.replace(",", "")))
            else:
                ws.write_string(r, first_column + c, v)
        if dates and i % 3 == 0:
            ws.write_datetime(r, first_column + len(row), dt.datetime(1970 + i % 40, 1 + i % 12, 1 + i % 28), date_format)
    wb.close()
    return path


def _rows(n):
    out = []
    for i in range(n):
        r = list(base_rows()[i % 5])
        r[2] = f"H{i // 5:05d}"
        r[4] = ""
        if i % 11 == 0:
            r[0] = ""  # no cell in column A on some rows
        if i % 13 == 0:
            r[-1] = ""  # nor in the last column
        out.append(r)
    return out


def _whole(path):
    return readers._read_xlsx_whole(path, header_score)


def _frame(table):
    frames = list(table.frames())
    return pl.concat(frames) if frames else pl.DataFrame()


@pytest.mark.parametrize("part_bytes", [3_000, 20_000, 1 << 30])
def test_parts_read_the_same_rows_as_the_whole_sheet(tmp_path, monkeypatch, part_bytes):
    path = _workbook(tmp_path / "big.xlsx", _rows(600))
    whole = _whole(path)
    monkeypatch.setattr(xlsx_parts, "SPLIT_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", part_bytes)
    monkeypatch.setattr(xlsx_parts, "READ_BLOCK", 4096)
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_FACTOR", 0)  # small parts even with shared strings
    parted = readers.read_xlsx(path, header_score)
    assert parted.pieces is not None  # really read in parts
    assert (parted.header_row, parted.headers, parted.sheet) == (whole.header_row, whole.headers, whole.sheet)
    assert parted.header_row == 3
    got, want = _frame(parted), _frame(whole)
    assert got.height == want.height == 600 + 2 * 17  # the empty rows keep the file's row numbers
    assert got.equals(want)
    assert got["出生日期"].drop_nulls().len() == 200


def test_a_sheet_that_cannot_be_cut_is_read_whole(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "noa.xlsx", _rows(50), titles=(), first_column=1)  # nothing in column A
    monkeypatch.setattr(xlsx_parts, "SPLIT_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 3_000)
    table = readers.read_xlsx(path, header_score)
    assert table.pieces is None and table.frame.height == 50 + 2 * 2
    assert table.headers[0] == "乡"


@pytest.mark.django_db(transaction=True)
def test_an_import_read_in_parts_loads_the_same_registry(users, tmp_path, monkeypatch):
    rows = [list(r) for r in base_rows()]
    path = _workbook(tmp_path / "f.xlsx", rows, dates=False)
    monkeypatch.setattr(xlsx_parts, "SPLIT_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 1_500)
    out = run_import(path, actor=users["county"])
    assert out.loaded and out.header_row == 3, out.problems
    assert out.counts["households_new"] == 3 and out.counts["persons_new"] == 5
    assert sorted(Household.objects.values_list("number", flat=True)) == ["H001", "H002", "H003"]
    assert Member.objects.get(name="张三").household.number == "H001"


def test_parts_grow_with_the_shared_strings(tmp_path, monkeypatch):
    """Every part re-parses the shared strings: with a large table, fewer, larger parts (same rows)."""
    path = _workbook(tmp_path / "big.xlsx", _rows(600))
    monkeypatch.setattr(xlsx_parts, "SPLIT_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 3_000)
    monkeypatch.setattr(xlsx_parts, "READ_BLOCK", 4096)
    loaded = []
    real_load = xlsx_parts._load
    monkeypatch.setattr(xlsx_parts, "_load", lambda path, name: loaded.append(path) or real_load(path, name))
    counts, frames = [], []
    for factor in (0, 4):
        monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_FACTOR", factor)
        loaded.clear()
        frames.append(_frame(readers.read_xlsx(path, header_score)))
        counts.append(len(loaded))
    assert counts[1] < counts[0] and counts[1] >= 2
    assert frames[0].equals(frames[1])
