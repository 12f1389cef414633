"""监测逻辑 rules: monitoring line, elimination timing, risk types against members and income."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.quality.kit import ELIM, MON, OPEN_HH, case, check, head, person, spouse, table, with_member

D = dt.date
NO_LABOUR = [head(labour_capacity="4"), spouse(labour_capacity="5")]


def elim(identified: dt.date, eliminated: dt.date, way: str = "1", **kw) -> dict:
    return {**ELIM, "monitor_identified_month": identified, "eliminated_month": eliminated, "elimination_way": way,
            **kw}


def members(can_work: int, cannot: int) -> list[dict]:
    """A head who can work, further members of whom ``can_work - 1`` can work and ``cannot`` cannot."""
    rows = [head()]
    rows += [person(10 + n, age=30) for n in range(can_work - 1)]
    rows += [person(20 + n, age=70, labour_capacity="5", relationship="11") for n in range(cannot)]
    return rows


def income(year: int = 2024, **kw) -> list[dict]:
    return [{"year": year, **kw}]


LACK = {**OPEN_HH, "risk_types": ",08,"}
ILL = {**MON, "risk_types": ",01,"}
WORK = {**MON, "risk_types": ",07,"}

CASES = {
    "1_02_006": [
        case({1}, incomes=[{"per_capita_income": 7299.99}]),
        case(set(), incomes=[{"per_capita_income": 7300.0}]),
        case(set(), incomes=[]),
        case(set(), household={"monitor_kind": "1", "monitor_identified_month": D(2025, 3, 1)},
             incomes=[{"per_capita_income": 5000.0}]),
        case({1}, {"line": 8000}, incomes=[{"per_capita_income": 7500.0}]),
        # the latest year up to the check date counts
        case(set(), incomes=[{"year": 2024, "per_capita_income": 5000.0}, {"year": 2025, "per_capita_income": 9000.0}]),
    ],
    "1_02_001": [
        case({1}, household={"dangerous_house": "D"}),
        case({1}, household={"household_type": "4", "dangerous_house": "9"}),
        case(set(), household={**MON, "dangerous_house": "C"}),
        case(set(), household={"dangerous_house": "0"}),
        case(set(), household={"dangerous_house": ""}),
    ],
    "1_02_008": [
        case({1}, household={**ELIM, "dangerous_house": "C"}),
        case({1}, household={**ELIM, "housing_secured": False}),
        case(set(), household={**ELIM, "housing_secured": None}),
        case(set(), household={**OPEN_HH, "dangerous_house": "C"}),
    ],
    "1_02_009": [
        case({1}, household={**ELIM, "water_safe": False}),
        case({1}, household={**ELIM, "water_secured": False}),
        case(set(), household={**ELIM, "water_secured": None}),
        case(set(), household={**OPEN_HH, "water_safe": False}),
    ],
    "2_11_002": [
        case({1}, household=elim(D(2024, 3, 1), D(2024, 8, 1))),  # 5 months
        case(set(), household=elim(D(2024, 3, 1), D(2024, 9, 1))),  # 6 months
        case({1}, household=elim(D(2021, 11, 1), D(2022, 4, 1))),
        case(set(), household=elim(D(2021, 10, 1), D(2022, 3, 1))),  # before 2022-04
        case(set(), {"since": "2022-05"}, household=elim(D(2021, 11, 1), D(2022, 4, 1))),
        case(set(), {"min_months": 5}, household=elim(D(2024, 3, 1), D(2024, 8, 1))),
        case(set(), household=elim(D(2024, 3, 1), None)),
    ],
    "5_18_009": [
        case({1}, household=elim(D(2024, 3, 1), D(2024, 4, 1))),
        case({1}, household=elim(D(2024, 3, 1), D(2024, 3, 1), way="")),
        case(set(), household=elim(D(2024, 3, 1), D(2024, 5, 1))),
        case(set(), household=elim(D(2024, 3, 1), D(2024, 3, 1), way="2")),
    ],
    "4_11_010": [
        case({1}, household=elim(D(2024, 3, 1), D(2024, 12, 1)), incomes=[{"per_capita_income": 7000.0}]),
        case(set(), household=elim(D(2024, 3, 1), D(2024, 12, 1)), incomes=[{"per_capita_income": 7300.0}]),
        case(set(), household=elim(D(2024, 3, 1), D(2024, 12, 1), way="2"),
             incomes=[{"per_capita_income": 7000.0}]),
        case(set(), household=elim(D(2024, 3, 1), D(2024, 12, 1)), incomes=[]),
    ],
    "4_11_011": [
        case({1}, household=ELIM, members=NO_LABOUR),
        case({1}, household={**ELIM, "no_labour_support": True}),
        case(set(), household=ELIM, members=[head(labour_capacity="4"), spouse(labour_capacity="3")]),
        case(set(), household=OPEN_HH, members=NO_LABOUR),
    ],
    "5_11_033": [
        case({1}, household=OPEN_HH, members=NO_LABOUR),
        case(set(), household={**OPEN_HH, "no_labour_support": True}, members=NO_LABOUR),
        case(set(), household=OPEN_HH, members=[head(labour_capacity="4"), spouse(labour_capacity="")]),
        case(set(), household=ELIM, members=NO_LABOUR),
    ],
    "1111_18": [
        case({1}, household={**MON, "monitor_identified_month": D(2023, 5, 1)},
             incomes=income(2023, per_capita_income=20000.01)),
        case(set(), household={**MON, "monitor_identified_month": D(2023, 5, 1)},
             incomes=income(2023, per_capita_income=20000.0)),
        case(set(), household={**MON, "monitor_identified_month": D(2022, 5, 1)},
             incomes=income(2022, per_capita_income=25000.0)),
        # only the income of the identification year counts
        case(set(), household={**MON, "monitor_identified_month": D(2023, 5, 1)},
             incomes=income(2025, per_capita_income=25000.0)),
        case({1}, {"since_year": 2022}, household={**MON, "monitor_identified_month": D(2022, 5, 1)},
             incomes=income(2022, per_capita_income=25000.0)),
    ],
    "4_11_006": [
        case({1}, household={**OPEN_HH, "water_safe": False}),
        case({1}, household={**OPEN_HH, "water_secured": False, "risk_types": ",01,"}),
        case(set(), household={**OPEN_HH, "water_safe": False, "risk_types": ",01,10,"}),
        case(set(), household={**OPEN_HH, "water_safe": None}),
        case(set(), household={**ELIM, "water_safe": False}),
    ],
    "4_11_007": [
        case({3}, household=OPEN_HH, members=with_member(med_resident=False, med_employee=False)),
        case(set(), household={**OPEN_HH, "risk_types": ",01,"},
             members=with_member(med_resident=False, med_employee=False)),
        case(set(), household=OPEN_HH, members=with_member(med_resident=None, med_employee=None)),
        case(set(), household=OPEN_HH, members=with_member(med_resident=False, med_employee=True)),
    ],
    "4_11_009": [
        case({1}, household=LACK, members=members(3, 0)),
        case(set(), household=LACK, members=members(3, 1)),
        case(set(), household={**OPEN_HH, "risk_types": ",07,"}, members=members(3, 0)),
        case(set(), household={**ELIM, "risk_types": ",08,"}, members=members(3, 0)),
    ],
    "5_11_029": [
        case({1}, household=LACK, members=members(3, 1)),
        case(set(), household=LACK, members=members(2, 2)),  # exactly half
        case(set(), household=LACK, members=members(3, 0)),  # fewer than 4 persons
        case({1}, {"min_size": 3}, household=LACK, members=members(3, 0)),
    ],
    "5_18_008": [
        case({1}, household=LACK, members=members(2, 2)),
        case(set(), household=LACK, members=members(1, 3)),  # exactly a quarter
        case(set(), household={**OPEN_HH, "risk_types": ",01,"}, members=members(2, 2)),
    ],
    "5_15_013": [
        case({1}, household=WORK, members=NO_LABOUR),
        case(set(), household=WORK, members=[head(labour_capacity="3"), spouse(labour_capacity="5")]),
        case(set(), household={**MON, "risk_types": ",01,"}, members=NO_LABOUR),
    ],
    "5_15_014": [
        case({1}, household=WORK),
        case({1}, household=WORK, work=[{"member_id": 1, "kind": "planned", "start_month": D(2026, 9, 1)}]),
        case(set(), household=WORK, members=[head(), spouse()],
             work=[{"member_id": 2, "kind": "actual", "start_month": D(2024, 1, 1)}]),
        case(set(), household={**MON, "risk_types": ",08,"}),
    ],
    "5_15_015": [
        case({1}, household=ILL),
        case(set(), household=ILL, members=[head(), spouse(health="2")]),
        case(set(), household=ILL, members=[head(health="3"), spouse()]),
        case({1}, household=ILL, members=[head(health="4", disability_category="4"), spouse()]),
    ],
    "5_15_020": [
        case({1}, household=ILL, incomes=income(2024, medical_out_of_pocket=0.0)),
        case(set(), household=ILL, incomes=income(2024, medical_out_of_pocket=500.0)),
        case(set(), household=ILL, incomes=income(2024, medical_out_of_pocket=None)),
        case(set(), household=ILL, incomes=income(2023, medical_out_of_pocket=0.0)),
        case(set(), household=MON, incomes=income(2024, medical_out_of_pocket=0.0)),
    ],
    "5_15_023": [
        case({1}, household=MON, incomes=income(2024, wage=50.0)),
        case({1}, household=MON, incomes=income(2024, wage=99.99)),
        case(set(), household=MON, incomes=income(2024, wage=100.0)),
        case(set(), household=MON, incomes=income(2024, wage=0.0)),
        case(set(), household=MON, incomes=income(2024, wage=None)),
        case(set(), incomes=income(2024, wage=50.0)),
    ],
    "1_11_011": [
        case({1}, household={**ELIM, "helpers": 0}),
        case(set(), household=ELIM),
        case(set(), household={**OPEN_HH, "helpers": 0}),
        case(set(), household={"helpers": 0}),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
