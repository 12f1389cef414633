"""The catalogue as a whole: the clean household is clean, every rule is tested, parameters are validated, every
rule reads well in Chinese and names fields that exist."""

from __future__ import annotations

import datetime as dt
import importlib
import pathlib
import re

import pytest

from fupin.areas.models import VillageProfile
from fupin.quality import catalogue
from fupin.quality.catalogue import ParamError
from fupin.registry.models import Household, Member
from tests.quality.kit import found, household_frames

RULES = list(catalogue.CATALOGUE.values())
CODES = [r.code for r in RULES]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FAMILIES = {"身份与家庭结构", "教育与年龄", "劳动能力与务工", "公益性岗位", "健康、保险与社会保障", "生活条件与土地",
            "监测逻辑", "帮扶措施", "联系方式", "村级数据"}


def _tables() -> dict[str, dict]:
    """The CASES table of every tests/quality/test_rules_*.py, by module name."""
    here = pathlib.Path(__file__).parent
    return {p.stem: importlib.import_module(f"tests.quality.{p.stem}").CASES
            for p in sorted(here.glob("test_rules_*.py"))}


def test_catalogue_is_filled():
    assert len(RULES) > 100
    assert {r.family for r in RULES} == FAMILIES


@pytest.mark.parametrize("code", CODES)
def test_clean_household_has_no_findings(code):
    assert found(code, household_frames()) == set()


def test_every_rule_has_a_case_table_with_a_hit_and_a_near_miss():
    tables = _tables()
    cases: dict[str, list] = {}
    for module, table in tables.items():
        for code, rows in table.items():
            assert code in catalogue.CATALOGUE, f"{module}: no rule {code}"
            assert code not in cases, f"{code} is tested in two tables"
            cases[code] = rows
    untested = [c for c in CODES if c not in cases]
    assert not untested, f"rules without a test case: {untested}"
    for code, rows in cases.items():
        assert any(expected for expected, _, _ in rows), f"{code}: no case where the rule finds something"
        assert any(not expected for expected, _, _ in rows), f"{code}: no near miss"


@pytest.mark.parametrize(("code", "overrides", "words"), [
    ("5_17_003", {"min_age": -1}, "不能小于0"),
    ("5_17_003", {"max_age": 121}, "不能大于120"),
    ("5_17_003", {"min_age": "十二"}, "应为整数"),
    ("1_02_006", {"line": "abc"}, "应为数字"),
    ("1_02_006", {"line": ""}, "不能为空"),
    ("2_11_002", {"since": "2023-13"}, "年-月"),
    ("2_11_002", {"since": "2023/04"}, "年-月"),
    ("1111_18", {"since_year": 1979}, "年份"),
    ("5_17_003", {"min_age": 18, "max_age": 12}, "不能大于"),
    ("5_14_001", {"max_area": -5}, "不能小于0"),
])
def test_bad_parameters_are_refused_in_chinese(code, overrides, words):
    with pytest.raises(ParamError) as err:
        catalogue.get(code).resolve(overrides)
    message = str(err.value)
    assert words in message and CHINESE.search(message)


def test_good_parameters_are_parsed():
    p = catalogue.get("2_11_002").resolve({"since": "2023-4", "min_months": "3"})
    assert p.since == dt.date(2023, 4, 1) and p.min_months == 3
    assert catalogue.get("1_02_006").resolve({"line": "7500.5"}).line == 7500.5
    assert catalogue.get("5_17_003").resolve({"min_age": 12, "max_age": 12}).max_age == 12


def test_unknown_rule_is_refused_in_chinese():
    with pytest.raises(ParamError, match="没有编号"):
        catalogue.get("9_99_999")


@pytest.mark.parametrize("code", CODES)
def test_rule_reads_in_chinese_and_formats_with_defaults(code):
    rule = catalogue.CATALOGUE[code]
    assert CHINESE.search(rule.title) and CHINESE.search(rule.message)
    text = rule.text(rule.resolve(None))
    assert CHINESE.search(text) and "{" not in text and "}" not in text
    assert rule.level in catalogue.LEVELS and rule.severity in catalogue.SEVERITIES
    assert rule.applies in catalogue.APPLIES
    assert rule.fields, f"{code}: no field to fix"
    for p in rule.params:
        assert CHINESE.search(p.label)
        if p.kind in ("int", "number"):
            assert p.minimum is not None and p.maximum is not None, f"{code}.{p.name}: unbounded"
            assert p.minimum <= p.default <= p.maximum
    for other in rule.cross:
        assert code in catalogue.CATALOGUE[other].cross


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()} | {r.get_accessor_name() for r in model._meta.related_objects}


@pytest.mark.parametrize("code", CODES)
def test_rule_fields_exist(code):
    rule = catalogue.CATALOGUE[code]
    member, household, village = _field_names(Member), _field_names(Household), _field_names(VillageProfile)
    for name in rule.fields:
        if rule.level == catalogue.VILLAGE:
            assert name in village, f"{code}: VillageProfile has no {name}"
        elif name.startswith("household."):
            assert name.removeprefix("household.") in household, f"{code}: Household has no {name}"
        else:
            assert name in member, f"{code}: Member has no {name}"


@pytest.mark.parametrize("code", CODES)
def test_fields_to_fix_are_named_in_chinese(code):
    from fupin.quality.views import _field_labels

    labels = _field_labels(catalogue.CATALOGUE[code])
    assert labels and all(CHINESE.search(label) for label in labels), f"{code}: {labels}"
