"""Data-quality services on the database: runs and the problem list they keep, exemptions, rule settings,
household checks, scoping and scores, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone

from fupin.core.errors import ApplicationError, ConcurrentEditError, PermissionDeniedError
from fupin.core.models import ObjectChange
from fupin.quality import catalogue, selectors, services
from fupin.quality.models import Problem, ProblemEvent, RuleSetting, Run
from fupin.registry import services as registry
from fupin.registry.models import Member
from tests.quality import dbkit, kit

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL snapshots read committed data (own connection)
CHECK = dbkit.CHECK_DATE
NO_CHANGE = {"new": 0, "reopened": 0, "lapsed": 0, "fixed": 0}


def run(area, actor=None, **kw) -> Run:
    return services.quality_run(actor=actor, area_code=getattr(area, "code", area), check_date=kw.pop("check_date", CHECK),
                                **kw)


def statuses(problem: Problem) -> list[tuple[str, str]]:
    return list(problem.events.order_by("time", "id").values_list("from_status", "to_status"))


def set_phone(household, phone: str, actor) -> None:
    household.refresh_from_db()
    registry.household_update(actor=actor, household=household, data={"phone": phone},
                              expected_version=household.version)


# --- runs -------------------------------------------------------------------------------------------------------
def test_run_finds_fixes_and_reopens(areas, users):
    hh = dbkit.clean_household(areas["村A"], phone="")
    dbkit.clean_household(areas["村B"])
    first = run(areas["甲镇"], users["township"])

    assert first.status == Run.Status.SUCCEEDED and first.finished_at and first.user_name == "township"
    assert (first.households, first.persons, first.findings) == (2, 4, 1)
    assert first.counts == {"2_01_013": 1}
    assert first.outcome == {**NO_CHANGE, "new": 1, "unchanged": 0}
    assert set(first.timings) == {"snapshot", "rules", "write"}
    p = Problem.objects.get()
    assert (p.rule_code, p.level, p.severity, p.household_id, p.member_id, p.village_id, p.status) == (
        "2_01_013", "household", "warning", hh.pk, None, areas["村A"].code, "open")
    assert p.message == "联系电话为空" and p.household_number == hh.number
    assert p.first_run == first and p.last_run == first
    assert p.due_date == timezone.localdate() + dt.timedelta(days=30)
    assert not p.events.exists()  # the finding itself is p.found_at / p.first_run, not an event row

    second = run(areas["甲镇"], users["township"])
    assert second.outcome == {**NO_CHANGE, "unchanged": 1} and second.findings == 1
    before = (p.version, p.message, p.data_version, p.found_at)
    p.refresh_from_db()
    assert p.status == "open" and p.first_run == first and not p.events.exists()
    assert (p.version, p.message, p.data_version, p.found_at) == before

    set_phone(hh, "13800138000", users["officer"])  # fixed in the registry
    third = run(areas["甲镇"])
    assert third.outcome == {**NO_CHANGE, "fixed": 1, "unchanged": 0} and third.findings == 0
    p.refresh_from_db()
    assert p.status == "fixed" and p.closed_at is not None
    assert statuses(p)[-1] == ("open", "fixed") and p.events.last().run == third

    set_phone(hh, "", users["officer"])  # broken again
    fourth = run(areas["村A"])
    assert fourth.outcome == {**NO_CHANGE, "reopened": 1, "unchanged": 0}
    p.refresh_from_db()
    assert p.status == "open" and p.closed_at is None and Problem.objects.count() == 1
    assert statuses(p) == [("open", "fixed"), ("fixed", "open")]
    assert p.events.last().comment == "复核再次发现问题"


def test_run_over_a_village_leaves_other_villages_alone(areas, users):
    a = dbkit.clean_household(areas["村A"], phone="")
    b = dbkit.clean_household(areas["村B"], phone="")
    run(areas["甲镇"])
    set_phone(b, "13800138000", users["officer_b"])
    r = run(areas["村A"])  # 村B's fix is not seen by a run over 村A
    assert (r.households, r.outcome["fixed"], r.outcome["unchanged"]) == (1, 0, 1)
    assert Problem.objects.get(household=b).status == "open"
    assert Problem.objects.get(household=a).status == "open"
    run(areas["村B"])
    assert Problem.objects.get(household=b).status == "fixed"


def test_failing_run_leaves_problems_unchanged(areas, users, monkeypatch):
    hh = dbkit.clean_household(areas["村A"], phone="")
    run(areas["村A"])
    set_phone(hh, "13800138000", users["officer"])
    before = list(Problem.objects.values_list("id", "status", "version"))
    events = ProblemEvent.objects.count()

    def boom(*_a, **_kw):
        raise RuntimeError("规则引擎出错")

    monkeypatch.setattr(services.engine, "evaluate", boom)
    with pytest.raises(RuntimeError):
        run(areas["村A"], users["county"])
    failed = Run.objects.order_by("-id").first()
    assert failed.status == Run.Status.FAILED and failed.finished_at is not None
    assert failed.message == "核查失败，问题清单未作改动：规则引擎出错"
    assert list(Problem.objects.values_list("id", "status", "version")) == before
    assert ProblemEvent.objects.count() == events


def test_run_refuses_unknown_area_rule_and_missing_permission(areas, users):
    with pytest.raises(ApplicationError, match="区划代码450299999999不存在"):
        run("450299999999")
    with pytest.raises(ApplicationError, match="没有编号为“X_99”的规则"):
        run(areas["村A"], rule_codes=["X_99"])
    with pytest.raises(PermissionDeniedError, match="运行数据核查"):
        run(areas["村B"], users["officer"])
    with pytest.raises(PermissionDeniedError):
        run(areas["清溪县"], users["helper"])
    assert not Run.objects.exists()


def test_run_with_selected_rules_only_closes_those(areas, users):
    hh = dbkit.clean_household(areas["村A"], phone="", road_distance_km=9)
    run(areas["村A"])
    assert set(Problem.objects.values_list("rule_code", flat=True)) == {"2_01_013", "5_14_007"}
    set_phone(hh, "13800138000", users["officer"])
    hh.refresh_from_db()
    registry.household_update(actor=users["officer"], household=hh, data={"road_distance_km": 1},
                              expected_version=hh.version)
    r = run(areas["村A"], rule_codes=["5_14_007"])
    assert r.rule_codes == ["5_14_007"] and r.outcome["fixed"] == 1
    assert Problem.objects.get(rule_code="5_14_007").status == "fixed"
    assert Problem.objects.get(rule_code="2_01_013").status == "open"  # not among the rules run


# --- exemptions -------------------------------------------------------------------------------------------------
@pytest.fixture
def two_problems(areas):
    """A household with an empty phone (household rule) and a spouse without 大病保险 answer (person rule)."""
    hh, members = dbkit.create(areas["村A"], household={"phone": ""},
                               members=[kit.head(), kit.spouse(med_critical=None)])
    run(areas["村A"])
    return hh, members[2], Problem.objects.get(rule_code="2_01_013"), Problem.objects.get(rule_code="2_12_010")


def test_exemption_request_validation_and_roles(two_problems, users):
    _hh, _spouse, p, _q = two_problems
    with pytest.raises(ApplicationError) as exc:
        services.exemption_request(actor=users["officer"], problem=p, reason=" 太短 ")
    assert exc.value.message == "请填写豁免理由（至少5个字），说明数据为何属实"
    assert exc.value.field_errors == {"reason": ["豁免理由至少5个字"]}
    for who in ("helper", "officer_b", "viewer", "department"):
        with pytest.raises(PermissionDeniedError, match="您没有在该区划申请豁免的权限"):
            services.exemption_request(actor=users[who], problem=p, reason="经入户核实，该户确无电话")
    p.refresh_from_db()
    assert p.status == "open" and p.version == 1 and not p.events.exists()

    p = services.exemption_request(actor=users["officer"], problem=p, reason="经入户核实，该户确无电话",
                                   expected_version=1)
    assert (p.status, p.version, p.exemption_requested_by, p.exemption_reason) == (
        "pending", 2, users["officer"], "经入户核实，该户确无电话")
    last = p.events.last()
    assert (last.from_status, last.to_status, last.user, last.comment) == (
        "open", "pending", users["officer"], "申请豁免：经入户核实，该户确无电话")
    with pytest.raises(ApplicationError, match="问题当前状态为“豁免待审核”，不能执行此操作"):
        services.exemption_request(actor=users["officer"], problem=p, reason="再申请一次豁免")


def test_exemption_approve_by_township_and_lapse_on_change(two_problems, areas, users):
    hh, spouse, p, q = two_problems
    p = services.exemption_request(actor=users["officer"], problem=p, reason="经入户核实，该户确无电话")
    q = services.exemption_request(actor=users["township"], problem=q, reason="本人拒绝回答，已签字确认")
    with pytest.raises(PermissionDeniedError, match="审核豁免"):
        services.exemption_decide(actor=users["officer"], problem=p, approve=True)
    with pytest.raises(ApplicationError, match="不能审核自己提出的豁免申请"):
        services.exemption_decide(actor=users["township"], problem=q, approve=True)
    with pytest.raises(PermissionDeniedError):
        services.exemption_decide(actor=users["other_county"], problem=p, approve=True)

    p = services.exemption_decide(actor=users["township"], problem=p, approve=True, comment="情况属实",
                                  expected_version=p.version)
    q = services.exemption_decide(actor=users["county"], problem=q, approve=True)
    assert (p.status, p.exemption_reviewed_by, p.exemption_version) == ("exempted", users["township"], p.data_version)
    assert p.closed_at is not None and p.events.last().comment == "同意豁免：情况属实"
    assert q.status == "exempted" and q.exemption_version == q.data_version and ":" in q.data_version

    # Unchanged data: the run still finds both, they stay exempted.
    r = run(areas["村A"])
    assert r.findings == 2 and r.outcome == {**NO_CHANGE, "unchanged": 2}
    assert set(Problem.objects.values_list("status", flat=True)) == {"exempted"}
    # selectors: exempted problems are out of the active lists
    assert not selectors.problem_list(users["county"]).exists()
    assert selectors.problem_list(users["county"], status="exempted").count() == 2

    # The spouse's record changes (not the field at fault): the person problem's exemption lapses.
    registry.member_update(actor=users["officer"], member=spouse, data={"education": "04"},
                           expected_version=spouse.version)
    r = run(areas["村A"])
    assert r.outcome == {**NO_CHANGE, "lapsed": 1, "unchanged": 1}
    q.refresh_from_db()
    p.refresh_from_db()
    assert q.status == "open" and q.closed_at is None and p.status == "exempted"
    lapse = q.events.last()
    assert (lapse.from_status, lapse.to_status, lapse.run, lapse.comment) == (
        "exempted", "open", Run.objects.order_by("-id").first(), "数据已变更，豁免失效，复核仍有问题")

    # The household changes: its exemption lapses too.
    hh.refresh_from_db()
    registry.household_update(actor=users["officer"], household=hh, data={"address": "新地址2号"},
                              expected_version=hh.version)
    r = run(areas["村A"])
    assert r.outcome["lapsed"] == 1
    p.refresh_from_db()
    assert p.status == "open" and statuses(p)[-1] == ("exempted", "open")


def test_exempted_problem_fixed_when_data_no_longer_triggers(two_problems, areas, users):
    hh, _spouse, p, _q = two_problems
    p = services.exemption_request(actor=users["officer"], problem=p, reason="经入户核实，该户确无电话")
    p = services.exemption_decide(actor=users["township"], problem=p, approve=True)
    set_phone(hh, "13800138000", users["officer"])
    run(areas["村A"])
    p.refresh_from_db()
    assert p.status == "fixed" and p.events.last().comment == "复核通过，数据已不再触发该规则"


def test_exemption_reject_needs_a_comment(two_problems, users):
    _hh, _spouse, p, _q = two_problems
    p = services.exemption_request(actor=users["officer"], problem=p, reason="经入户核实，该户确无电话")
    with pytest.raises(ApplicationError) as exc:
        services.exemption_decide(actor=users["township"], problem=p, approve=False, comment="  ")
    assert exc.value.message == "驳回豁免申请时请填写驳回理由"
    assert exc.value.field_errors == {"comment": ["请填写驳回理由"]}
    p = services.exemption_decide(actor=users["township"], problem=p, approve=False, comment="请补充佐证材料")
    assert p.status == "open" and p.exemption_reviewed_by == users["township"]
    assert statuses(p)[-1] == ("pending", "open") and p.events.last().comment == "驳回豁免：请补充佐证材料"


def test_stale_version_is_a_concurrent_edit(two_problems, users):
    _hh, _spouse, p, _q = two_problems
    stale = Problem.objects.get(pk=p.pk)
    services.exemption_request(actor=users["officer"], problem=p, reason="经入户核实，该户确无电话",
                               expected_version=1)
    with pytest.raises(ConcurrentEditError, match="该问题刚被他人处理过"):
        services.exemption_request(actor=users["officer"], problem=p, reason="另一个人也在申请豁免",
                                   expected_version=1)
    # An object read before the change (the other tab) is refused by the conditional update.
    with pytest.raises(ConcurrentEditError):
        services.exemption_request(actor=users["officer"], problem=stale, reason="另一个人也在申请豁免")
    p.refresh_from_db()
    with pytest.raises(ConcurrentEditError):
        services.exemption_decide(actor=users["township"], problem=p, approve=True, expected_version=1)
    assert Problem.objects.get(pk=p.pk).status == "pending"


# --- rule settings ----------------------------------------------------------------------------------------------


def _save(actor, area, code="5_14_007", year=0, enabled=True, note="", **values) -> RuleSetting:
    return services.rule_setting_save(actor=actor, rule_code=code, area=area, year=year, enabled=enabled,
                                      values=values, note=note)


def _road_problems() -> dict[str, str]:
    return {p.village_id: p.status for p in Problem.objects.filter(rule_code="5_14_007")}


def test_province_and_county_settings(areas, users):
    dbkit.clean_household(areas["村A"], road_distance_km=4)  # 清溪县
    dbkit.clean_household(areas["村D"], road_distance_km=4)  # 丙县
    a, d = areas["村A"].code, areas["村D"].code
    run(areas["广西壮族自治区"])
    assert _road_problems() == {}  # default 5 km

    _save(users["sysadmin"], areas["广西壮族自治区"], max_km="3")
    run(areas["广西壮族自治区"])
    assert _road_problems() == {a: "open", d: "open"}
    assert Problem.objects.get(village_id=a).message == "与村主干路距离大于3公里（4.0公里）"

    _save(users["county"], areas["清溪县"], max_km="4.5")  # 清溪县 only
    r = run(areas["广西壮族自治区"])
    assert _road_problems() == {a: "fixed", d: "open"}
    assert r.params["5_14_007"] == [
        {"area": areas["清溪县"].code, "enabled": True, "params": {"max_km": 4.5}},
        {"area": "", "enabled": True, "params": {"max_km": 3}}]
    # A run over the county itself uses the county's setting for everything.
    run(areas["清溪县"])
    assert _road_problems() == {a: "fixed", d: "open"}
    # The province run over 丙县 alone uses the province's.
    r = run(areas["丙县"])
    assert r.counts == {"5_14_007": 1} and r.outcome["unchanged"] == 1


def test_disabled_rule_finds_nothing_and_closes_nothing(areas, users):
    dbkit.clean_household(areas["村A"], road_distance_km=6)
    dbkit.clean_household(areas["村D"], road_distance_km=6)
    run(areas["广西壮族自治区"])
    assert _road_problems() == {areas["村A"].code: "open", areas["村D"].code: "open"}

    setting = _save(users["county"], areas["清溪县"], enabled=False, note="本县暂不核查")
    assert setting.enabled is False and setting.params == {}
    r = run(areas["清溪县"])
    assert "5_14_007" not in r.counts and r.outcome["fixed"] == 0
    assert r.params["5_14_007"] == [{"area": "", "enabled": False, "params": {}}]
    r = run(areas["广西壮族自治区"])  # off in 清溪县, on elsewhere: 丙县 still found, 清溪县's problem kept
    assert r.counts == {"5_14_007": 1} and r.outcome["fixed"] == 0
    assert _road_problems() == {areas["村A"].code: "open", areas["村D"].code: "open"}


def test_year_setting_applies_to_its_year_only(areas, users):
    dbkit.clean_household(areas["村A"], road_distance_km=6)
    _save(users["county"], areas["清溪县"], year=2025, max_km="10")
    assert run(areas["清溪县"], check_date=dt.date(2025, 6, 30)).counts == {}
    assert run(areas["清溪县"], check_date=dt.date(2026, 6, 30)).counts == {"5_14_007": 1}
    # The all-years setting of the same county loses to the year's for that year.
    _save(users["county"], areas["清溪县"], max_km="20")
    assert run(areas["清溪县"], check_date=dt.date(2026, 1, 1)).counts == {}
    _save(users["county"], areas["清溪县"], year=2025, max_km="2")
    assert run(areas["清溪县"], check_date=dt.date(2025, 12, 31)).counts == {"5_14_007": 1}


@pytest.mark.parametrize(("code", "values", "field", "message"), [
    ("5_14_007", {"max_km": "abc"}, "max_km", "最大距离(公里)应为数字，而不是“abc”"),
    ("5_14_007", {"max_km": "-1"}, "max_km", "最大距离(公里)不能小于0（填写的是-1）"),
    ("5_17_003", {"min_age": "-3"}, "min_age", "最小年龄不能小于0（填写的是-3）"),
    ("5_17_003", {"min_age": "12.5"}, "min_age", "最小年龄应为整数，而不是“12.5”"),
    ("2_11_002", {"since": "2023-13"}, "since", "消除时间起(年-月)应为“年-月”格式，如2023-04，而不是“2023-13”"),
])
def test_bad_parameters_are_refused_with_field_errors(areas, users, code, values, field, message):
    with pytest.raises(ApplicationError) as exc:
        _save(users["county"], areas["清溪县"], code=code, **values)
    assert exc.value.field_errors == {field: [message]}
    assert exc.value.message == f"参数有误：{message}"
    assert not RuleSetting.objects.exists()


def test_min_above_max_is_refused(areas, users):
    with pytest.raises(ApplicationError, match=r"最小年龄（18）不能大于最大年龄（17）"):
        _save(users["county"], areas["清溪县"], code="5_17_003", min_age="18")
    with pytest.raises(ApplicationError, match=r"最小年龄（15）不能大于最大年龄（13）"):
        _save(users["county"], areas["清溪县"], code="5_17_003", min_age="15", max_age="13")
    with pytest.raises(ApplicationError, match="没有编号为“NOPE”的规则"):
        _save(users["county"], areas["清溪县"], code="NOPE")
    assert not RuleSetting.objects.exists()


def test_rule_setting_permissions_and_levels(areas, users):
    for who in ("officer", "township", "viewer", "helper"):
        with pytest.raises(PermissionDeniedError, match="设置规则参数"):
            _save(users[who], areas["清溪县"], max_km="3")
    with pytest.raises(PermissionDeniedError):
        _save(users["county"], areas["广西壮族自治区"], max_km="3")  # above the county
    with pytest.raises(PermissionDeniedError):
        _save(users["county"], areas["丙县"], max_km="3")  # another county
    for level in ("甲镇", "村A"):
        with pytest.raises(ApplicationError) as exc:
            _save(users["county"], areas[level], max_km="3")
        assert exc.value.message == "规则参数只能按省、市或县设置"
        assert exc.value.field_errors == {"area": ["请选择省、市或县"]}
    assert not RuleSetting.objects.exists()
    assert _save(users["sysadmin"], areas["柳州市"], max_km="3").area == areas["柳州市"]


def test_rule_setting_history(areas, users):
    s = _save(users["county"], areas["清溪县"], max_km="4", note="山区")
    assert (s.params, s.enabled, s.note, s.version) == ({"max_km": 4.0}, True, "山区", 1)
    s2 = _save(users["county"], areas["清溪县"], max_km="6")
    assert s2.pk == s.pk and s2.params == {"max_km": 6.0} and RuleSetting.objects.count() == 1
    _save(users["county"], areas["清溪县"], enabled=False)
    changes = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(RuleSetting),
                                          object_id=str(s.pk)).order_by("id")
    assert [c.action for c in changes] == ["create", "update", "update"]
    assert [c.user_name for c in changes] == ["county"] * 3
    assert changes[0].summary == "设置规则参数" and changes[1].summary == "修改规则参数"
    assert changes[1].prechange_data["params"] == {"max_km": 4.0}
    assert changes[1].postchange_data["params"] == {"max_km": 6.0}
    assert changes[2].postchange_data["enabled"] is False
    assert changes[0].area_code == areas["清溪县"].code
    # month parameters are stored as YYYY-MM
    assert _save(users["county"], areas["清溪县"], code="2_11_002", since="2023-4").params == {"since": "2023-04"}


def test_broken_stored_setting_stops_the_run_with_a_message(areas, users):
    RuleSetting.objects.create(rule_code="5_14_007", area=areas["清溪县"], params={"max_km": "far"})
    with pytest.raises(ApplicationError, match=r"规则5_14_007的参数设置有误（450299000000）：最大距离\(公里\)应为数字"):
        run(areas["清溪县"])
    assert not Run.objects.exists()


# --- household check --------------------------------------------------------------------------------------------
def test_household_check_matches_run_and_closes_at_once(areas, users):
    hh, members = dbkit.create(areas["村A"], household={"phone": ""},
                               members=[kit.head(), kit.spouse(med_critical=None)])
    run(areas["村A"])
    problems = {(p.rule_code, p.member_id): p.message for p in Problem.objects.all()}

    findings = services.household_check(household=hh, actor=users["officer"], check_date=CHECK)
    assert {(r["rule"], r["member_id"]): r["message"] for r in findings.iter_rows(named=True)} == problems
    assert problems == {("2_01_013", None): "联系电话为空", ("2_12_010", members[2].pk): "是否参加大病保险为空"}
    messages = services.findings_as_messages(findings)
    assert {m["rule"]: (m["title"], m["member"], m["fields"]) for m in messages} == {
        "2_01_013": ("联系电话为空", "", ["household.phone"]),
        "2_12_010": ("是否参加大病保险为空", "李四", ["med_critical"])}

    set_phone(hh, "13800138000", users["officer"])
    findings = services.household_check(household=hh, actor=users["officer"], check_date=CHECK)
    assert findings["rule"].to_list() == ["2_12_010"]
    p = Problem.objects.get(rule_code="2_01_013")
    assert p.status == "fixed"
    last = p.events.last()
    assert (last.from_status, last.to_status, last.run, last.user) == ("open", "fixed", None, users["officer"])
    assert Problem.objects.get(rule_code="2_12_010").status == "open"

    # A new problem from an edit is opened at once; record=False only reports.
    spouse = Member.objects.get(pk=members[2].pk)
    registry.member_update(actor=users["officer"], member=spouse, data={"pension_resident": None, "pension_employee": None},
                           expected_version=spouse.version)
    assert "5_19_001" in services.household_check(household=hh, record=False, check_date=CHECK)["rule"].to_list()
    assert not Problem.objects.filter(rule_code="5_19_001").exists()
    services.household_check(household=hh, check_date=CHECK)
    assert Problem.objects.get(rule_code="5_19_001").status == "open"


# --- scoping and scores -----------------------------------------------------------------------------------------
def test_problem_lists_are_scoped(areas, users):
    dbkit.clean_household(areas["村A"], phone="")
    dbkit.clean_household(areas["村B"], phone="")
    dbkit.clean_household(areas["村D"], phone="")
    run(areas["广西壮族自治区"])

    def villages(qs):
        return sorted(qs.values_list("village__name", flat=True))

    assert villages(selectors.problem_list(users["officer"])) == ["村A"]
    assert villages(selectors.my_problems(users["officer"])) == ["村A"]
    assert villages(selectors.problem_list(users["officer_b"], mine=True)) == ["村B"]
    assert villages(selectors.problem_list(users["officer"], area=areas["村B"].code)) == []
    assert villages(selectors.problem_list(users["township"])) == ["村A", "村B"]
    assert villages(selectors.problem_list(users["county"])) == ["村A", "村B"]
    assert villages(selectors.problem_list(users["viewer"])) == ["村A", "村B", "村D"]
    assert villages(selectors.my_problems(users["viewer"])) == []  # views, does not rectify
    assert villages(selectors.problem_list(users["helper"])) == ["村A"]
    assert villages(selectors.my_problems(users["helper"])) == []
    assert not selectors.problem_list(users["norole"]).exists()
    assert villages(selectors.problem_list(users["county"], rule="2_01_013", severity="warning",
                                           level="household")) == ["村A", "村B"]
    assert not selectors.problem_list(users["county"], level="person").exists()


def test_scores_per_child_area(areas, users):
    a1 = dbkit.clean_household(areas["村A"], phone="", road_distance_km=9)
    dbkit.create(areas["村A"], members=[kit.head(), kit.spouse(), kit.person(3, age=20)],
                 household={"housing_area": None})
    dbkit.clean_household(areas["村B"], phone="")
    dbkit.clean_household(areas["村C"])
    run(areas["清溪县"])
    # 村A: 5 persons, problems 2_01_013, 5_14_007 (a1), 5_19_005 (a2); 村B: 2 persons, 2_01_013
    assert Problem.objects.filter(village=areas["村A"]).count() == 3
    set_phone(a1, "13800138000", users["officer"])
    run(areas["村A"])  # 2_01_013 of 村A fixed
    Problem.objects.filter(rule_code="5_14_007").update(due_date=timezone.localdate() - dt.timedelta(days=1))

    s = selectors.scores(users["county"], areas["甲镇"].code, 5)
    assert set(s) == {areas["村A"].code, areas["村B"].code}
    va, vb = s[areas["村A"].code], s[areas["村B"].code]
    assert (va["persons"], va["households"], va["total"], va["active"], va["fixed"], va["overdue"]) == (5, 2, 3, 2, 1, 1)
    assert (va["per100"], va["share_fixed"], va["share_overdue"]) == (40.0, 33.3, 50.0)
    assert (vb["persons"], vb["total"], vb["active"], vb["fixed"], vb["overdue"]) == (2, 1, 1, 0, 0)
    assert (vb["per100"], vb["share_fixed"], vb["share_overdue"]) == (50.0, 0.0, 0.0)

    county = selectors.scores(users["county"], areas["清溪县"].code, 4)
    jia, yi = county[areas["甲镇"].code], county[areas["乙镇"].code]
    assert (jia["persons"], jia["active"], jia["per100"], jia["share_fixed"], jia["share_overdue"]) == (
        7, 3, 42.86, 25.0, 33.3)
    assert (yi["persons"], yi["active"], yi["per100"], yi["share_fixed"], yi["share_overdue"]) == (
        2, 0, 0.0, None, None)
    whole = selectors.area_score(users["county"], areas["清溪县"].code)
    assert (whole["persons"], whole["active"], whole["per100"]) == (9, 3, 33.33)
    # The village officer sees 村A's figures only.
    mine = selectors.scores(users["officer"], areas["甲镇"].code, 5)
    assert set(mine) == {areas["村A"].code} and mine[areas["村A"].code]["active"] == 2


# --- CLI --------------------------------------------------------------------------------------------------------
def test_cli_json_output(areas):
    _hh, members = dbkit.create(areas["村A"], household={"phone": ""},
                                members=[kit.head(), kit.spouse(med_critical=None)])
    dbkit.clean_household(areas["村B"], phone="")
    out = io.StringIO()
    call_command("quality", "run", "--area", areas["甲镇"].code, "--json", "--check-date", "2026-06-30", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    findings, summary = lines[:-1], lines[-1]
    spouse = members[2]
    assert sorted(findings, key=lambda f: (f["rule"], f["area_code"])) == [
        {"rule": "2_01_013", "level": "household", "area_code": areas["村A"].code,
         "household_number": spouse.household.number, "id_number": None, "message": "联系电话为空"},
        {"rule": "2_01_013", "level": "household", "area_code": areas["村B"].code,
         "household_number": Problem.objects.get(village=areas["村B"]).household_number, "id_number": None,
         "message": "联系电话为空"},
        {"rule": "2_12_010", "level": "person", "area_code": areas["村A"].code,
         "household_number": spouse.household.number, "id_number": spouse.id_number, "message": "是否参加大病保险为空"},
    ]
    assert summary == {"summary": {"total": 3, "by_rule": {"2_01_013": 2, "2_12_010": 1}}}
    r = Run.objects.get()
    assert (r.check_date, r.findings, r.user_name, r.status) == (dt.date(2026, 6, 30), 3, "system", "succeeded")
    assert Problem.objects.count() == 3

    # Plain output: one summary line per area and the counts per rule.
    out = io.StringIO()
    call_command("quality", "run", "--area", areas["村A"].code, "--rules", "2_01_013", "--check-date", "2026-06-30",
                 stdout=out)
    text = out.getvalue()
    assert f"区划{areas['村A'].code}：1户2人，发现问题1条（新增0，再次发现0，已整改0，豁免失效0）" in text
    assert "2_01_013" in text and "联系电话为空" in text


def test_cli_errors(areas):
    with pytest.raises(CommandError, match="核查基准日应为 YYYY-MM-DD 格式，而不是“2026-13-01”"):
        call_command("quality", "run", "--area", areas["村A"].code, "--check-date", "2026-13-01")
    with pytest.raises(CommandError, match="区划代码450299999999不存在"):
        call_command("quality", "run", "--area", "450299999999")
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("quality", "run", "--area", areas["村A"].code, "--user", "nobody")
    with pytest.raises(CommandError, match="没有编号为“BAD”的规则"):
        call_command("quality", "run", "--area", areas["村A"].code, "--rules", "BAD")
    assert not Run.objects.exists()


def test_cli_rules_lists_the_catalogue():
    out = io.StringIO()
    call_command("quality", "rules", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(catalogue.CATALOGUE)
    assert any(line.startswith("5_14_007") and "最大距离(公里)=5" in line for line in lines)


def test_first_run_load_writes_what_a_row_by_row_load_writes(areas, users, monkeypatch):
    """The big first-run load (indexes and foreign keys rebuilt after, shared values as column defaults on
    PostgreSQL) writes the same problems as the ordinary path and leaves the table's schema as it found it."""
    from django.db import connection

    for village in ("村A", "村B"):
        dbkit.clean_household(areas[village], phone="")
        dbkit.clean_household(areas[village], phone="")

    def table_state():
        with connection.cursor() as cur:
            # The events' table too: its foreign key to the problems goes while their primary key is rebuilt.
            constraints = [*connection.introspection.get_constraints(cur, Problem._meta.db_table).items(),
                           *connection.introspection.get_constraints(cur, ProblemEvent._meta.db_table).items()]
            defaults = []
            if connection.vendor == "postgresql":
                cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                            "AND column_default IS NOT NULL AND column_name <> 'id'", [Problem._meta.db_table])
                defaults = cur.fetchall()
        return sorted(constraints, key=repr), defaults

    fields = ["key", "rule_code", "level", "severity", "village_id", "household_id", "member_id",
              "household_number", "member_name", "message", "status", "data_version", "due_date", "closed_at",
              "exemption_reason", "exemption_evidence", "exemption_requested_by_id", "exemption_reviewed_by_id",
              "exemption_version", "version"]

    def problems(r: Run) -> list[tuple]:
        rows = list(Problem.objects.order_by("key").values_list(*fields, "first_run_id", "last_run_id", "found_at",
                                                                "last_seen_at"))
        assert rows and all(row[-4:-2] == (r.pk, r.pk) and row[-2] == row[-1] for row in rows)
        return [row[:-4] for row in rows]

    state = table_state()
    ordinary = problems(run(areas["甲镇"], users["township"]))
    Problem.objects.all().delete()
    monkeypatch.setattr(services, "BIG_LOAD", 0)
    big = run(areas["甲镇"], users["township"])
    assert big.outcome["new"] == len(ordinary) >= 4
    assert problems(big) == ordinary
    assert table_state() == state


