"""UI behaviour beyond access: forms keep input on errors, stale forms are refused, export masks and logs."""

import io

import openpyxl
import pytest
from django.test import Client

from fupin.core.models import AccessLog
from fupin.registry.forms import HouseholdForm
from fupin.registry.models import Household
from tests.access import post_data


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_stale_form_is_refused_and_keeps_input(household, users):
    form = HouseholdForm(instance=household, user=users["officer"], creating=False)
    first = post_data(form, address="第一人的地址")
    second = post_data(form, address="第二人的地址")
    assert login(users["officer"]).post(f"/registry/households/{household.pk}/edit/", first).status_code == 302
    r = login(users["township"]).post(f"/registry/households/{household.pk}/edit/", second)
    assert r.status_code == 400
    html = r.content.decode()
    assert "已被其他人修改" in html and "第二人的地址" in html
    household.refresh_from_db()
    assert household.address == "第一人的地址"


def test_invalid_fields_are_named(household, users):
    form = HouseholdForm(instance=household, user=users["officer"], creating=False)
    r = login(users["officer"]).post(f"/registry/households/{household.pk}/edit/",
                                     post_data(form, phone="123", land_cultivated="-1"))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "手机号" in errors["phone"][0] or "电话" in errors["phone"][0]
    assert "land_cultivated" in errors


def test_create_household_form(areas, users):
    from tests.conftest import new_id

    r = login(users["officer"]).post("/registry/households/new/", {
        "village": "450299100201", "household_type": "4", "address": "新户",
        "head-name": "新户主", "head-id_type": "1", "head-id_number": new_id()})
    assert r.status_code == 302, r.context and (r.context["form"].errors, r.context["head"].errors)
    h = Household.objects.get(address="新户")
    assert h.head_name == "新户主" and h.number.startswith("450299100201")


def test_create_with_bad_head_id_shows_rule(areas, users):
    r = login(users["officer"]).post("/registry/households/new/", {
        "village": "450299100201", "household_type": "4", "head-name": "新户主", "head-id_type": "1",
        "head-id_number": "450299198005061235"})
    assert r.status_code == 400
    assert "校验码错误" in r.context["head"].errors["id_number"][0]
    assert not Household.objects.exists()


def test_export_masks_for_viewer_and_is_logged(household, users):
    r = login(users["viewer"]).get("/registry/households/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and rows[1][0] == household.number
    assert "*" in rows[1][5]
    log = AccessLog.objects.get(action="export")
    assert log.row_count == 1 and not log.unmasked and log.user == users["viewer"]


def test_export_unmasked_for_officer(household, users):
    r = login(users["officer"]).get("/registry/households/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    row = list(ws.iter_rows(min_row=2, values_only=True))[0]
    assert row[5] == household.head_id_number
    assert AccessLog.objects.get(action="export").unmasked


def test_list_masks_ids_and_phones(household, users):
    html = login(users["officer"]).get("/registry/households/").content.decode()
    assert household.head_id_number not in html and household.phone not in html
    assert household.head_id_number[-4:] in html


def test_reveal_is_logged_and_refused_for_helper(household, users):
    m = household.members.get(relationship="01")
    r = login(users["officer"]).post(f"/registry/reveal/member/{m.pk}/id_number/")
    assert m.id_number in r.content.decode()
    assert AccessLog.objects.filter(action="reveal", object_id=str(m.pk)).count() == 1
    assert login(users["helper"]).post(f"/registry/reveal/member/{m.pk}/id_number/").status_code == 403


def test_print_sheet_masks_for_helper(household, users):
    m = household.members.get(relationship="01")
    assert m.id_number not in login(users["helper"]).get(f"/registry/households/{household.pk}/print/").content.decode()
    assert m.id_number in login(users["officer"]).get(f"/registry/households/{household.pk}/print/").content.decode()
    assert AccessLog.objects.filter(action="print").count() == 2


def test_history_shows_labels_and_masks(household, users):
    m = household.members.get(relationship="02")
    from fupin.registry import services

    services.member_update(actor=users["officer"], member=m, data={"education": "04"}, expected_version=m.version)
    html = login(users["helper"]).get(f"/registry/households/{household.pk}/").content.decode()
    assert "文化程度" in html and "高中" in html


def test_detail_shows_imported_measures(household, users):
    page = login(users["helper"]).get(f"/registry/households/{household.pk}/").content.decode()
    assert "未录入帮扶措施" in page
    Household.objects.filter(pk=household.pk).update(
        extra={"健康帮扶": "城乡居民基本医疗保险参保资助", "信息采集人": "王五", "产业帮扶": " "})
    page = login(users["helper"]).get(f"/registry/households/{household.pk}/").content.decode()
    measures = page[page.index('id="measures"'):]
    assert "健康帮扶" in measures and "城乡居民基本医疗保险参保资助" in measures
    assert "产业帮扶" not in measures and "信息采集人" not in measures  # blank, and not a measure


def test_home_counts(household, users):
    r = login(users["officer"]).get("/")
    rows = {row["code"]: row for row in r.context["rows_type"]}
    assert rows["3"]["households"] == 1 and rows["3"]["persons"] == 2
    kinds = {row["code"]: row for row in r.context["rows_kind"]}
    assert kinds["2"]["open"] == 1


@pytest.mark.parametrize("user,status", [("county", 200), ("officer", 200)])
def test_area_browser_counts(household, users, user, status):
    r = login(users[user]).get("/areas/450299100000/")
    assert r.status_code == status
    counts = {a.name: c for a, c in r.context["rows"]}
    assert counts["村A"]["households"] == 1


def test_login_throttling(users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    c = Client()
    for _ in range(3):
        r = c.post("/accounts/login/", {"username": "officer", "password": "wrong"})
    r = c.post("/accounts/login/", {"username": "officer", "password": "Test-pass-2026!"})
    assert r.status_code in (403, 429) and "锁定" in r.content.decode()


def test_login_and_logout(users):
    c = Client()
    r = c.post("/accounts/login/", {"username": "officer", "password": "Test-pass-2026!"})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    assert c.post("/accounts/logout/").status_code == 302
    assert c.get("/").status_code == 302


def test_password_change(users):
    c = Client()
    c.force_login(users["officer"])
    r = c.post("/accounts/password/", {"old_password": "Test-pass-2026!", "new_password1": "Another-pass-77",
                                       "new_password2": "Another-pass-77"})
    assert r.status_code == 302
    users["officer"].refresh_from_db()
    assert users["officer"].check_password("Another-pass-77")


def test_admin_edits_are_logged_and_locked(areas, users):
    from fupin.areas.models import VillageProfile
    from fupin.core.models import ObjectChange

    admin_user = users["sysadmin"]
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    village = areas["村A"]
    c = login(admin_user)
    r = c.post("/admin/areas/villageprofile/add/", {"village": village.code, "total_households": "120",
                                                     "first_secretary": "王书记"})
    assert r.status_code == 302
    profile = VillageProfile.objects.get(village=village)
    assert ObjectChange.objects.filter(object_id=village.code, action="create").exists()
    url = f"/admin/areas/villageprofile/{village.code}/change/"
    r = c.post(url, {"village": village.code, "total_households": "121", "first_secretary": "王书记",
                     "_version": profile.version})
    assert r.status_code == 302
    assert ObjectChange.objects.filter(object_id=village.code, action="update").get().postchange_data == {
        "total_households": 121}
    stale = c.post(url, {"village": village.code, "total_households": "999", "_version": profile.version})
    assert stale.status_code == 200 and "已被其他人修改" in stale.content.decode()
    profile.refresh_from_db()
    assert profile.total_households == 121
