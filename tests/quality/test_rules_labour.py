"""劳动能力与务工 rules: labour capacity against age/health/schooling, work status and work records."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.quality.kit import MON, case, check, head, spouse, table, with_member

D = dt.date
JAN_2024 = D(2024, 1, 1)


def work(member_id: int = 3, start=JAN_2024, end=None, kind="actual", county="柳城县", income=3000.0) -> dict:
    return {"member_id": member_id, "kind": kind, "county": county, "start_month": start, "end_month": end,
            "monthly_income": income}


def adult(**kw) -> list[dict]:
    return with_member(age=30, **kw)


CASES = {
    "2_12_014": [
        case({3}, members=with_member(age=15, labour_capacity="2")),
        case({3}, members=with_member(age=0, labour_capacity="4")),
        case(set(), members=with_member(age=16, labour_capacity="2")),
        case(set(), members=with_member(age=15, labour_capacity="5")),
        case(set(), members=with_member(age=15, labour_capacity="")),
        case(set(), {"min_age": 15}, members=with_member(age=15, labour_capacity="2")),
    ],
    "1111_07": [
        case({3}, members=with_member(age=17, student_status="21", labour_capacity="3")),
        case(set(), members=with_member(age=17, student_status="21", labour_capacity="5")),
        case(set(), members=with_member(age=4, student_status="01", labour_capacity="2")),  # 学龄前: not a student
    ],
    "1111_14": [
        case({3}, members=with_member(age=16, labour_capacity="3")),
        case({3}, members=with_member(age=59, labour_capacity="3")),
        case(set(), members=with_member(age=60, labour_capacity="3")),
        case(set(), members=with_member(age=15, labour_capacity="3")),
        case(set(), members=with_member(age=30, labour_capacity="3", health="2")),
        case(set(), members=with_member(age=18, labour_capacity="3", student_status="51")),
        case(set(), members=with_member(age=30, labour_capacity="4")),
    ],
    "1111_15": [
        case({3}, members=adult(labour_capacity="4")),
        case({3}, members=adult(labour_capacity="5")),
        case(set(), members=adult(labour_capacity="3")),
        case(set(), members=adult(labour_capacity="5", health="4", disability_category="5")),
    ],
    "5_12_008": [
        case({3}, household=MON, members=adult(labour_capacity="5")),
        case({3}, household=MON, members=adult(labour_capacity="3")),
        case(set(), household=MON, members=adult(labour_capacity="2")),
        case(set(), members=adult(labour_capacity="5")),
    ],
    "4_01_008": [
        case({3}, members=adult(health="4", disability_category="4", disability_grade="2", labour_capacity="2")),
        case({3}, members=adult(health="4", disability_category="4", disability_grade="1", labour_capacity="1")),
        case(set(), members=adult(health="4", disability_category="4", disability_grade="3", labour_capacity="2")),
        case(set(), members=adult(health="4", disability_category="5", disability_grade="1", labour_capacity="2")),
        case(set(), members=adult(health="4", disability_category="4", disability_grade="1", labour_capacity="3")),
        case(set(), household=MON,
             members=adult(health="4", disability_category="4", disability_grade="1", labour_capacity="2")),
        case({3}, {"max_grade": 3},
             members=adult(health="4", disability_category="4", disability_grade="3", labour_capacity="2")),
    ],
    "2_12_004": [
        case({3}, members=adult(labour_capacity="4", work_status="3")),
        case({3}, members=adult(labour_capacity="5"), work=[work(kind="planned")]),
        case(set(), members=adult(labour_capacity="4", work_status="1")),  # 乡镇内务工 is not away
        case(set(), members=adult(labour_capacity="2", work_status="4")),
    ],
    "4_01_006": [
        case({3}, members=with_member(age=10, student_status="14", work_status="2", labour_capacity="5")),
        case({3}, members=with_member(age=17, student_status="31", labour_capacity="5"), work=[work(kind="planned")]),
        case(set(), members=with_member(age=20, student_status="51", work_status="4", labour_capacity="5")),
        case(set(), members=with_member(age=17, student_status="21", work_status="1", labour_capacity="5")),
        case(set(), household=MON,
             members=with_member(age=10, student_status="14", work_status="2", labour_capacity="5")),
    ],
    "4_12_002": [
        case({3}, household=MON,
             members=with_member(age=16, student_status="23", work_status="4", labour_capacity="5")),
        case(set(), members=with_member(age=16, student_status="23", work_status="4", labour_capacity="5")),
    ],
    "5_01_004": [
        case({3}, members=adult(tekun="1", work_status="2")),
        case(set(), members=adult(tekun="0", work_status="2")),
        case(set(), members=adult(tekun="1", work_status="1")),
        case(set(), household=MON, members=adult(tekun="1", work_status="2")),
    ],
    "5_12_003": [
        case({3}, household=MON, members=adult(tekun="2", work_status="4")),
        case(set(), members=adult(tekun="2", work_status="4")),
    ],
    "5_15_018": [
        case({3}, members=with_member(age=18, tekun="1")),
        case({3}, members=with_member(age=59, tekun="1")),
        case(set(), members=with_member(age=17, tekun="1")),
        case(set(), members=with_member(age=60, tekun="1")),
        case(set(), members=with_member(age=30, tekun="1", health="3")),
        case(set(), members=with_member(age=30, tekun="0")),
    ],
    "5_15_019": [
        case({3}, household=MON, members=with_member(age=40, tekun="2")),
        case(set(), members=with_member(age=40, tekun="2")),
    ],
    "5_16_010": [
        # born 1 January 2000: 16 in January 2016
        case({3}, members=with_member(age=26), work=[work(start=D(2015, 12, 1), end=D(2016, 6, 1))]),
        case(set(), members=with_member(age=26), work=[work(start=D(2016, 1, 1), end=D(2016, 6, 1))]),
        case(set(), members=with_member(age=26), work=[work(start=D(2015, 12, 1), kind="planned")]),
        case(set(), {"min_age": 15}, members=with_member(age=26), work=[work(start=D(2015, 12, 1))]),
    ],
    "5_12_001": [
        case({3}, household=MON, members=adult(work_status="3"),
             work=[work(start=D(2023, 1, 1), end=D(2023, 8, 1)), work(start=D(2023, 6, 1), end=D(2023, 12, 1))]),
        case(set(), household=MON, members=adult(work_status="3"),
             work=[work(start=D(2023, 1, 1), end=D(2023, 8, 1)), work(start=D(2023, 8, 1), end=D(2023, 12, 1))]),
        case(set(), members=adult(work_status="3"),
             work=[work(start=D(2023, 1, 1), end=D(2023, 8, 1)), work(start=D(2023, 6, 1), end=D(2023, 12, 1))]),
    ],
    "1111_16": [
        case({3}, members=adult(work_status="0"), work=[work(end=None)]),
        case({3}, members=adult(work_status="1"), work=[work(end=D(2026, 7, 1))]),
        case(set(), members=adult(work_status="0"), work=[work(end=D(2026, 6, 1))]),  # ended in the check month
        case(set(), members=adult(work_status="3"), work=[work(end=None)]),
        case(set(), members=adult(work_status="0"), work=[work(end=None, kind="planned")]),
        case(set(), household=MON, members=adult(work_status="0"), work=[work(end=None)]),
    ],
    "1111_17": [
        case({3}, household=MON, members=adult(work_status=""), work=[work(end=None)]),
        case(set(), members=adult(work_status=""), work=[work(end=None)]),
    ],
    "5_20_028": [
        case({3}, members=adult(education="06", work_status="0")),
        case({3}, members=with_member(age=59, education="07", work_status="")),
        case(set(), members=with_member(age=60, education="07", work_status="0")),
        case(set(), members=adult(education="05", work_status="0")),
        case(set(), members=adult(education="06", work_status="1")),
        case(set(), members=with_member(age=22, education="06", student_status="51")),
        case(set(), members=adult(education="06", labour_capacity="4")),
        case(set(), household=MON, members=adult(education="06")),
    ],
    "5_20_030": [
        case({3}, household=MON, members=adult(education="06")),
        case(set(), members=adult(education="06", work_status="2")),
    ],
    "5_20_029": [
        case({3}, members=adult(labour_capacity="1", work_status="0")),
        case({3}, members=with_member(age=16, labour_capacity="1")),
        case(set(), members=with_member(age=15, labour_capacity="1")),
        case(set(), members=adult(labour_capacity="2", work_status="0")),
        case(set(), members=adult(labour_capacity="1", work_status="4")),
    ],
    "5_20_031": [
        case({3}, household=MON, members=adult(labour_capacity="1")),
        case(set(), members=adult(labour_capacity="1", work_status="3")),
    ],
    "1111_12": [
        case({3}, members=adult(work_status="3"), work=[work(income=399.0)]),
        case({3}, members=adult(work_status="3"), work=[work(income=0.0)]),
        case(set(), members=adult(work_status="3"), work=[work(income=400.0)]),
        case(set(), members=adult(work_status="3"), work=[work(income=None)]),
        case(set(), {"min_income": 300}, members=adult(work_status="3"), work=[work(income=399.0)]),
    ],
    "5_15_021": [
        case({1, 2}, members=[head(work_status="3"), spouse(work_status="3")],
             work=[work(1, county="柳城县"), work(2, county="鹿寨县")]),
        case({1, 7}, members=[head(work_status="3"), spouse()],
             extra_households=[({"id": 2}, [head(7, work_status="4")])],
             work=[work(1, county="柳城县"), work(7, county="南海区")]),
        case(set(), members=[head(work_status="3"), spouse(work_status="3")],
             work=[work(1, county="柳城县"), work(2, county="柳城县")]),
        case(set(), members=[head(work_status="3"), spouse(work_status="3", phone="13900139000")],
             work=[work(1, county="柳城县"), work(2, county="鹿寨县")]),
        case(set(), members=[head(work_status="3", phone=""), spouse(work_status="3", phone="")],
             work=[work(1, county="柳城县"), work(2, county="鹿寨县")]),
        case(set(), members=[head(work_status="3"), spouse()], work=[work(1, county="柳城县"), work(2, county="")]),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