def test_first_run_load_over_stored_problems_keeps_them_and_their_history(areas, users, monkeypatch):
    """The big load also runs when a larger area is checked after a smaller one: the stored problems, their
    history and the keys between them survive the rebuilt constraints, and the rebuilt keys still hold."""
    from django.db import IntegrityError, connection, transaction

    dbkit.clean_household(areas["村A"], phone="")
    for _ in range(3):
        dbkit.clean_household(areas["村B"], phone="")
    run(areas["村A"])
    stored = Problem.objects.get(rule_code="2_01_013")
    services.exemption_request(actor=users["officer"], problem=stored, reason="经入户核实，该户确无电话")
    monkeypatch.setattr(services, "BIG_LOAD", 0)
    big = run(areas["甲镇"], users["township"])
    assert (big.outcome["new"], big.outcome["unchanged"]) == (3, 1)
    assert Problem.objects.count() == 4
    stored.refresh_from_db()
    assert stored.status == "pending" and statuses(stored) == [("open", "pending")]
    other = Problem.objects.exclude(pk=stored.pk).first()
    # The keys are back: a used id or problem key is refused, and so is an event of no problem.
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.filter(pk=other.pk).update(id=stored.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.filter(pk=other.pk).update(key=stored.key)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProblemEvent.objects.filter(problem=stored).update(problem_id=10**12)
        connection.check_constraints(table_names=[ProblemEvent._meta.db_table])
