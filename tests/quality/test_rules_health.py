"""健康、保险与社会保障 rules: an empty answer is not a "no"; benefits and labour capacity."""

from __future__ import annotations

import pytest

from tests.quality.kit import MON, case, check, head, person, spouse, table, with_member

NO_LABOUR = [head(labour_capacity="4", health="3"), spouse(labour_capacity="5", health="2")]

CASES = {
    "2_01_016": [
        case({3}, members=with_member(med_resident=False, med_employee=False, med_critical=True)),
        case({3}, members=with_member(med_resident=False, med_employee=None, med_critical=True)),
        case({3}, members=with_member(med_resident=True, med_critical=False)),
        case(set(), members=with_member(med_resident=False, med_employee=True, med_critical=True)),
        case(set(), members=with_member(med_resident=None, med_employee=None, med_critical=None)),
        case(set(), household=MON, members=with_member(med_resident=True, med_critical=False)),
    ],
    "2_12_016": [
        case({3}, household=MON, members=with_member(med_resident=True, med_critical=False)),
        case(set(), household=MON, members=with_member(med_resident=True, med_critical=True)),
    ],
    "2_12_010": [
        case({3}, members=with_member(med_critical=None)),
        case(set(), members=with_member(med_critical=False)),
        case(set(), household=MON, members=with_member(med_critical=None)),
    ],
    "2_15_001": [
        case({3}, household=MON, members=with_member(med_critical=None)),
        case(set(), household=MON, members=with_member(med_critical=False)),
    ],
    "2_12_012": [
        case({3}, members=with_member(med_resident=None, med_employee=None)),
        case(set(), members=with_member(med_resident=None, med_employee=False)),
    ],
    "2_12_015": [
        case({3}, members=with_member(med_resident=True, med_employee=True)),
        case(set(), members=with_member(med_resident=True, med_employee=None)),
    ],
    "5_19_001": [
        case({3}, members=with_member(pension_resident=None, pension_employee=None)),
        case(set(), members=with_member(pension_resident=False, pension_employee=None)),
    ],
    "4_12_003": [
        case({3}, members=with_member(health="4", disability_category="4", disability_grade="3",
                                      disability_certificate="")),
        case({3}, members=with_member(health="4", disability_category="4", disability_certificate="  ")),
        case(set(), members=with_member(health="4", disability_category="4",
                                        disability_certificate="45029919800101001143")),
        case(set(), members=with_member(health="2", disability_certificate="")),
    ],
    "5_19_003": [
        case({1}, members=NO_LABOUR),
        case(set(), members=[head(labour_capacity="4", dibao="1"), spouse(labour_capacity="5")]),
        case(set(), members=[head(labour_capacity="4"), spouse(labour_capacity="")]),  # empty is not "none"
        case(set(), members=[head(labour_capacity="4"), spouse(labour_capacity="3")]),
        case(set(), household=MON, members=NO_LABOUR),
    ],
    "5_19_007": [
        case({1}, household=MON, members=NO_LABOUR),
        case(set(), household=MON, members=[*NO_LABOUR, person(3, labour_capacity="5", dibao="2")]),
    ],
    "BEN_01": [
        case({3}, members=with_member(dibao="1", tekun="2")),
        case(set(), members=with_member(dibao="0", tekun="1")),
        case(set(), members=with_member(dibao="", tekun="1")),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
