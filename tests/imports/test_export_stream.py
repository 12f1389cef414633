"""Streamed exports: batches, vectorised masks and the streamed XLSX writer agree with the simple forms."""

import fastexcel
import polars as pl
import pytest

from fupin.batch.xlsx_stream import XlsxStream, column_letter
from fupin.core import idnumber, phone
from fupin.imports import exports
from fupin.imports.services import run_import

VALUES = [None, "", "1", "12", "1234", "12345", "1234567890", "12345678901", "110105194912310021",
          "11010519491231002X", "13800138000", "0771-1234567", "6222 0000 1111 2222"]


def test_masks_match_the_python_masks():
    s = pl.DataFrame({"v": VALUES}, schema={"v": pl.Utf8})
    got = s.select(exports._mask_id(pl.col("v")).alias("id"), exports._mask_phone(pl.col("v")).alias("p"),
                   exports._mask_account(pl.col("v")).alias("a"))
    assert got["id"].to_list() == [idnumber.mask(v) for v in VALUES]
    assert got["p"].to_list() == [phone.mask(v) for v in VALUES]
    assert got["a"].to_list() == [phone.mask_account(v) for v in VALUES]


def test_streamed_xlsx_reads_back_cell_for_cell(tmp_path):
    frame = pl.DataFrame({"名称": ["a&b <c>", None, "x\x01y", "汉字"], "数": [1.5, None, 3.0, -2.25],
                          "整": [1, 2, None, 4]})
    path = tmp_path / "s.xlsx"
    with XlsxStream(path, frame.columns, sheet_name="人员") as x:
        x.write(frame.head(2))
        x.write(frame.tail(2))
    back = pl.from_arrow(fastexcel.read_excel(str(path)).load_sheet("人员", eager=True))
    assert back.columns == frame.columns
    assert back["名称"].to_list() == ["a&b <c>", None, "xy", "汉字"]
    assert back["数"].to_list() == [1.5, None, 3.0, -2.25]
    assert [None if v is None else int(v) for v in back["整"].to_list()] == [1, 2, None, 4]
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


@pytest.mark.django_db(transaction=True)
def test_batches_make_the_same_export(users, files):
    run_import(files.csv(), actor=users["county"])
    whole = exports.person_frame(user=None, layout="national", show_ids=False, show_contact=False)
    parts = list(exports.person_batches(user=None, layout="national", show_ids=False, show_contact=False,
                                        batch_rows=2))
    assert len(parts) >= 2 and pl.concat(parts).equals(whole)
    path, rows = exports.write_batches(iter(parts), fmt="csv")
    assert rows == whole.height == 5 and pl.read_csv(path, infer_schema=False).height == 5
