"""生活条件与土地 rules: empty fields (empty is not 0), land areas and road distance at their limits."""

from __future__ import annotations

import pytest

from tests.quality.kit import MON, case, check, table

# field: (empty codes exited / monitored, range codes exited / monitored, default maximum in mu)
LAND = {
    "land_cultivated": (("3_02_004", "5_14_015"), ("5_14_001", "5_14_008"), 100),
    "land_forest": (("3_02_005", "5_14_016"), ("5_14_002", "5_14_009"), 200),
    "land_returned": (("3_02_006", "5_14_017"), ("5_14_003", "5_14_010"), 200),
    "land_orchard": (("3_02_007", "5_14_018"), ("5_14_004", "5_14_011"), 200),
    "land_pasture": (("3_02_008", "5_14_019"), ("5_14_005", "5_14_012"), 100),
    "land_water": (("LAND_01", "5_14_020"), ("5_14_006", "5_14_013"), 100),
}


def _exited_monitored(codes: tuple[str, str], hit: dict, miss: dict) -> dict:
    """Both codes of an exited / monitored pair: found on its own side only, never on the near miss."""
    exited, monitored = codes
    return {
        exited: [case({1}, household=hit), case(set(), household=miss), case(set(), household={**MON, **hit})],
        monitored: [case({1}, household={**MON, **hit}), case(set(), household={**MON, **miss}),
                    case(set(), household=hit)],
    }


CASES = {
    **_exited_monitored(("3_02_002", "5_19_002"), {"water_safe": None}, {"water_safe": False}),
    "3_02_003": [case({1}, household={"has_sanitary_toilet": None}),
                 case(set(), household={"has_sanitary_toilet": False})],
    "2_02_002": [case({1}, household={"has_living_power": False}),
                 case({1}, household={**MON, "has_living_power": False}),
                 case(set(), household={"has_living_power": None})],
    **_exited_monitored(("LAND_02", "LAND_03"), {"entry_road": ""}, {"entry_road": "9"}),
    **_exited_monitored(("5_14_007", "5_14_014"), {"road_distance_km": 5.01}, {"road_distance_km": 5.0}),
    "5_19_004": [case({1}, household={"entry_road_hardened": None}),
                 case(set(), household={"entry_road_hardened": False})],
    "5_19_005": [case({1}, household={"housing_area": None}),
                 case(set(), household={"housing_area": 0.0})],
    "5_19_006": [case({1}, household={"dangerous_house": ""}),
                 case(set(), household={"dangerous_house": "0"})],
}
for _field, (_empty, _range, _max) in LAND.items():
    CASES.update(_exited_monitored(_empty, {_field: None}, {_field: 0.0}))
    CASES.update(_exited_monitored(_range, {_field: _max + 0.5}, {_field: float(_max)}))
    CASES[_range[0]] += [case({1}, household={_field: -0.5}),
                         case(set(), {"max_area": _max + 1}, household={_field: _max + 0.5})]
CASES["5_14_007"] += [case(set(), household={"road_distance_km": None}),
                      case({1}, {"max_km": 3}, household={"road_distance_km": 4.0})]


@pytest.mark.parametrize(("code", "expected", "params", "frame_kwargs"), table(CASES))
def test_rule(code, expected, params, frame_kwargs):
    check(code, expected, params, frame_kwargs)
