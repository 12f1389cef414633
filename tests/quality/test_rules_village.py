"""村级数据 rules: the village profile against itself and the registry counts (one household of two persons)."""

from __future__ import annotations

import pytest

from tests.quality.kit import VILLAGE_ID, case, check, head, spouse, table

OTHER = "450299100202"  # a village with a profile and no registered household


def village(village_id: str = VILLAGE_ID, exited=False, households=1, population=2, **totals) -> dict:
    return {"village_id": village_id, "is_exited": exited, "total_households": households,
            "total_population": population, **totals}


def villages(*rows: dict) -> dict:
    return {"villages": list(rows)}


CASES = {
    "1_03_002": [
        case({VILLAGE_ID}, **villages(village(exited=True, population=0))),
        case({OTHER}, **villages(village(), village(OTHER, exited=True, households=0, population=0))),
        case(set(), **villages(village(exited=True, population=None))),
        case(set(), **villages(village(exited=False, population=0))),
    ],
    "VIL_01": [
        case({VILLAGE_ID}, **villages(village(households=2))),
        case({OTHER}, **villages(village(), village(OTHER, households=3, population=0))),
        case(set(), **villages(village(households=None))),
        case(set(), **villages(village(households=1), village(OTHER, households=0, population=0))),
    ],
    "VIL_02": [
        case({VILLAGE_ID}, **villages(village(population=3))),
        case({VILLAGE_ID}, **villages(village(population=0))),
        case(set(), **villages(village(population=None))),
        case(set(), **villages(village(population=2))),
    ],
    # the kit's household: two members, neither on 低保/特困 nor disabled, not a dangerous house
    "VIL_03": [
        case({VILLAGE_ID}, **villages(village(dibao_persons=1))),
        case(set(), **villages(village(dibao_persons=0))),
        case(set(), **villages(village(dibao_persons=None))),
        case(set(), members=[head(dibao="1"), spouse(dibao="2")], **villages(village(dibao_persons=2))),
    ],
    "VIL_04": [
        case({VILLAGE_ID}, members=[head(tekun="1"), spouse()], **villages(village(tekun_persons=0))),
        case(set(), members=[head(tekun="1"), spouse()], **villages(village(tekun_persons=1))),
    ],
    "VIL_05": [
        case({VILLAGE_ID}, **villages(village(disabled_persons=2))),
        case(set(), members=[head(health="4"), spouse()], **villages(village(disabled_persons=1))),
    ],
    "VIL_06": [
        case({VILLAGE_ID}, household={"dangerous_house": "C"}, **villages(village(dangerous_houses=0))),
        case(set(), household={"dangerous_house": "C"}, **villages(village(dangerous_houses=1))),
        case(set(), **villages(village(dangerous_houses=0))),
    ],
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
