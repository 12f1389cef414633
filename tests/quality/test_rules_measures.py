"""帮扶措施 rules: measures against risks and members, the medical-insurance subsidy, 雨露计划, work and income.

The kit's clean household has a medical-insurance subsidy (健康帮扶) and an industry measure; ``ms_*`` keys set
the measure texts by category (frames.MEASURE_SOURCES)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.quality.kit import ELIM, MON, OPEN_HH, case, check, head, spouse, table, with_member

D = dt.date


def risk(code: str, **kw) -> dict:
    return {**MON, "risk_types": f",{code},", **kw}


def work(member_id: int = 3, transport=None, kind="actual") -> dict:
    return {"member_id": member_id, "kind": kind, "county": "柳城县", "start_month": D(2024, 1, 1),
            "end_month": None, "monthly_income": 3000.0, "transport_subsidy": transport}


VOCATIONAL = with_member(age=17, student_status="31", labour_capacity="5")
CHILD_OUT = with_member(age=10, labour_capacity="5", not_in_school_reason="1")
UNINSURED = with_member(med_resident=False, med_employee=False)
NO_LABOUR = [head(labour_capacity="4"), spouse(labour_capacity="5")]

CASES = {
    "5_18_001": [
        case({1}, household=risk("01", ms_health="")),
        case({1}, household=risk("01", ms_health="无")),
        case(set(), household=risk("01", ms_health="", ms_social="爱心企业结对帮扶")),
        case(set(), household=risk("01")),
        case(set(), household={"risk_types": ",01,", "ms_health": ""}),  # not monitored
    ],
    "5_18_002": [
        case({1}, household=risk("03")),
        case(set(), household=risk("03", ms_compulsory="控辍保学")),
        case(set(), household=risk("03", ms_education="教育资助")),
    ],
    "5_18_003": [
        case({1}, household=risk("02")),
        case({1}, household=risk("02", ms_social="未落实")),
        case(set(), household=risk("02", ms_security="残疾人两项补贴")),
    ],
    "5_18_004": [
        case({1}, household=risk("09")),
        case(set(), household=risk("09", ms_housing="危房改造")),
        case(set(), household=risk("09", ms_resettled="后续产业扶持")),
    ],
    "5_18_006": [
        case({1}, household=risk("10")),
        case(set(), household=risk("10", ms_water="饮水安全巩固提升工程")),
    ],
    "5_18_005": [
        case({3}, household=MON, members=CHILD_OUT),
        case(set(), household={**MON, "ms_compulsory": "送教上门"}, members=CHILD_OUT),
        case(set(), household=MON, members=with_member(age=16, labour_capacity="3", not_in_school_reason="1")),
        case(set(), household=MON, members=with_member(age=10, labour_capacity="5", student_status="14")),
        case(set(), members=CHILD_OUT),  # exited: not this rule
    ],
    "5_18_007": [
        case({3}, household={**MON, "ms_health": ""}, members=UNINSURED),
        case(set(), household={**MON, "ms_health": "", "ms_social": "社会捐赠"}, members=UNINSURED),
        case(set(), household=MON, members=UNINSURED),
        case(set(), household={**MON, "ms_health": ""},
             members=with_member(med_resident=None, med_employee=None)),  # not answered
    ],
    "1111_06": [
        case({1}, household={**OPEN_HH, "monitor_identified_month": D(2023, 1, 1), "ms_health": "医疗救助"}),
        case(set(), household={**OPEN_HH, "monitor_identified_month": D(2023, 4, 1), "ms_health": "医疗救助"}),
        case(set(), household={**OPEN_HH, "monitor_identified_month": D(2023, 1, 1)}),
        case(set(), {"since": "2022-12"},
             household={**OPEN_HH, "monitor_identified_month": D(2023, 1, 1), "ms_health": "医疗救助"}),
        case(set(), household={**ELIM, "monitor_identified_month": D(2022, 1, 1), "eliminated_month": D(2023, 1, 1),
                               "ms_health": ""}),
    ],
    "1111_09": [
        case({1}, household={"ms_health": ""}),
        case({1}, household={"ms_health": "医疗救助"}),
        case(set(), household={"ms_health": "医保缴费补贴"}),
        case(set(), household={**MON, "ms_health": ""}),
    ],
    "1111_13": [
        case({1}, household={**MON, "monitor_identified_month": D(2023, 6, 1)}),
        case(set(), household={**MON, "monitor_identified_month": D(2023, 3, 1)}),
        case(set(), household={**MON, "monitor_identified_month": D(2024, 6, 1)}),
        case(set(), household={**MON, "monitor_identified_month": D(2023, 6, 1), "ms_health": "医疗救助"}),
        case({1}, {"since": "2024-05"}, household={**MON, "monitor_identified_month": D(2024, 6, 1)}),
    ],
    "1111_2": [
        case({3}, members=VOCATIONAL),
        case({3}, household={"ms_education": "教育资助"},
             members=with_member(age=19, student_status="41", labour_capacity="5")),
        case(set(), household={"ms_education": "雨露计划职业教育补助"}, members=VOCATIONAL),
        case(set(), members=with_member(age=17, student_status="22", labour_capacity="5")),
        case(set(), household=MON, members=VOCATIONAL),
    ],
    "5_15_011": [
        case({3}, household=MON, members=VOCATIONAL),
        case(set(), household={**MON, "ms_education": "雨露计划"}, members=VOCATIONAL),
    ],
    "5_15_012": [
        case({1}, household={"ms_education": "雨露计划"}),
        case(set(), household={"ms_education": "雨露计划"}, members=VOCATIONAL),
        case(set(), household={"ms_education": "教育资助"}),
    ],
    "1111_3": [
        case({1}, household={"ms_employment": "就业技能培训"}),
        case(set(), household={"ms_employment": "就业技能培训"}, members=with_member(work_status="1")),
        case({1}, household={"ms_employment": "就业技能培训"}, members=with_member(), work=[work(kind="planned")]),
        case(set(), household={"ms_employment": "就业技能培训"}, members=with_member(), work=[work()]),
        case(set(), household={"ms_employment": "无"}),
    ],
    "4_11_014": [
        case({1}, household={**MON, "ms_employment": "就业技能培训"}),
        case(set(), household={**MON, "ms_employment": "就业技能培训"}, members=with_member(work_status="2")),
    ],
    "5_17_011": [
        case({1}, household={"ms_employment": "劳务输出"}),
        case({1}, household={"ms_employment": "劳务输出"}, members=with_member(work_status="1")),  # not away
        case(set(), household={"ms_employment": "劳务输出"}, members=with_member(work_status="3")),
        case(set(), household={"ms_employment": "劳务输出"}, members=with_member(), work=[work()]),
        case(set(), household={"ms_employment": "就业技能培训"}),
    ],
    "5_17_012": [
        case({1}, household={**MON, "ms_employment": "外出务工一次性交通补助"}),
        case(set(), household={**MON, "ms_employment": "外出务工一次性交通补助"},
             members=with_member(work_status="4")),
    ],
    "5_17_013": [
        case({1}, household={"ms_post": "乡村公益性岗位"}),
        case(set(), household={"ms_post": "乡村公益性岗位"},
             members=with_member(welfare_post=True, welfare_post_months=6)),
        case(set(), household={"ms_post": "/"}),
    ],
    "1111_10": [
        case({1}, household={"ms_employment": "一次性交通补助"}, members=with_member(work_status="3"),
             work=[work(transport=0)]),
        case({1}, household={"ms_employment": "一次性交通补助"}, members=with_member(work_status="3"),
             work=[work()]),
        case(set(), household={"ms_employment": "一次性交通补助"}, members=with_member(work_status="3"),
             work=[work(transport=500)]),
        case(set(), members=with_member(work_status="3"), work=[work(transport=0)]),
    ],
    "4_11_012": [
        case({1}, household={**ELIM, "ms_post": "公益岗位"}, incomes=[{"wage": 0}]),
        case({1}, household={**ELIM, "ms_employment": "就业补贴"}, incomes=[{"wage": None}]),
        case(set(), household={**ELIM, "ms_employment": "就业补贴"}, incomes=[{"wage": 100}]),
        case(set(), household={**ELIM}, incomes=[{"wage": 0}]),
        case(set(), household={**OPEN_HH, "ms_employment": "就业补贴"}, incomes=[{"wage": 0}]),
    ],
    "4_11_013": [
        case({1}, household={**ELIM, "ms_security": "纳入低保"}, incomes=[{"transfer": 0}]),
        case(set(), household={**ELIM, "ms_security": "纳入低保"}, incomes=[{"transfer": 500}]),
        case(set(), household={**ELIM, "ms_security": "临时救助"}, incomes=[{"transfer": 0}]),
    ],
    "5_11_013": [
        case({1}, household=ELIM, incomes=[{"operating": 0}]),
        case(set(), household=ELIM, incomes=[{"operating": 1}]),
        case(set(), household={**ELIM, "ms_industry": ""}, incomes=[{"operating": 0}]),
    ],
    "4_11_016": [
        case({1}, household={"ms_security": "残疾人两项补贴"}),
        case(set(), household={"ms_security": "残疾人两项补贴"},
             members=with_member(health="4", disability_category="1", disability_grade="2",
                                 disability_certificate="45029919800101001X")),
        case(set(), household={"ms_security": "残疾人两项补贴", "disabled_left": 1}),
        case(set(), household={"ms_security": "纳入低保"}),
    ],
    "5_11_030": [
        case({1}, household={**OPEN_HH, "ms_industry": ""}),
        case({1}, household={**OPEN_HH, "ms_industry": "未落实"}),
        case(set(), household={**OPEN_HH, "ms_industry": "", "ms_finance": "小额信贷"}),
        case(set(), household={**OPEN_HH, "ms_industry": ""}, members=NO_LABOUR),
        case(set(), household={**ELIM, "ms_industry": ""}),
    ],
    "5_11_032": [
        case({1}, household={**OPEN_HH, "ms_industry": "", "ms_health": "", "ms_security": "纳入低保"}),
        case(set(), household={**OPEN_HH, "ms_industry": "", "ms_security": "纳入低保"}),
        case(set(), household={**OPEN_HH, "ms_industry": "", "ms_health": "", "ms_security": "纳入低保"},
             members=NO_LABOUR),
    ],
    "1111_4": [
        case({1}, household={**MON, "ms_relocation": "易地扶贫搬迁集中安置"}),
        case(set(), household={**MON, "household_type": "2", "monitor_kind": "1",
                               "ms_relocation": "易地扶贫搬迁集中安置"}),
        case(set(), {"since_year": 2025}, household={**MON, "ms_relocation": "易地扶贫搬迁集中安置"}),
        case(set(), household={**MON, "ms_resettled": "后续扶持"}),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)


def test_every_national_measure_column_feeds_a_category():
    from fupin.imports.layouts import MEASURE_HEADERS
    from fupin.quality.frames import MEASURE_SOURCES

    fed = {key for keys in MEASURE_SOURCES.values() for key in keys}
    assert set(MEASURE_HEADERS) == fed


def test_measure_texts_are_read_from_every_spelling_of_extra():
    import json

    import polars as pl

    from fupin.quality.frames import measure_columns

    rows = [
        json.dumps({"健康帮扶": "参保资助", "基本医疗保障": "医疗救助"}, ensure_ascii=False),  # as the import writes
        json.dumps({"健康帮扶": "参保资助", "产业帮扶": "无"}),  # \u-escaped, as Django writes on SQLite
        '{"健康帮扶": " 参保资助 ", "综合保障": "未落实", "兜底保障": "纳入低保"}',  # PostgreSQL's jsonb text
        '{"教育帮扶": "雨露计划\\"职教\\"补助"}',  # an escaped quote inside the value
        "{}", None,
    ]
    cols = {s.name: s.to_list() for s in measure_columns(pl.Series(rows, dtype=pl.Utf8))}
    assert cols["ms_health"] == ["参保资助；医疗救助", "参保资助", "参保资助", "", "", ""]
    assert cols["ms_industry"] == ["", "", "", "", "", ""]  # "无" records no measure
    assert cols["ms_security"] == ["", "", "纳入低保", "", "", ""]
    assert cols["ms_education"][3] == '雨露计划"职教"补助'


def test_repeated_and_escaped_measure_texts():
    import polars as pl

    from fupin.quality.frames import measure_columns

    rows = pl.Series(['{"健康帮扶":"参保资助"}', '{"产业帮扶":"奖补","综合保障":"无"}', "", None,
                      '{"\\u5065\\u5eb7\\u5e2e\\u6276": "\\u53c2\\u4fdd"}'] * 5, dtype=pl.Utf8)  # \u: Django
    cols = {s.name: s.to_list() for s in measure_columns(rows)}
    assert cols["ms_health"] == ["参保资助", "", "", "", "参保"] * 5
    assert cols["ms_industry"] == ["", "奖补", "", "", ""] * 5
    assert cols["ms_security"] == [""] * 25
