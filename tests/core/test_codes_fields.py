import pytest

from fupin.core import codes, phone
from fupin.registry.models import Household


def test_every_list_has_unique_codes_and_labels():
    for name, cl in codes.all_lists().items():
        assert cl.items, name
        assert len({i.code for i in cl.items}) == len(cl.items), name
        assert len({i.label for i in cl.items}) == len(cl.items), name


def test_relationship_attributes_drive_rules():
    rel = codes.get("relationship")
    assert rel.attr("03", "sex") == "1"
    assert rel.attr("04", "sex") == "2"
    assert rel.attr("11", "generation") == 1
    assert "01" not in rel.codes_where(sex="1")


def test_model_choices_come_from_configuration():
    field = Household._meta.get_field("household_type")
    assert ("2", "脱贫户") in list(field.choices)


@pytest.mark.parametrize("value,ok", [("13800138000", True), ("0772-1234567", True), ("1380013800", False),
                                      ("12345678901", False), ("abc", False), ("", True)])
def test_phone_validation(value, ok):
    if ok:
        assert phone.validate(value) == value
    else:
        with pytest.raises(ValueError):
            phone.validate(value)


@pytest.mark.django_db
def test_multicode_field_roundtrip_and_has_lookup(household):
    Household.objects.filter(pk=household.pk).update(risk_types=["01", "10"])
    household.refresh_from_db()
    assert household.risk_types == ["01", "10"]
    assert Household.objects.filter(risk_types__has="10").count() == 1
    assert Household.objects.filter(risk_types__has="1").count() == 0  # no partial matches
    assert Household.objects.filter(risk_types__has="01").count() == 1
