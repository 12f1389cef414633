"""公益性岗位 rules: age of post holders, post and months, posts per household."""

from __future__ import annotations

import pytest

from tests.quality.kit import MON, case, check, head, person, spouse, table, with_member


def post(**kw) -> list[dict]:
    return with_member(welfare_post=True, welfare_post_months=6, **kw)


CASES = {
    "3_01_008": [
        case({3}, members=post(age=15, labour_capacity="5")),
        case(set(), members=post(age=16)),
        case(set(), members=with_member(age=15, labour_capacity="5")),
        case(set(), household=MON, members=post(age=15, labour_capacity="5")),
    ],
    "5_12_004": [
        case({3}, household=MON, members=post(age=14, labour_capacity="5")),
        case(set(), household=MON, members=post(age=16)),
    ],
    "5_01_006": [
        case({3}, members=post(age=70, relationship="11")),
        case(set(), members=post(age=69, relationship="11")),
        case({3}, {"old_age": 65}, members=post(age=69, relationship="11")),
        case(set(), household=MON, members=post(age=75, relationship="11")),
    ],
    "5_12_005": [
        case({3}, household=MON, members=post(age=75, relationship="11")),
        case(set(), household=MON, members=with_member(age=75, relationship="11")),
    ],
    "3_01_005": [
        case({3}, members=with_member(welfare_post=False, welfare_post_months=6)),
        case({3}, members=with_member(welfare_post=None, welfare_post_months=1)),
        case(set(), members=with_member(welfare_post=False, welfare_post_months=0)),
        case(set(), members=with_member(welfare_post=False, welfare_post_months=None)),
    ],
    "3_01_006": [
        case({3}, members=with_member(welfare_post=True, welfare_post_months=None)),
        case({3}, members=with_member(welfare_post=True, welfare_post_months=0)),
        case(set(), members=with_member(welfare_post=True, welfare_post_months=1)),
        case(set(), members=with_member(welfare_post=False, welfare_post_months=None)),
    ],
    "3_01_010": [
        case({1}, members=[head(welfare_post=True, welfare_post_months=6), spouse(welfare_post=True,
             welfare_post_months=6), person(3, age=20, welfare_post=True, welfare_post_months=6)]),
        case(set(), members=[head(welfare_post=True, welfare_post_months=6), spouse(welfare_post=True,
             welfare_post_months=6), person(3, age=20)]),
        case({1}, {"max_posts": 2}, members=[head(welfare_post=True, welfare_post_months=6),
                                             spouse(welfare_post=True, welfare_post_months=6)]),
    ],
    "3_01_011": [
        case({1}, household=MON, members=[head(welfare_post=True, welfare_post_months=6), spouse(
             welfare_post=True, welfare_post_months=6), person(3, age=20, welfare_post=True, welfare_post_months=6)]),
        case(set(), members=[head(welfare_post=True, welfare_post_months=6), spouse(
             welfare_post=True, welfare_post_months=6), person(3, age=20, welfare_post=True, welfare_post_months=6)],
             household={"household_type": "1"}),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
