"""Checks while editing: the UI and the API run the household's rules on save and show the findings."""

from __future__ import annotations

import pytest

from fupin.quality.models import Problem


def _codes(found):
    return sorted((f["rule"], f["member"]) for f in found)


@pytest.mark.django_db
def test_api_member_update_returns_findings_and_closes_fixed_problem(household, users, api):
    head = household.members.get(relationship="01")
    c = api(users["officer"])
    # Pensions empty for both members: 5_19_001 on each, reported with the save.
    r = c.patch(f"/api/members/{head.pk}/", {"phone": "13900139000", "version": head.version}, format="json")
    assert r.status_code == 200, r.json()
    found = r.json()["quality_problems"]
    assert ("5_19_001", head.name) in _codes(found)
    assert Problem.objects.filter(rule_code="5_19_001", member=head, status="open").exists()
    head.refresh_from_db()
    r = c.patch(f"/api/members/{head.pk}/", {"pension_resident": True, "version": head.version}, format="json")
    assert r.status_code == 200
    assert ("5_19_001", head.name) not in _codes(r.json()["quality_problems"])
    p = Problem.objects.get(rule_code="5_19_001", member=head)
    assert p.status == "fixed" and p.events.filter(to_status="fixed").exists()
    # The spouse's problem is untouched.
    assert Problem.objects.filter(rule_code="5_19_001", status="open").exclude(member=head).count() == 1


@pytest.mark.django_db
def test_api_findings_match_a_household_check(household, users, api):
    from fupin.quality import services

    r = api(users["officer"]).patch(f"/api/households/{household.pk}/",
                                    {"address": "新地址", "version": household.version}, format="json")
    assert r.status_code == 200
    expected = services.findings_as_messages(services.household_check(household=household, record=False))
    assert _codes(r.json()["quality_problems"]) == _codes(expected)
    assert all(f["message"] and f["title"] for f in r.json()["quality_problems"])


@pytest.mark.django_db
def test_ui_save_shows_message_and_detail_panel(household, users, client):
    client.force_login(users["officer"])
    head = household.members.get(relationship="01")
    r = client.get(f"/registry/households/{household.pk}/")
    assert "quality-panel" not in r.content.decode()  # nothing checked yet
    from fupin.quality import services

    services.household_check(household=household)
    r = client.get(f"/registry/households/{household.pk}/")
    html = r.content.decode()
    assert "quality-panel" in html and "5_19_001" in html and head.name in html


@pytest.mark.django_db
def test_panel_hidden_without_quality_permission(household, users, client):
    from fupin.quality import services

    services.household_check(household=household)
    client.force_login(users["department"])  # registry.view but no quality.view
    r = client.get(f"/registry/households/{household.pk}/")
    assert r.status_code == 200 and "quality-panel" not in r.content.decode()


@pytest.mark.django_db
def test_failing_check_does_not_undo_the_save(household, users, api, monkeypatch):
    from fupin.quality import services

    def boom(**_kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "household_check", boom)
    r = api(users["officer"]).patch(f"/api/households/{household.pk}/",
                                    {"address": "保存成功", "version": household.version}, format="json")
    assert r.status_code == 200 and r.json()["quality_check"].startswith("数据质量核查未能完成")
    household.refresh_from_db()
    assert household.address == "保存成功"


@pytest.mark.django_db
def test_home_page_shows_quality_score(household, users, client):
    from fupin.quality import services

    services.household_check(household=household)
    active = Problem.objects.filter(status="open").count()
    assert active > 0
    client.force_login(users["county"])
    html = client.get("/").content.decode()
    assert "home-quality" in html and "甲镇" in html
    # open problems per 100 persons over the county's 2 persons
    assert f'<div class="fs-5">{100 * active / 2:.1f}</div>' in html
    client.force_login(users["department"])
    assert "home-quality" not in client.get("/").content.decode()
