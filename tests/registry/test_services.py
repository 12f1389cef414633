import datetime as dt
from decimal import Decimal

import pytest

from fupin.core import idnumber
from fupin.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from fupin.core.models import ObjectChange
from fupin.registry import services
from fupin.registry.models import Household, IncomeRecord, Member
from tests.conftest import head_data, new_id


def changes_for(obj):
    return ObjectChange.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)


def test_create_household_logs_and_summarises(household, users):
    assert household.number.startswith(household.village_id)
    assert household.size == 2
    assert household.head_name == "张三"
    assert household.per_capita_income == Decimal("13000.00")  # (20000+5000+3000-2000)/2
    assert changes_for(household).filter(action="create").exists()
    head = household.members.get(relationship="01")
    assert changes_for(head).get().household_id == household.pk


def test_household_requires_a_valid_head(areas, users):
    with pytest.raises(ValidationFailed) as exc:
        services.household_create(actor=users["county"], data={"village": areas["村A"], "household_type": "4"},
                                  head=head_data(id_number="450299198005061235"))
    assert "head.id_number" in exc.value.field_errors
    assert "校验码" in exc.value.field_errors["head.id_number"][0]
    assert not Household.objects.exists()  # nothing half-created


def test_id_sex_and_birth_must_agree(household, users):
    number = new_id(dt.date(1990, 1, 1), male=True)
    born = idnumber.parse(number).birth_date  # new_id moves the date on as its sequence grows
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(actor=users["officer"], household=household, reason="2", date=dt.date(2026, 1, 1),
                            data={"name": "王五", "id_number": number, "relationship": "03", "sex": "2",
                                  "birth_date": born + dt.timedelta(days=1)})
    assert set(exc.value.field_errors) == {"sex", "birth_date"}
    assert f"{born:%Y-%m-%d}" in exc.value.field_errors["birth_date"][0]


def test_id_number_in_one_active_household_only(household, make_household, areas, users):
    number = household.members.get(relationship="01").id_number
    with pytest.raises(ValidationFailed) as exc:
        make_household(areas["村B"], head=head_data(id_number=number))
    assert household.number in exc.value.field_errors["head.id_number"][0]


def test_one_head_only(household, users):
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(actor=users["officer"], household=household, reason="2", date=None,
                            data={"name": "赵六", "id_number": new_id(), "relationship": "01"})
    assert "已有户主" in exc.value.field_errors["relationship"][0]


def test_member_add_and_remove_keep_history(household, users):
    child = services.member_add(actor=users["officer"], household=household, reason="1", date=dt.date(2026, 3, 1),
                                data={"name": "张小明", "id_number": new_id(dt.date(2026, 2, 1)), "relationship": "03"})
    household.refresh_from_db()
    assert household.size == 3
    assert child.birth_date == dt.date(2026, 2, 1) + dt.timedelta(days=0) or child.birth_date
    services.member_remove(actor=users["officer"], member=child, reason="3", date=dt.date(2026, 6, 1), note="迁出",
                           expected_version=child.version)
    child.refresh_from_db()
    household.refresh_from_db()
    assert not child.is_active and child.left_reason == "3"
    assert household.size == 2
    assert Member.objects.filter(pk=child.pk).exists()
    assert changes_for(child).filter(action="update").get().postchange_data["is_active"] is False


def test_removing_the_head_needs_a_new_head(household, users):
    head = household.members.get(relationship="01")
    spouse = household.members.get(relationship="02")
    with pytest.raises(ValidationFailed):
        services.member_remove(actor=users["officer"], member=head, reason="1", date=dt.date(2026, 1, 1),
                               expected_version=head.version)
    services.member_remove(actor=users["officer"], member=head, reason="1", date=dt.date(2026, 1, 1),
                           expected_version=head.version, new_head=spouse)
    household.refresh_from_db()
    assert household.head_name == "李四"
    assert household.members.filter(is_active=True, relationship="01").count() == 1


def test_last_member_cannot_be_removed(make_household, areas, users):
    h = make_household(areas["村A"])
    head = h.members.get()
    with pytest.raises(ApplicationError, match="销户"):
        services.member_remove(actor=users["officer"], member=head, reason="1", date=dt.date(2026, 1, 1),
                               expected_version=head.version)


def test_stale_edit_is_refused(household, users):
    v = household.version
    services.household_update(actor=users["officer"], household=household, data={"address": "新地址"},
                              expected_version=v)
    with pytest.raises(ConcurrentEditError):
        services.household_update(actor=users["township"], household=household, data={"address": "另一个地址"},
                                  expected_version=v)
    household.refresh_from_db()
    assert household.address == "新地址" and household.version == v + 1


def test_update_logs_only_what_changed(household, users):
    services.household_update(actor=users["officer"], household=household,
                              data={"address": "新地址", "phone": household.phone}, expected_version=household.version)
    change = changes_for(household).filter(action="update").get()
    assert change.prechange_data == {"address": "测试地址1号"}
    assert change.postchange_data == {"address": "新地址"}
    assert change.user == users["officer"]


def test_status_fields_only_through_status_service(household, users):
    with pytest.raises(ApplicationError):
        services.household_update(actor=users["officer"], household=household, data={"household_type": "2"},
                                  expected_version=household.version)
    services.household_set_status(actor=users["county"], household=household, reason="风险消除程序",
                                  data={"risk_eliminated": True, "elimination_way": "1",
                                        "eliminated_month": dt.date(2025, 1, 1)},
                                  expected_version=household.version)
    household.refresh_from_db()
    assert household.risk_eliminated
    assert changes_for(household).filter(summary__contains="风险消除程序").exists()


def test_monitoring_consistency_is_validated(household, users):
    with pytest.raises(ValidationFailed) as exc:
        services.household_set_status(actor=users["county"], household=household, reason="x",
                                      data={"risk_eliminated": True}, expected_version=household.version)
    assert {"elimination_way", "eliminated_month"} <= set(exc.value.field_errors)


def test_income_computation_and_update(household, users):
    record = IncomeRecord.objects.get(household=household, year=2025)
    assert record.net_income == Decimal("26000.00") and record.household_size == 2
    services.income_save(actor=users["officer"], household=household, year=2025, data={"wage": 30000},
                         expected_version=record.version)
    household.refresh_from_db()
    assert household.per_capita_income == Decimal("18000.00")
    with pytest.raises(ApplicationError):
        services.income_save(actor=users["officer"], household=household, year=2025, data={"wage": 1})


def test_income_rejects_negative_amounts(household, users):
    with pytest.raises(ValidationFailed) as exc:
        services.income_save(actor=users["officer"], household=household, year=2024,
                             data={"wage": -1, "household_size": 2})
    assert "wage" in exc.value.field_errors


def test_cancel_household_deactivates_members(household, users):
    services.household_cancel(actor=users["county"], household=household, reason="2", date=dt.date(2026, 5, 1),
                              expected_version=household.version)
    household.refresh_from_db()
    assert not household.is_active and household.size == 0
    assert not household.members.filter(is_active=True).exists()
    # their ID numbers are free for another household now
    assert household.members.filter(left_reason="3").count() == 2


def test_change_head(household, users):
    spouse = household.members.get(relationship="02")
    services.household_change_head(actor=users["officer"], household=household, new_head=spouse,
                                   old_head_relationship="02", expected_version=household.version)
    household.refresh_from_db()
    assert household.head_name == "李四"
