"""A generated registry with planted problems of every rule: the run finds exactly those.

The registry is built in the database from the rule tables (``CASES`` of ``tests/quality/test_rules_*.py``): for
every rule of the catalogue, its first triggering case without parameters becomes a household (or village) of
its own. A clean baseline is checked first (nothing found), then the plants are added and one run over the
township must find exactly the planted (rule, member / household / village) pairs: nothing missing, nothing
else. Where the data of a case also trips another rule, that is listed in ``ALSO`` — explicitly, so that a
change in what a rule finds shows up here.
"""

from __future__ import annotations

import pytest

from fupin.areas.models import Area, VillageProfile
from fupin.quality import catalogue, services
from fupin.quality.models import Problem
from tests.quality import (
    dbkit,
    kit,
    test_rules_contact,
    test_rules_education,
    test_rules_health,
    test_rules_identity,
    test_rules_labour,
    test_rules_living,
    test_rules_measures,
    test_rules_monitoring,
    test_rules_village,
    test_rules_welfare,
)

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL snapshots read committed data (own connection)

CASES: dict[str, list[tuple]] = {}
for _module in (test_rules_contact, test_rules_education, test_rules_health, test_rules_identity, test_rules_labour,
                test_rules_living, test_rules_measures, test_rules_monitoring, test_rules_village, test_rules_welfare):
    CASES.update(_module.CASES)

# Rules the database's constraints make impossible to plant, with the reason.
UNPLANTABLE = {
    "1_01_001": "证件号码重复: the partial unique index uniq_active_id_number allows one active member per ID number "
                "(and the frames read active members only)",
}
# Which case of a rule's table to plant, where the first triggering one does not suit (index into CASES[code]).
PICK = {
    "1_03_002": 1,  # case 0's exited village with population 0 also differs from the registry (VIL_02)
    "ID_02": 1,  # case 0 (30 February) is also an invalid check digit (ID_01)
    "2_12_008": 1,  # case 0's third member is as old as the head (AGE_01)
    "2_12_014": 1,  # case 0 (age 15, no education) is also a child out of school (5_15_016)
    "4_11_011": 1,  # case 0's members without labour capacity trip the labour rules as well
}
# Other findings on the data of a plant (kit ids: members, households or villages), as the rule tables make them:
# e.g. a third member left at the default age 46 is as old as the head (AGE_01).
ALSO: dict[str, set[tuple[str, object]]] = {
    "3_01_002": {("1111_15", 3)},
    "5_15_016": {("3_01_002", 3)},
    "5_15_017": {("3_01_002", 3), ("5_18_005", 3)},
    "2_01_016": {("AGE_01", 3)},
    "2_12_016": {("AGE_01", 3)},
    "2_12_010": {("AGE_01", 3)},
    "2_15_001": {("AGE_01", 3)},
    "2_12_012": {("AGE_01", 3)},
    "2_12_015": {("AGE_01", 3)},
    "5_19_001": {("AGE_01", 3)},
    "4_12_003": {("AGE_01", 3)},
    "5_19_007": {("5_11_033", 1)},
    "BEN_01": {("5_15_018", 3), ("AGE_01", 3)},
    "ID_03": {("2_02_001", 1)},
    "5_12_008": {("1111_15", 3)},
    "4_01_008": {("4_12_003", 3)},
    "2_12_004": {("1111_15", 3)},
    "4_01_006": {("2_12_004", 3)},
    "4_12_002": {("2_12_004", 3)},
    "5_01_004": {("5_15_018", 3)},
    "5_12_003": {("5_15_019", 3)},
    "5_15_019": {("AGE_01", 3)},
    "5_18_009": {("2_11_002", 1)},
    "5_11_033": {("1111_15", 1), ("1111_15", 2), ("5_12_008", 1), ("5_12_008", 2), ("5_19_007", 1)},
    "4_11_007": {("2_12_016", 3), ("AGE_01", 3)},
    "4_11_009": {("5_18_008", 1)},
    "5_11_029": {("5_18_008", 1)},
    "5_15_013": {("1111_15", 1), ("1111_15", 2), ("5_11_033", 1), ("5_12_008", 1), ("5_12_008", 2),
                 ("5_15_014", 1), ("5_19_007", 1)},
    "5_15_020": {("5_15_015", 1)},
    "3_01_008": {("5_15_016", 3)},
    "5_12_004": {("5_15_017", 3), ("5_18_005", 3)},
    "3_01_005": {("AGE_01", 3)},
    "3_01_006": {("AGE_01", 3)},
    # measures: a measure text that names several measures, a risk or member that other rules also judge
    "1111_18": {("1111_13", 1)},
    "5_18_001": {("5_15_015", 1)},
    "5_18_007": {("2_12_016", 3), ("4_11_007", 3), ("AGE_01", 3)},
    "5_17_011": {("1111_3", 1)},
    "5_17_012": {("1111_10", 1), ("4_11_014", 1), ("5_17_011", 1)},
    "1111_10": {("AGE_01", 3)},
    "4_11_012": {("5_17_013", 1)},
    "5_11_032": {("5_11_030", 1)},
    # village totals: the registry data that makes the count also trips the person / household rules
    "VIL_04": {("5_15_018", 1)},
    "VIL_06": {("1_02_001", 1)},
}


