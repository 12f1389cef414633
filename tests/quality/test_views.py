"""Data-quality pages: access (anonymous, no role, out of area, permitted) and what each page shows and does."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.core.models import AccessLog, Job
from fupin.quality import services
from fupin.quality.models import Problem, RuleSetting, Run
from tests.quality import dbkit, kit

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL snapshots read committed data (own connection)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def world(areas, users):
    """Problems in 村A (an empty phone; a spouse without 大病保险 answer), 村B (empty phone) and 丙县's 村D."""
    hh, members = dbkit.create(areas["村A"], household={"phone": ""},
                               members=[kit.head(), kit.spouse(med_critical=None)])
    hb = dbkit.clean_household(areas["村B"], phone="")
    dbkit.clean_household(areas["村D"], phone="")
    run = services.quality_run(actor=users["county"], area_code=areas["清溪县"].code, check_date=kit.CHECK_DATE)
    other_run = services.quality_run(actor=None, area_code=areas["丙县"].code, check_date=kit.CHECK_DATE)
    return {
        "hh": hh, "spouse": members[2], "hb": hb, "run": run, "other_run": other_run,
        "phone": Problem.objects.get(household=hh, rule_code="2_01_013"),
        "critical": Problem.objects.get(rule_code="2_12_010"),
        "phone_b": Problem.objects.get(household=hb),
        "phone_d": Problem.objects.get(village=areas["村D"]),
    }


def pages(w) -> list[str]:
    return ["/quality/", f"/quality/areas/{w['hh'].village_id}/", "/quality/problems/", "/quality/problems/?mine=on",
            "/quality/problems/export.xlsx", f"/quality/problems/{w['phone'].pk}/", "/quality/rules/",
            "/quality/rules/5_14_007/", "/quality/runs/", f"/quality/runs/{w['run'].pk}/"]


