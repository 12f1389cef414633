"""The measure rules on measures as they arrive: the national export's measure columns, imported, then a run.

The import keeps the measure columns in ``Household.extra`` (UTF-8 JSON from the import, ``\\u``-escaped JSON from
Django) and the snapshot reads them by category on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.imports.services import run_import
from fupin.quality import services
from fupin.quality.models import Problem
from fupin.registry.models import Household
from tests.imports.conftest import HEADERS, base_rows, write_csv

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL snapshots read committed data (own connection)

MEASURE_HEADERS = ["健康帮扶", "教育帮扶", "社会帮扶"]


def _file(tmp_path, education: str):
    """Household H001 (monitored, risks 因病 and 因学) with a health measure and ``education``."""
    rows = [row + (["医疗救助", education, ""] if row[2] == "H001" else ["", "", ""]) for row in base_rows()]
    return write_csv(tmp_path / f"m{len(education)}.csv", rows, headers=HEADERS + MEASURE_HEADERS)


def _county(household) -> str:
    return household.village.parent.parent.code


def _open(code: str) -> set[str]:
    return set(Problem.objects.filter(rule_code=code, status="open").values_list("household__number", flat=True))


def test_imported_measures_are_checked_and_a_fix_is_seen(tmp_path, users):
    out = run_import(_file(tmp_path, ""), actor=users["county"])
    assert out.loaded, out.problems
    h001 = Household.objects.get(number="H001")
    assert h001.extra == {"健康帮扶": "医疗救助"}

    codes = ["5_18_001", "5_18_002"]
    services.quality_run(actor=None, area_code=_county(h001), rule_codes=codes,
                         check_date=dt.date(2026, 6, 30))
    assert _open("5_18_002") == {h001.number}  # 因学 without an education measure
    assert _open("5_18_001") == set()  # 因病 with 医疗救助

    # Fixed in the national system and imported again: the next run sees it.
    run_import(_file(tmp_path, "教育资助"), actor=users["county"])
    h001.refresh_from_db()
    assert h001.extra == {"健康帮扶": "医疗救助", "教育帮扶": "教育资助"}
    run = services.quality_run(actor=None, area_code=_county(h001), rule_codes=codes,
                               check_date=dt.date(2026, 6, 30))
    assert _open("5_18_002") == set()
    assert run.outcome["fixed"] == 1


def test_measures_saved_through_django_are_read(tmp_path, users):
    run_import(_file(tmp_path, ""), actor=users["county"])
    h001 = Household.objects.get(number="H001")
    Household.objects.filter(pk=h001.pk).update(extra={"健康帮扶": "医疗救助", "教育帮扶": "雨露计划"})
    services.quality_run(actor=None, area_code=_county(h001), rule_codes=["5_18_002"],
                         check_date=dt.date(2026, 6, 30))
    assert _open("5_18_002") == set()
