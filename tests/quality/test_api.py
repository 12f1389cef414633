"""The data-quality API: problem lists scoped like the UI, exemption actions, runs started as jobs, the catalogue."""

from __future__ import annotations

import pytest

from fupin.quality import services
from fupin.quality.models import Problem, Run
from tests.quality import dbkit


@pytest.fixture
def problems(areas, users):
    """One open 2_01_013 (phone empty) problem in 村A and one in 村B."""
    dbkit.clean_household(areas["村A"], phone="")
    dbkit.clean_household(areas["村B"], phone="")
    services.quality_run(actor=None, area_code=areas["甲镇"].code, rule_codes=["2_01_013"],
                         check_date=dbkit.CHECK_DATE)
    return {p.village_id: p for p in Problem.objects.filter(rule_code="2_01_013")}


@pytest.mark.django_db(transaction=True)
def test_problem_list_is_scoped_and_filtered(problems, areas, users, api):
    r = api(users["officer"]).get("/api/quality/problems/")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [p["village"] for p in rows] == [areas["村A"].code]
    assert rows[0]["rule_code"] == "2_01_013" and rows[0]["title"] == "联系电话为空" and "id_number" not in rows[0]
    r = api(users["township"]).get("/api/quality/problems/", {"area": areas["村B"].code})
    assert [p["village"] for p in r.json()["results"]] == [areas["村B"].code]
    assert api(users["township"]).get("/api/quality/problems/", {"rule": "5_19_001"}).json()["count"] == 0
    assert api(users["other_county"]).get("/api/quality/problems/").json()["count"] == 0
    other = problems[areas["村B"].code].pk
    assert api(users["officer"]).get(f"/api/quality/problems/{other}/").status_code == 404
    r = api(users["officer"]).get("/api/quality/problems/", {"area": "abc"})
    assert r.status_code == 400 and "区划代码应为数字" in r.json()["detail"]
    assert api().get("/api/quality/problems/").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_exemption_through_the_api(problems, areas, users, api):
    p = problems[areas["村A"].code]
    url = f"/api/quality/problems/{p.pk}/"
    r = api(users["officer"]).post(url + "request-exemption/", {"reason": "短", "version": p.version}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api(users["officer"]).post(url + "request-exemption/", {"reason": "该户无电话，经入户核实属实", "version": p.version},
                                   format="json")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    version = r.json()["version"]
    # A stale version is refused; the officer may not decide.
    r = api(users["township"]).post(url + "decide/", {"approve": True, "version": version - 1}, format="json")
    assert r.status_code == 409
    r = api(users["officer"]).post(url + "decide/", {"approve": True, "version": version}, format="json")
    assert r.status_code == 403
    r = api(users["township"]).post(url + "decide/", {"approve": False, "version": version}, format="json")
    assert r.status_code == 400 and "驳回" in r.json()["detail"]
    r = api(users["township"]).post(url + "decide/", {"approve": True, "comment": "同意", "version": version},
                                    format="json")
    assert r.status_code == 200 and r.json()["status"] == "exempted"
    assert Problem.objects.get(pk=p.pk).exemption_reviewed_by == users["township"]


@pytest.mark.django_db(transaction=True)
def test_start_run_through_the_api(areas, users, api):
    dbkit.clean_household(areas["村A"], phone="")
    r = api(users["county"]).post("/api/quality/runs/", {"area": areas["清溪县"].code, "rules": ["2_01_013"],
                                                         "check_date": "2026-06-30"}, format="json")
    assert r.status_code == 202, r.json()
    run = Run.objects.get(pk=r.json()["run"])  # the test settings run tasks at once
    assert run.counts == {"2_01_013": 1} and run.status == "succeeded"
    assert api(users["county"]).get(f"/api/quality/runs/{run.pk}/").json()["findings"] == 1
    r = api(users["county"]).post("/api/quality/runs/", {"area": areas["清溪县"].code, "rules": ["NOPE"]},
                                  format="json")
    assert r.status_code == 400 and "NOPE" in r.json()["detail"]
    r = api(users["county"]).post("/api/quality/runs/", {"area": areas["丙县"].code}, format="json")
    assert r.status_code == 403
    r = api(users["helper"]).post("/api/quality/runs/", {"area": areas["村A"].code}, format="json")
    assert r.status_code == 403


@pytest.mark.django_db
def test_rule_catalogue(users, api):
    r = api(users["viewer"]).get("/api/quality/rules/")
    assert r.status_code == 200
    by_code = {x["code"]: x for x in r.json()}
    assert by_code["5_17_003"]["params"][0] == {"name": "min_age", "label": "最小年龄", "kind": "int", "default": "12",
                                               "minimum": 0, "maximum": 120}
    assert api(users["norole"]).get("/api/quality/rules/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_my_problems_are_the_village_officers(problems, areas, users, api):
    r = api(users["officer"]).get("/api/quality/problems/", {"mine": "true"})
    assert [p["village"] for p in r.json()["results"]] == [areas["村A"].code]
    assert api(users["officer_b"]).get("/api/quality/problems/", {"mine": "true"}).json()["count"] == 1
    # Township and county users review their area's list; nothing is assigned to them.
    assert api(users["township"]).get("/api/quality/problems/", {"mine": "true"}).json()["count"] == 0
    assert api(users["county"]).get("/api/quality/problems/", {"mine": "true"}).json()["count"] == 0
    assert api(users["county"]).get("/api/quality/problems/").json()["count"] == 2