# --- access -----------------------------------------------------------------------------------------------------
def test_anonymous_is_sent_to_login(world):
    c = Client()
    for url in pages(world):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next="), url
    r = c.post(f"/quality/problems/{world['phone'].pk}/", {"action": "request", "reason": "经入户核实确无电话"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert c.post("/quality/runs/", {"area": "450299100201"}).status_code == 302
    assert not Run.objects.exclude(pk__in=[world["run"].pk, world["other_run"].pk]).exists()


@pytest.mark.parametrize("who", ["norole", "department"])
def test_user_without_quality_role_is_refused(world, users, who):
    c = login(users[who])
    for url in pages(world):
        if url.endswith("export.xlsx") and who == "department":
            continue  # has no registry.export either: checked below
        assert c.get(url).status_code == 403, url
    assert c.get("/quality/problems/export.xlsx").status_code == 403
    r = c.post(f"/quality/problems/{world['phone'].pk}/", {"action": "request", "reason": "经入户核实确无电话",
                                                           "version": 1})
    assert r.status_code == 403
    assert c.post("/quality/rules/5_14_007/", {"area": "450299000000", "year": 0, "p_max_km": "3"}).status_code == 403
    assert Problem.objects.get(pk=world["phone"].pk).status == "open" and not RuleSetting.objects.exists()


def test_out_of_area_objects_are_404(world, users):
    c = login(users["other_county"])
    for url in (f"/quality/problems/{world['phone'].pk}/", f"/quality/runs/{world['run'].pk}/",
                "/quality/areas/450299000000/", "/quality/areas/450299100201/"):
        assert c.get(url).status_code == 404, url
    r = c.post(f"/quality/problems/{world['phone'].pk}/", {"action": "decide", "decision": "approve", "version": 1})
    assert r.status_code == 404
    # own county: fine; lists of another area are empty, not an error
    assert c.get(f"/quality/problems/{world['phone_d'].pk}/").status_code == 200
    r = c.get("/quality/problems/", {"area": "450299100201"})
    assert r.status_code == 200 and "没有符合条件的问题" in text(r)
    assert c.get("/quality/problems/", {"area": "45x"}).status_code == 404
    # the village officer of 村B cannot open 村A's problem
    assert login(users["officer_b"]).get(f"/quality/problems/{world['phone'].pk}/").status_code == 404


def test_permitted_users_see_every_page(world, users):
    for who in ("officer", "helper", "township", "county", "viewer", "sysadmin"):
        c = login(users[who])
        for url in pages(world):
            if url.endswith("export.xlsx") and who == "helper":
                assert c.get(url).status_code == 403  # helpers do not export
                continue
            if url.endswith(f"/runs/{world['run'].pk}/") and who in ("officer", "helper", "township"):
                assert c.get(url).status_code == 404  # a county run is above the village and the township
                continue
            assert c.get(url).status_code == 200, (who, url)


# --- overview ---------------------------------------------------------------------------------------------------
def test_overview_scores_and_rules(world, users, areas):
    c = login(users["county"])
    r = c.get("/quality/")
    body = text(r)
    assert "清溪县 数据质量" in body
    totals = r.context["total"]
    assert (totals["persons"], totals["active"], totals["per100"]) == (4, 3, 75.0)
    rows = {a.name: v for a, v in r.context["rows"]}
    assert set(rows) == {"甲镇", "乙镇"}
    assert (rows["甲镇"]["active"], rows["甲镇"]["per100"]) == (3, 75.0)
    assert rows["乙镇"] == {} or rows["乙镇"].get("active", 0) == 0
    assert [(x["rule_code"], x["n"], x["households"]) for x in r.context["by_rule"]] == [
        ("2_01_013", 2, 2), ("2_12_010", 1, 1)]
    assert '<a href="/quality/areas/450299100000/">甲镇</a>' in body
    assert "/quality/problems/?area=450299000000&rule=2_01_013" in body
    assert "运行核查" in body  # county may run
    assert "最近核查" in body and f"/quality/runs/{world['run'].pk}/" in body

    r = c.get(f"/quality/areas/{areas['甲镇'].code}/")
    rows = {a.name: v for a, v in r.context["rows"]}
    assert (rows["村A"]["active"], rows["村A"]["persons"], rows["村B"]["active"]) == (2, 2, 1)
    body = text(r)
    assert '<li class="breadcrumb-item"><a href="/quality/areas/450299000000/">清溪县</a></li>' in body
    assert "/quality/problems/?area=450299100201" in body

    r = login(users["helper"]).get("/quality/")
    assert "村A 数据质量" in text(r) and "运行核查" not in text(r) and r.context["rows"] == []
    assert r.context["total"]["active"] == 2


# --- problem list and export ------------------------------------------------------------------------------------
def test_problem_list_filters(world, users, areas):
    c = login(users["county"])

    def numbers(**params):
        r = c.get("/quality/problems/", params)
        assert r.status_code == 200
        return sorted((p.rule_code, p.village.name) for p in r.context["page"])

    assert numbers() == [("2_01_013", "村A"), ("2_01_013", "村B"), ("2_12_010", "村A")]
    assert numbers(rule="2_12_010") == [("2_12_010", "村A")]
    assert numbers(level="person") == [("2_12_010", "村A")]
    assert numbers(area=areas["村B"].code) == [("2_01_013", "村B")]
    assert numbers(severity="error") == []
    assert numbers(status="fixed") == []
    assert numbers(overdue="on") == []
    body = text(c.get("/quality/problems/", {"rule": "2_12_010"}))
    assert "问题清单 · <code>2_12_010</code> 是否参加大病保险为空" in body
    assert "是否参加大病保险为空" in body and "李四" in body and world["hh"].number in body
    assert "共 1 条" in body and "导出 Excel" in body

    officer = login(users["officer"])
    r = officer.get("/quality/problems/", {"mine": "on"})
    assert sorted(p.village.name for p in r.context["page"]) == ["村A", "村A"]
    assert 'class="nav-link active" href="/quality/problems/?mine=on"' in text(r)
    assert "导出 Excel" in text(r)
    r = login(users["helper"]).get("/quality/problems/", {"mine": "on"})
    assert "没有符合条件的问题" in text(r) and "导出 Excel" not in text(r)


def _sheets(response) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_export_masks_ids_without_view_id_and_logs(world, users):
    spouse_id = world["spouse"].id_number
    r = login(users["county"]).get("/quality/problems/export.xlsx", {"area": "450299000000"})
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    sheets = _sheets(r)
    assert list(sheets) == ["汇总", "2_01_013", "2_12_010"]
    assert sheets["汇总"][0] == ("规则编号", "规则名称", "类别", "层级", "级别", "问题数", "涉及户数")
    assert [row[:2] + row[5:] for row in sheets["汇总"][1:]] == [
        ("2_01_013", "联系电话为空", 2, 2), ("2_12_010", "是否参加大病保险为空", 1, 1)]
    person = sheets["2_12_010"]
    assert person[0][:6] == ("区划代码", "行政村", "户编号", "户主/姓名", "证件号码", "问题说明")
    assert person[1][:6] == ("450299100201", "村A", world["hh"].number, "李四", spouse_id, "是否参加大病保险为空")
    assert person[1][6] == "是否参加大病保险" and person[1][7] == "待整改"
    assert [row[1] for row in sheets["2_01_013"][1:]] == ["村A", "村B"]
    assert sheets["2_01_013"][1][3] == "张三"  # household problems name the head
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.row_count, log.unmasked, log.area_code) == (
        users["county"], "export", "quality_problem", 3, True, "450299000000")

    r = login(users["viewer"]).get("/quality/problems/export.xlsx", {"rule": "2_12_010"})
    person = _sheets(r)["2_12_010"]
    assert person[1][4] == spouse_id[:6] + "********" + spouse_id[-4:]
    assert spouse_id not in str(person)
    log = AccessLog.objects.order_by("-id").first()
    assert (log.user, log.row_count, log.unmasked) == (users["viewer"], 1, False)
    assert log.detail == {"filters": {"rule": "2_12_010"}}


# --- problem detail and exemptions ------------------------------------------------------------------------------
def test_problem_detail_shows_problem_and_history(world, users):
    p = world["critical"]
    r = login(users["officer"]).get(f"/quality/problems/{p.pk}/")
    body = text(r)
    assert "<code>2_12_010</code> 是否参加大病保险为空" in body and "待整改" in body
    assert "李四" in body and world["hh"].number in body and "村A（450299100201）" in body
    assert "是否参加大病保险" in body  # the field to fix
    assert "county：核查发现问题" in body
    assert 'id="exemption-request"' in body and 'id="exemption-decide"' not in body
    r = login(users["helper"]).get(f"/quality/problems/{p.pk}/")
    assert 'id="exemption-request"' not in text(r)  # helpers do not rectify


def test_exemption_request_and_decision_through_the_page(world, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = world["phone"]
    url = f"/quality/problems/{p.pk}/"
    officer = login(users["officer"])

    r = officer.post(url, {"action": "request", "reason": "太短", "version": p.version})
    assert r.status_code == 400 and "豁免理由至少5个字" in text(r)
    assert r.context["request_form"]["reason"].value() == "太短"
    r = officer.post(url, {"action": "request", "reason": "", "version": p.version})
    assert r.status_code == 400 and "请填写豁免理由" in text(r)
    r = officer.post(url, {"action": "request", "reason": "经入户核实，该户确无电话", "version": p.version,
                           "evidence": SimpleUploadedFile("证明.exe", b"MZ")})
    assert r.status_code == 400 and "佐证材料只能是 JPG、PNG 或 PDF 文件" in text(r)
    assert Problem.objects.get(pk=p.pk).status == "open"

    r = officer.post(url, {"action": "request", "reason": "经入户核实，该户确无电话", "version": p.version,
                           "evidence": SimpleUploadedFile("证明.pdf", b"%PDF-1.4", content_type="application/pdf")})
    assert r.status_code == 302 and r["Location"] == url
    p.refresh_from_db()
    assert p.status == "pending" and p.exemption_evidence.name.endswith(".pdf")
    r = officer.get(url)
    body = text(r)
    assert "豁免申请已提交，等待乡镇或县级审核" in body and "豁免待审核" in body
    assert "经入户核实，该户确无电话" in body and "佐证材料" in body
    assert 'id="exemption-request"' not in body and 'id="exemption-decide"' not in body  # officer cannot approve

    # A stale form (the version it was read at) is refused with a message, nothing changes.
    r = officer.post(url, {"action": "request", "reason": "再提交一次豁免申请", "version": 1})
    assert r.status_code == 302
    assert "该问题刚被他人处理过，请刷新页面后再操作" in text(officer.get(url))

    township = login(users["township"])
    body = text(township.get(url))
    assert 'id="exemption-decide"' in body and "同意豁免" in body and "驳回" in body
    r = township.post(url, {"action": "decide", "version": p.version})
    assert r.status_code == 400 and "请选择审核意见：同意豁免或驳回" in text(r)
    r = township.post(url, {"action": "decide", "decision": "reject", "comment": "", "version": p.version})
    assert r.status_code == 400 and "请填写驳回理由" in text(r)
    assert r.context["decision_form"]["decision"].value() == "reject"
    assert Problem.objects.get(pk=p.pk).status == "pending"
    # The officer (requester, no approve permission) may not decide.
    r = officer.post(url, {"action": "decide", "decision": "approve", "version": p.version})
    assert r.status_code == 403

    r = township.post(url, {"action": "decide", "decision": "approve", "comment": "情况属实", "version": p.version})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "exempted" and p.exemption_reviewed_by == users["township"]
    body = text(township.get(url))
    assert "已豁免" in body and "township：同意豁免：情况属实" in body and 'id="exemption-decide"' not in body

    # A reviewer who requested it may not approve it.
    q = world["phone_b"]
    r = township.post(f"/quality/problems/{q.pk}/", {"action": "request", "reason": "经核实该户确无电话",
                                                      "version": q.version})
    assert r.status_code == 302
    q.refresh_from_db()
    body = text(township.get(f"/quality/problems/{q.pk}/"))
    assert q.status == "pending" and 'id="exemption-decide"' not in body
    r = township.post(f"/quality/problems/{q.pk}/", {"action": "decide", "decision": "approve",
                                                      "version": q.version})
    assert r.status_code == 302 and "不能审核自己提出的豁免申请" in text(township.get(f"/quality/problems/{q.pk}/"))
    assert Problem.objects.get(pk=q.pk).status == "pending"


def test_recheck_after_fix(world, users):
    from fupin.registry import services as registry

    p = world["phone"]
    hh = world["hh"]
    hh.refresh_from_db()
    registry.household_update(actor=users["officer"], household=hh, data={"phone": "13800138000"},
                              expected_version=hh.version)
    c = login(users["officer"])
    r = c.post(f"/quality/problems/{p.pk}/", {"action": "recheck"})
    assert r.status_code == 302
    assert "已复核：问题已整改" in text(c.get(f"/quality/problems/{p.pk}/"))
    assert Problem.objects.get(pk=p.pk).status == "fixed"
    assert login(users["helper"]).post(f"/quality/problems/{world['critical'].pk}/",
                                       {"action": "recheck"}).status_code == 403
    assert c.post(f"/quality/problems/{p.pk}/", {"action": "nonsense"}).status_code == 404


# --- rules ------------------------------------------------------------------------------------------------------
def test_rule_list(world, users, areas):
    from fupin.quality import catalogue

    RuleSetting.objects.create(rule_code="5_14_007", area=areas["清溪县"], params={"max_km": 3})
    RuleSetting.objects.create(rule_code="5_14_007", area=areas["丙县"], enabled=False)
    r = login(users["county"]).get("/quality/rules/")
    body = text(r)
    assert f"共 {len(catalogue.CATALOGUE)} 条规则" in body
    for family in {rule.family for rule in catalogue.CATALOGUE.values()}:
        assert f'<h2 class="h6 mt-4">{family}</h2>' in body
    assert 'href="/quality/rules/5_14_007/"><code>5_14_007</code></a>' in body
    assert "清溪县：最大距离(公里)=3" in body and "丙县" not in body  # another county's setting is not shown
    assert "点击规则编号可修改本辖区的参数" in body
    assert "参数由县级或省级管理员设置" in text(login(users["township"]).get("/quality/rules/"))


def test_rule_detail_and_settings(world, users, areas):
    url = "/quality/rules/5_14_007/"
    county = login(users["county"])
    body = text(county.get(url))
    assert "<code>5_14_007</code> 与村主干路距离过远" in body and "最大距离(公里)=5" in body
    assert "尚无修改" in body and 'id="rule-setting-form"' in body and "默认 5，范围 0—1000" in body
    assert 'id="rule-setting-form"' not in text(login(users["township"]).get(url))
    assert login(users["township"]).post(url, {"area": "450299000000", "year": 0}).status_code == 403
    assert county.get("/quality/rules/NOPE/").status_code == 404

    r = county.post(url, {"area": "450299000000", "year": 0, "enabled": "on", "p_max_km": "abc"})
    assert r.status_code == 400 and "最大距离(公里)应为数字，而不是“abc”" in text(r)
    assert r.context["form"]["p_max_km"].value() == "abc"
    r = county.post(url, {"area": "450298000000", "year": 0, "enabled": "on", "p_max_km": "3"})  # 丙县
    assert r.status_code == 400 and "选择一个有效的选项" in text(r)
    r = county.post(url, {"area": "450299100000", "year": 0, "enabled": "on", "p_max_km": "3"})  # a township
    assert r.status_code == 400
    r = county.post(url, {"area": "450299000000", "year": "x", "enabled": "on"})
    assert r.status_code == 400 and "年度应为整数" in text(r)
    r = login(users["sysadmin"]).post("/quality/rules/5_17_003/", {"area": "450000000000", "year": 0,
                                                                    "enabled": "on", "p_min_age": "18"})
    assert r.status_code == 400 and "最小年龄（18）不能大于最大年龄（17）" in text(r)
    assert not RuleSetting.objects.exists()

    r = county.post(url, {"area": "450299000000", "year": 2026, "enabled": "on", "p_max_km": "3", "note": "山区"})
    assert r.status_code == 302 and r["Location"] == url
    s = RuleSetting.objects.get()
    assert (s.area_id, s.year, s.enabled, s.params, s.note) == ("450299000000", 2026, True, {"max_km": 3.0}, "山区")
    body = text(county.get(url))
    assert "规则参数已保存，下次核查起生效" in body
    assert "<td>清溪县</td><td>2026</td><td>启用</td><td>最大距离(公里)=3.0 </td><td>山区</td>" in body
    assert "county 新增" in body  # history
    r = county.post(url, {"area": "450299000000", "year": 2026, "p_max_km": "", "version": s.version})
    assert r.status_code == 302
    s.refresh_from_db()
    assert (s.enabled, s.params) == (False, {})
    body = text(county.get(url))
    assert '<span class="text-danger">停用</span>' in body and "沿用上级" in body and "county 修改" in body


# --- runs -------------------------------------------------------------------------------------------------------
def test_run_list_and_start_a_run(world, users, areas):
    c = login(users["county"])
    r = c.get("/quality/runs/")
    body = text(r)
    assert 'id="run-form"' in body and "清溪县" in body and "开始核查" in body
    choices = [code for code, _label in r.context["form"].fields["area"].choices]
    assert "450299000000" in choices and "450299100201" in choices and "450298000000" not in choices
    assert [run.pk for run in r.context["runs"]] == [world["run"].pk]  # 丙县's run is not listed

    r = c.post("/quality/runs/", {"area": "450299000000", "check_date": "2026-13-01"})
    assert r.status_code == 400 and "请填写有效日期，如2026-06-30" in text(r)
    r = c.post("/quality/runs/", {"area": "450298000000", "check_date": "2026-06-30"})
    assert r.status_code == 400
    r = login(users["helper"]).post("/quality/runs/", {"area": "450299100201", "check_date": "2026-06-30"})
    assert r.status_code == 403
    assert 'id="run-form"' not in text(login(users["helper"]).get("/quality/runs/"))

    # fix one problem first, so that the run has something to close
    from fupin.registry import services as registry

    hb = world["hb"]
    hb.refresh_from_db()
    registry.household_update(actor=users["county"], household=hb, data={"phone": "13900139000"},
                              expected_version=hb.version)
    r = c.post("/quality/runs/", {"area": "450299100000", "check_date": "2026-06-30", "rules": ["2_01_013"]})
    assert r.status_code == 302 and r["Location"].startswith("/quality/jobs/")
    job = Job.objects.get(pk=r["Location"].split("/")[3])
    assert job.status == Job.Status.SUCCEEDED and job.user == users["county"]
    new_run = Run.objects.order_by("-id").first()
    assert (new_run.area_id, new_run.rule_codes, new_run.outcome["fixed"], new_run.findings) == (
        "450299100000", ["2_01_013"], 1, 1)
    r = c.get(r["Location"])
    assert r.status_code == 302 and r["Location"] == f"/quality/runs/{new_run.pk}/"
    r = c.get(f"/quality/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert r["HX-Redirect"] == f"/quality/runs/{new_run.pk}/"
    assert login(users["township"]).get(f"/quality/jobs/{job.pk}/").status_code == 404  # not their job
    assert Problem.objects.get(pk=world["phone_b"].pk).status == "fixed"

    body = text(c.get(f"/quality/runs/{new_run.pk}/"))
    assert "核查结果 · 甲镇" in body and "已完成" in body and "基准日 2026-06-30" in body
    assert "1 户 2 人" not in body and "2 户 4 人" in body
    outcome = dict(re.findall(r'<div class="small text-muted">([^<]+)</div><div class="fs-4[^"]*">(\d+)</div>', body))
    assert outcome == {"发现问题": "1", "新增": "0", "已整改（自动关闭）": "1", "再次出现": "0", "豁免失效": "0"}
    assert 'href="/quality/problems/?area=450299100000&rule=2_01_013"><code>2_01_013</code></a>' in body


def test_run_detail_of_the_first_run(world, users):
    body = text(login(users["viewer"]).get(f"/quality/runs/{world['run'].pk}/"))
    assert "核查结果 · 清溪县" in body and "county" in body
    assert "<td>联系电话为空</td><td class=\"text-end\">2</td>" in body
    assert "<td>是否参加大病保险为空</td><td class=\"text-end\">1</td>" in body
