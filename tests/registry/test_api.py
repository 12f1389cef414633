import datetime as dt

from django.core.management import call_command
from rest_framework.test import APIClient

from fupin.core.models import AccessLog
from tests.conftest import head_data, new_id


def test_areas_by_code_search_and_parent(areas, users, api):
    c = api(users["county"])
    r = c.get("/api/areas/450299100000/")
    assert r.status_code == 200 and r.json()["name"] == "甲镇" and r.json()["parent"] == "450299000000"
    names = [a["name"] for a in c.get("/api/areas/?parent=450299100000").json()["results"]]
    assert names == ["村A", "村B"]
    assert [a["code"] for a in c.get("/api/areas/?search=乙").json()["results"]] == ["450299101000"]
    assert c.get("/api/areas/450298100201/").status_code == 404  # another county


def test_pagination_shape_and_page_size_limit(make_household, areas, users, api):
    for _ in range(3):
        make_household(areas["村A"])
    c = api(users["county"])
    body = c.get("/api/households/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]
    assert c.get("/api/households/?page_size=5000").json()["count"] == 3  # capped at 1000, not an error


def test_filters_match_the_ui(household, make_household, areas, users, api):
    make_household(areas["村C"])
    c = api(users["county"])
    assert c.get("/api/households/?area=450299100").json()["count"] == 1
    assert c.get("/api/households/?monitor_kind=2&risk_type=01").json()["count"] == 1
    assert c.get("/api/households/?risk_type=10").json()["count"] == 0
    assert c.get("/api/households/?income_min=12000&income_max=14000").json()["count"] == 1
    assert c.get("/api/households/?q=李四").json()["count"] == 1
    head_id = household.members.get(relationship="01").id_number
    assert c.get(f"/api/households/?q={head_id.lower()}").json()["count"] == 1


def test_stale_put_is_refused_with_409(household, users, api):
    c = api(users["officer"])
    stale = household.version
    assert c.patch(f"/api/households/{household.pk}/", {"address": "A", "version": stale}, format="json").status_code == 200
    r = c.patch(f"/api/households/{household.pk}/", {"address": "B", "version": stale}, format="json")
    assert r.status_code == 409
    assert "已被其他人修改" in r.json()["detail"]
    household.refresh_from_db()
    assert household.address == "A"


def test_update_without_version_is_refused(household, users, api):
    r = api(users["officer"]).patch(f"/api/households/{household.pk}/", {"address": "A"}, format="json")
    assert r.status_code == 400 and "version" in r.json()["errors"]


def test_if_match_header_carries_the_version(household, users, api):
    r = api(users["officer"]).patch(f"/api/households/{household.pk}/", {"address": "A"}, format="json",
                                    HTTP_IF_MATCH=f'"{household.version}"')
    assert r.status_code == 200


def test_invalid_id_number_names_field_and_rule(household, users, api):
    r = api(users["officer"]).post("/api/members/", {
        "household": household.pk, "name": "错号", "id_number": "450299198005061235", "relationship": "03",
        "joined_reason": "1"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert "id_number" in body["errors"] and "校验码错误" in body["errors"]["id_number"][0]
    assert body["detail"].startswith("数据校验未通过") or "校验码" in body["detail"]


def test_field_errors_are_labelled_in_chinese(areas, users, api):
    r = api(users["county"]).post("/api/households/", {"village": "450299100201", "household_type": "9",
                                                       "head": {"name": ""}}, format="json")
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "户类型：" in detail and "户主.姓名：" in detail
    assert set(r.json()["errors"]) == {"household_type", "head"}


def test_status_fields_refused_on_update(household, users, api):
    r = api(users["county"]).patch(f"/api/households/{household.pk}/",
                                   {"household_type": "2", "version": household.version}, format="json")
    assert r.status_code == 400 and "household_type" in r.json()["errors"]


def test_ids_masked_unless_role_allows_and_reveals_logged(household, users, api):
    helper_view = api(users["helper"]).get(f"/api/members/?household={household.pk}").json()["results"]
    assert all("*" in m["id_number"] for m in helper_view)
    assert not AccessLog.objects.exists()
    officer_view = api(users["officer"]).get(f"/api/members/?household={household.pk}").json()["results"]
    assert all("*" not in m["id_number"] for m in officer_view)
    log = AccessLog.objects.get()
    assert log.action == "api" and log.unmasked and log.row_count == 2 and "id_number" in log.fields


def test_masked_value_sent_back_keeps_the_stored_one(household, users, api):
    member = household.members.get(relationship="02")
    c = api(users["helper"])
    masked = c.get(f"/api/members/{member.pk}/").json()["id_number"]
    # the helper may not change data; the officer round-trips a masked value from a helper's export
    r = api(users["officer"]).patch(f"/api/members/{member.pk}/", {"id_number": masked, "education": "04",
                                                                    "version": member.version}, format="json")
    assert r.status_code == 200
    member.refresh_from_db()
    assert "*" not in member.id_number and member.education == "04"


def test_delete_is_not_allowed(household, users, api):
    r = api(users["county"]).delete(f"/api/households/{household.pk}/")
    assert r.status_code == 405 and "销户" in r.json()["detail"]


def test_token_auth(users, capsys):
    call_command("token", "officer")
    key = capsys.readouterr().out.strip()
    client = APIClient()
    assert client.get("/api/households/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert client.get("/api/households/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    call_command("token", "officer")
    assert capsys.readouterr().out.strip() == key  # same key printed again


def test_schema_and_docs(users, api):
    c = api(users["officer"])
    assert c.get("/api/schema/").status_code == 200
    assert b"swagger" in c.get("/api/docs/").content.lower()


def test_create_household_with_head(areas, users, api):
    r = api(users["officer"]).post("/api/households/", {
        "village": "450299100201", "household_type": "4", "address": "接口新建",
        "head": {"name": "接口户主", "id_number": new_id(dt.date(1970, 3, 3)), "education": "03"}}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["head_name"] == "接口户主" and r.json()["size"] == 1


def test_create_household_in_another_village_is_refused(areas, users, api):
    r = api(users["officer"]).post("/api/households/", {
        "village": "450299100202", "household_type": "4", "head": head_data()}, format="json")
    assert r.status_code in (400, 403)
