"""Cells as people fill them: each parser on the forms seen in county spreadsheets."""

import datetime as dt

import polars as pl
import pytest

from fupin.batch import cells


def run(parser, values, **kw):
    df = pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).with_columns(cells.clean_text("v").alias("v"))
    parsed = parser(pl.col("v"), **kw)
    out = df.select(parsed.value.alias("value"), parsed.error.alias("error"))
    return out["value"].to_list(), out["error"].to_list()


def test_numbers_with_separators_spaces_and_text_marks():
    values, errors = run(cells.decimal, ["1,234.50", " 2 000 ", "'300", "4，500元", "abc", None, "-5"])
    assert values[:4] == [1234.5, 2000.0, 300.0, 4500.0]
    assert errors[4] == "“abc”不是有效的数字"
    assert values[5] is None and errors[5] is None
    assert errors[6] == "数值-5不能小于0"


@pytest.mark.parametrize("raw", ["2024-03-01", "2024/3/1", "20240301", "2024.3.1", "2024年3月1日", "2024-03-01 00:00:00",
                                 "45352"])
def test_date_forms(raw):
    values, errors = run(cells.date, [raw])
    assert values == [dt.date(2024, 3, 1)] and errors == [None]


@pytest.mark.parametrize("raw", ["202403", "2024-03", "2024年3月", "2024-03-15", "2024/3"])
def test_month_forms_keep_the_first_day(raw):
    values, errors = run(cells.month, [raw])
    assert values == [dt.date(2024, 3, 1)] and errors == [None]


def test_bad_dates_are_named():
    _, errors = run(cells.date, ["2024-02-30", "13"])
    assert errors[0] == "“2024-02-30”不是有效的日期（如2024-03-01或20240301）"
    assert errors[1].startswith("“13”")
    _, errors = run(cells.month, ["2024-13"])
    assert "不是有效的年月" in errors[0]


def test_yes_no_words():
    values, errors = run(cells.boolean, ["是", "否", "Y", "n", "√", "也许"])
    assert values == [True, False, True, False, True, None]
    assert errors[5] == "“也许”应填“是”或“否”"


def test_id_numbers_lowercase_x_spaces_and_each_rule():
    values, errors = run(cells.id_number, ["11010519491231002x ", "110105194912310021", "12345",
                                           "11010519491331002X", "1101051949123100A2"])
    assert values[0] == "11010519491231002X" and errors[0] is None
    assert errors[1] == "证件号码校验码错误：第18位应为X，实际为1"
    assert errors[2] == "证件号码长度应为18位，实际为5位"
    assert "出生日期19491331" in errors[3]
    assert errors[4] == "证件号码前17位应为数字，第18位应为数字或X"


def test_codes_by_label_code_short_label_and_alias():
    values, errors = run(cells.code, ["居民身份证", "1", "居民身份证（户口簿）", "身份证", "护照"], code_list="id_type",
                         field_label="证件类型")
    assert values[:4] == ["1", "1", "1", "1"]
    assert errors[4].startswith("“护照”不是证件类型的有效值（可填：")


def test_multi_code_from_one_cell_and_numbered_columns():
    df = pl.DataFrame({"a": ["因病、因学", "因残", None], "b": [None, "因病", "外星"]})
    parsed = cells.multi_code([pl.col("a"), pl.col("b")], "risk_type", "致贫/返贫风险")
    out = df.select(parsed.value.alias("v"), parsed.error.alias("e"))
    assert out["v"].to_list() == [",01,03,", ",02,01,", ""]
    assert out["e"].to_list()[:2] == [None, None]
    assert "“外星”不是致贫/返贫风险的有效值" in out["e"][2]


def test_id_number_agrees_with_the_single_value_parser():
    """The column parser and fupin.core.idnumber.parse accept exactly the same numbers (check digits included)."""
    import random

    from fupin.core import idnumber

    rng = random.Random(11643)
    today = dt.date(2026, 1, 1)
    values = []
    for _ in range(3000):
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(46000))
        body = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        last = idnumber.check_char(body) if rng.random() < 0.6 else rng.choice("0123456789X")
        values.append(body + last)
    values += ["000000000000000000", "99999999999999999X", "11010519491231002X"]
    got, errors = run(cells.id_number, values, today=today)
    for value, error in zip(values, errors, strict=True):
        try:
            idnumber.parse(value, today=today)
            valid = True
        except idnumber.IdNumberError:
            valid = False
        assert (error is None) == valid, value
    assert 0 < sum(e is None for e in errors) < len(values)  # both outcomes occur


def test_id_check_char_agrees_with_the_single_value_function():
    """The column form of the check character (digits read as one integer) against fupin.core.idnumber."""
    import random

    from fupin.core.idnumber import check_char

    rng = random.Random(7)
    bodies = ["00000000000000000", "99999999999999999", "11010519491231002"] + [
        "".join(rng.choice("0123456789") for _ in range(17)) for _ in range(2000)]
    got = pl.DataFrame({"n": [b + "0" for b in bodies]}).select(cells.id_check_char(pl.col("n")))["n"].to_list()
    assert got == [check_char(b) for b in bodies]
    assert set(got) == set("10X98765432")  # every check character occurs, X included
