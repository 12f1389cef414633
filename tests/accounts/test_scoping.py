import pytest

from fupin.accounts.scoping import areas_with, has_perm, restrict
from fupin.areas.models import Area
from fupin.registry.models import Household, Member


@pytest.fixture
def spread(areas, make_household):
    """One household in each of 村A, 村B, 村C and 村D."""
    return {name: make_household(areas[name]) for name in ("村A", "村B", "村C", "村D")}


def visible(user):
    return set(restrict(Household.objects.all(), user).values_list("village__name", flat=True))


def test_each_role_sees_its_subtree(users, spread):
    assert visible(users["officer"]) == {"村A"}
    assert visible(users["township"]) == {"村A", "村B"}
    assert visible(users["county"]) == {"村A", "村B", "村C"}
    assert visible(users["viewer"]) == {"村A", "村B", "村C", "村D"}
    assert visible(users["other_county"]) == {"村D"}
    assert visible(users["norole"]) == set()


def test_permissions_are_per_role(users, spread):
    a = spread["村A"].village_id
    assert has_perm(users["officer"], "registry.change", a)
    assert not has_perm(users["officer"], "registry.change", spread["村B"].village_id)
    assert not has_perm(users["viewer"], "registry.change", a)
    assert not has_perm(users["helper"], "registry.view_id", a)
    assert has_perm(users["department"], "registry.view_id", a)
    assert not has_perm(users["department"], "registry.view_contact", a)
    assert not has_perm(users["department"], "registry.export", a)


def test_related_models_scope_through_household(users, spread):
    names = set(restrict(Member.objects.all(), users["officer"]).values_list("household__village__name", flat=True))
    assert names == {"村A"}


def test_areas_include_ancestors_for_navigation(users):
    codes = set(restrict(Area.objects.all(), users["officer"]).values_list("name", flat=True))
    assert codes == {"村A", "甲镇", "清溪县", "柳州市", "广西壮族自治区"}


def test_nested_assignments_collapse(users, areas):
    from fupin.accounts.services import role_assign

    role_assign(actor=None, user=users["county"], role_code="county_admin", area=areas["甲镇"])
    users["county"]._fupin_grants = None
    assert areas_with(users["county"], "registry.view") == ["450299000000"]


def test_inactive_user_sees_nothing(users, spread):
    users["county"].is_active = False
    assert visible(users["county"]) == set()
