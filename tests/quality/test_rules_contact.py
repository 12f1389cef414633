"""联系方式 rules: empty, not 11 digits, not a mobile number — each phone found by exactly one of them."""

from __future__ import annotations

import pytest

from tests.quality.kit import case, check, table


def phone(value: str) -> dict:
    return {"household": {"phone": value}}


CASES = {
    "2_01_013": [case({1}, **phone("")), case({1}, **phone("  ")), case(set(), **phone("13800138000")),
                 case(set(), **phone("1380013800"))],
    "2_01_014": [case({1}, **phone("1380013800")), case({1}, **phone("138001380001")),
                 case({1}, **phone("0772-1234567")), case(set(), **phone("138 0013 8000")),
                 case(set(), **phone("")), case(set(), **phone("12800138000"))],
    "5_13_003": [case({1}, **phone("12800138000")), case({1}, **phone("07721234567")),
                 case(set(), **phone("19912345678")), case(set(), **phone("1380013800")), case(set(), **phone(""))],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