def _pick(code: str) -> tuple[set, dict]:
    rows = CASES.get(code)
    assert rows, f"规则{code}没有规则测试用例（tests/quality/test_rules_*.py 的 CASES），无法种植"
    if code in PICK:
        expected, params, kwargs = rows[PICK[code]]
        assert expected and not params
        return expected, kwargs
    for expected, params, kwargs in rows:
        if expected and not params:
            return expected, kwargs
    raise AssertionError(f"规则{code}没有不带参数的触发用例")


def _found(run_area: str) -> set[tuple[str, object]]:
    out = set()
    for p in Problem.objects.filter(status="open").values("rule_code", "level", "member_id", "household_id",
                                                             "village_id"):
        target = {"person": p["member_id"], "household": p["household_id"], "village": p["village_id"]}[p["level"]]
        out.add((p["rule_code"], target))
    return out


def _plant(township: Area, code: str) -> set[tuple[str, object]]:
    """Build the case of ``code`` in new villages; the expected (rule, target) pairs in database ids."""
    expected, kwargs = _pick(code)
    kwargs = dict(kwargs)
    villages = {kit.VILLAGE_ID: dbkit.village(township, f"{code}村")}
    for row in kwargs.pop("villages", None) or ():
        vid = row["village_id"]
        if vid not in villages:
            villages[vid] = dbkit.village(township, f"{code}村{len(villages) + 1}")
        VillageProfile.objects.create(village=villages[vid], is_exited=bool(row["is_exited"]),
                                      **{k: v for k, v in row.items() if k not in ("village_id", "is_exited")})
    hh_rows = [kwargs.get("household") or {}, *[h for h, _m in kwargs.get("extra_households", ())]]
    members: dict = {}
    first, _ = dbkit.create(villages[kit.VILLAGE_ID], members_by_id=members, **kwargs)
    # households by kit id: the first is id 1 unless the case says otherwise; extras follow in creation order
    created = list(first.village.households.order_by("id"))
    households = {h.get("id", n): db.pk for n, (h, db) in enumerate(zip(hh_rows, created, strict=True), start=1)}

    def db_id(rule: str, target):
        lvl = catalogue.get(rule).level
        if lvl == catalogue.PERSON:
            return members[target].pk
        if lvl == catalogue.HOUSEHOLD:
            return households[target]
        return villages[target].code

    pairs = {(code, t) for t in expected} | ALSO.get(code, set())
    return {(rule, db_id(rule, t)) for rule, t in pairs}


def test_run_finds_exactly_the_planted_problems(areas):
    township = Area.objects.create(code="450299102000", name="种植镇", level=4, parent=areas["清溪县"])

    # A clean baseline: households as the rule kit makes them and a village whose profile matches its registry.
    base = dbkit.village(township, "干净村", profile={"is_exited": True, "total_households": 3,
                                                     "total_population": 6})
    for _ in range(3):
        dbkit.clean_household(base)
    run = services.quality_run(actor=None, area_code=township.code, check_date=kit.CHECK_DATE)
    assert (run.status, run.findings, run.households, run.persons) == ("succeeded", 0, 3, 6), run.counts
    assert not Problem.objects.exists()

    planted: set[tuple[str, object]] = set()
    plantable = [c for c in catalogue.CATALOGUE if c not in UNPLANTABLE]
    for code in plantable:
        planted |= _plant(township, code)

    # Every rule except the listed impossible ones has a plant: a new rule without one fails here.
    assert {rule for rule, _t in planted} >= set(plantable)
    assert set(UNPLANTABLE) <= set(catalogue.CATALOGUE), "UNPLANTABLE names a rule that no longer exists"

    run = services.quality_run(actor=None, area_code=township.code, check_date=kit.CHECK_DATE)
    assert run.status == "succeeded"
    found = _found(township.code)
    missing, unexpected = planted - found, found - planted
    plants = {(p.rule_code, {"person": p.member_id, "household": p.household_id, "village": p.village_id}[p.level]):
              p.village.name for p in Problem.objects.select_related("village")}
    assert not missing and not unexpected, (
        f"missing: {sorted(missing, key=str)}; unexpected: {sorted((k, plants[k]) for k in unexpected)}")
    assert run.findings == len(planted) == Problem.objects.count()
    assert run.outcome["new"] == len(planted)
    assert set(run.counts) == set(plantable)
