"""The demo generator: realistic, valid, and loaded all at once (runs outside a test transaction)."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from fupin.assistance.models import HelperAssignment
from fupin.batch.seed import generate
from fupin.core import idnumber
from fupin.registry.models import Household, IncomeRecord, Member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def check_date():
    return dt.date(2026, 11, 1)


def test_seed_generates_a_valid_county(check_date):
    result = generate(persons=4000, townships=2, villages=8, check_date=check_date, progress=lambda m: None)
    assert result.persons == 4000 == Member.objects.count()
    assert result.households == Household.objects.count()
    assert 3.0 < result.persons / result.households < 3.8
    assert IncomeRecord.objects.count() == 2 * result.households

    numbers = list(Member.objects.values_list("id_number", "birth_date", "sex"))
    assert len({n for n, _, _ in numbers}) == len(numbers)
    for number, birth, sex in numbers:
        info = idnumber.parse(number)
        assert info.birth_date == birth and info.sex == sex

    types = Counter(Household.objects.values_list("household_type", flat=True))
    assert set(types) == {"1", "2", "3", "4"} and types["2"] > types["3"] > types["1"]
    kinds = Counter(Household.objects.exclude(monitor_kind="").values_list("monitor_kind", flat=True))
    assert set(kinds) == {"1", "2", "3"}
    for h in Household.objects.exclude(monitor_kind=""):
        assert h.risk_types and 1 <= len(h.risk_types) <= 5 and h.monitor_identified_month
        if h.risk_eliminated:
            assert h.elimination_way in ("1", "2") and h.eliminated_month >= h.monitor_identified_month
    assert Household.objects.filter(risk_eliminated=True).exists()
    assert Household.objects.filter(monitor_kind="").filter(risk_eliminated=True).count() == 0

    # one head per household, and summaries agree with members and the latest income
    heads = Counter(Member.objects.filter(relationship="01").values_list("household_id", flat=True))
    assert set(heads.values()) == {1} and len(heads) == result.households
    h = Household.objects.order_by("?").first()
    assert h.size == h.members.filter(is_active=True).count()
    assert h.per_capita_income == h.incomes.order_by("-year").first().per_capita_income

    # ages and school are consistent
    for m in Member.objects.exclude(student_status=""):
        age = idnumber.age_on(m.birth_date, check_date)
        if m.student_status in ("17", "18", "19"):
            assert 11 <= age <= 16
    assert HelperAssignment.objects.exists()
    # every generated row passes the model validation the UI applies
    for m in Member.objects.select_related("household").order_by("?")[:300]:
        m.full_clean(validate_constraints=False)
    for h in Household.objects.select_related("village", "group").order_by("?")[:300]:
        h.full_clean(validate_constraints=False)


def test_seed_refuses_a_filled_registry_and_if_empty_skips(capsys):
    call_command("seed", "--persons", "300", "--villages", "2", "--townships", "1")
    with pytest.raises(CommandError, match="已有农户"):
        call_command("seed", "--persons", "300")
    call_command("seed", "--if-empty")
    assert "跳过" in capsys.readouterr().out
    call_command("demousers")
    assert "cun" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_refuses_counts_the_area_codes_cannot_hold():
    with pytest.raises(CommandError, match="乡镇最多899个"):
        call_command("seed", persons=100, townships=900, villages=900)
    with pytest.raises(CommandError, match="每个乡镇最多798个行政村"):
        call_command("seed", persons=100, townships=1, villages=799)


@pytest.mark.django_db
def test_seed_names_villages_past_the_made_up_names():
    """More villages than two-syllable names: numbered names, all different (a 10M seed used to hang here)."""
    import numpy as np

    from fupin.areas.models import Area
    from fupin.batch.seed import _areas

    _areas(np.random.default_rng(1), 10, 4000)
    names = list(Area.objects.filter(level=5).values_list("name", flat=True))
    assert len(names) == 4000 and len(set(names)) == 4000
