"""教育与年龄 rules: grade against age (boundary ages), education against age, children out of school."""

from __future__ import annotations

import pytest

from tests.quality.kit import MON, case, check, table, with_member


def child(**kw) -> list[dict]:
    return with_member(labour_capacity="5", **kw)


CASES = {
    "5_17_003": [
        case({3}, members=child(student_status="17", age=11)),
        case(set(), members=child(student_status="17", age=12)),
        case(set(), members=child(student_status="19", age=17)),
        case({3}, members=child(student_status="19", age=18)),
        case(set(), household=MON, members=child(student_status="17", age=11)),
        case(set(), {"min_age": 11}, members=child(student_status="17", age=11)),
    ],
    "5_17_004": [
        case({3}, members=child(student_status="21", age=14)),
        case(set(), members=child(student_status="21", age=15)),
        case(set(), members=child(student_status="33", age=20)),
        case({3}, members=child(student_status="33", age=21)),
    ],
    "5_17_006": [
        case({3}, members=child(student_status="61", age=19)),
        case(set(), members=child(student_status="61", age=20)),
        case(set(), household=MON, members=child(student_status="61", age=19)),
    ],
    "5_12_018": [
        case({3}, household=MON, members=child(student_status="61", age=19)),
        case(set(), household=MON, members=child(student_status="51", age=19)),
        case(set(), members=child(student_status="61", age=19)),
    ],
    "5_17_007": [
        case({3}, members=with_member(age=16, education="02")),
        case({3}, members=with_member(age=22, education="01")),
        case(set(), members=with_member(age=23, education="02")),
        case(set(), members=with_member(age=15, education="02")),
        case(set(), members=with_member(age=16, education="03")),
        case(set(), members=with_member(age=16, education="")),
    ],
    "5_12_019": [
        case({3}, household=MON, members=with_member(age=20, education="02")),
        case(set(), members=with_member(age=20, education="02")),
    ],
    "3_01_002": [
        case({3}, members=child(age=30, education="")),
        case(set(), members=child(age=10, education="", student_status="14")),
        case(set(), members=child(age=10, education="", dropout_reason="1")),
    ],
    "5_15_016": [
        case({3}, members=child(age=6, education="")),
        case({3}, members=child(age=15, education="")),
        case(set(), members=child(age=5, education="")),
        case(set(), members=child(age=16, education="")),
        case(set(), members=child(age=10, education="", not_in_school_reason="3")),
        case(set(), members=child(age=10, student_status="14")),
        case(set(), household=MON, members=child(age=10, education="")),
    ],
    "5_15_017": [
        case({3}, household=MON, members=child(age=10, education="")),
        case(set(), household=MON, members=child(age=10, dropout_reason="4")),
        case(set(), members=child(age=10, education="")),
    ],
    "4_11_008": [
        case({1}, household={"education_secured": False}),
        case(set(), household={"education_secured": False}, members=child(age=10)),
        case(set(), household={"education_secured": None}),
        case({1}, household={"education_secured": False}, members=child(age=10, student_status="14")),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
