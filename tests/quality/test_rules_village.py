"""村级数据 rules: the village profile against itself and the registry counts (one household of two persons)."""

from __future__ import annotations

import pytest

from tests.quality.kit import VILLAGE_ID, case, check, table

OTHER = "450299100202"  # a village with a profile and no registered household


def village(village_id: str = VILLAGE_ID, exited=False, households=1, population=2) -> dict:
    return {"village_id": village_id, "is_exited": exited, "total_households": households,
            "total_population": population}


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
}


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
