"""身份与家庭结构 rules: each code triggers on a household made for it and not on its near miss."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core import idnumber
from tests.quality.kit import MON, case, check, head, person, spouse, table, with_member

BORN = dt.date(1980, 1, 1)
MALE_ID = idnumber.make("450299", BORN, 11)  # 17th digit 1: male
BAD_CHECK = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
NO_DATE = "450299198002300011"  # 30 February


def _id(**kw) -> list[dict]:
    """A head whose ID number and birth date are ``kw``."""
    return [head(**kw), spouse()]


CASES = {
    "1_01_001": [
        case({1, 2}, members=[head(id_number=MALE_ID, birth_date=BORN), spouse(id_number=MALE_ID)]),
        case({1, 5}, members=[head(id_number=MALE_ID, birth_date=BORN), spouse()],
             extra_households=[({"id": 2}, [head(5, id_number=MALE_ID, birth_date=BORN)])]),
        case(set(), members=[head(id_number=""), spouse(id_number="")]),
    ],
    "4_01_003": [
        case({1}, members=_id(id_number="")),
        case({1}, members=_id(id_number="999999198001010011")),
        case(set(), household=MON, members=_id(id_number="")),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN)),
    ],
    "ID_01": [
        case({1}, members=_id(id_number=BAD_CHECK, birth_date=BORN)),
        case(set(), members=_id(id_number=BAD_CHECK, birth_date=BORN, id_type="2")),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN)),
    ],
    "ID_02": [
        case({1}, members=_id(id_number=NO_DATE)),
        case({1}, members=_id(id_number=MALE_ID[:17])),
        case(set(), members=_id(id_number="")),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN)),
    ],
    "ID_03": [
        case({1}, members=_id(id_number=MALE_ID, birth_date=BORN, sex="2")),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN, sex="")),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN, sex="1")),
    ],
    "ID_04": [
        case({1}, members=_id(id_number=MALE_ID, birth_date=dt.date(1980, 1, 2))),
        case(set(), members=_id(id_number=MALE_ID, birth_date=BORN)),
    ],
    "3_01_001": [
        case({3}, members=with_member(relationship="")),
        case(set(), members=with_member(relationship="99")),
    ],
    "HH_01": [
        case({1}, members=[spouse(), person(3)]),
        case({1}, members=[head(), head(2)]),
        case(set(), members=[head(), spouse()]),
    ],
    "2_02_001": [
        case({1}, members=[head(), spouse(sex="1")]),
        case(set(), household=MON, members=[head(), spouse(sex="1")]),
        case(set(), members=[head(), spouse(sex="")]),
    ],
    "2_11_003": [
        case({1}, household=MON, members=[head(), spouse(sex="1")]),
        case(set(), members=[head(), spouse(sex="1")]),
        case(set(), household=MON, members=[head(), spouse()]),
    ],
    "2_12_008": [
        case({3}, members=with_member(relationship="04", sex="1")),
        case({3}, members=with_member(relationship="11", sex="2", age=80)),
        case(set(), members=with_member(relationship="04", sex="2")),
        case(set(), members=with_member(relationship="99", sex="2")),
    ],
    "AGE_01": [
        case({3}, members=with_member(age=35)),  # older than 46 − 12
        case(set(), members=with_member(age=34)),
        case(set(), {"min_gap": 10}, members=with_member(age=35)),
    ],
    "AGE_02": [
        case({3}, members=with_member(relationship="11", age=57)),  # younger than 46 + 12
        case(set(), members=with_member(relationship="11", age=58)),
        case(set(), members=[spouse(), person(3, relationship="11", age=20)]),  # no head: no gap to check
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
