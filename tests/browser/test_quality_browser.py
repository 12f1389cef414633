"""Data quality in headless Chromium: a county admin runs the check and opens a problem, the village officer asks
for an exemption, the township reviewer approves it. Screenshots of the overview and the problem list go to
test-artifacts/ (gitignored) for a look at the layout."""

import pathlib
import re

import pytest

from fupin.quality.models import Problem, Run
from tests.browser.test_browser import browser  # noqa: F401 - the fixture
from tests.conftest import PASSWORD
from tests.quality import dbkit, kit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"


def login(browser, live_server, username: str):  # noqa: F811
    page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def test_run_review_and_exempt(live_server, browser, areas, users):  # noqa: F811
    hh, _members = dbkit.create(areas["村A"], household={"phone": ""},
                                members=[kit.head(), kit.spouse(med_critical=None)])
    dbkit.clean_household(areas["村B"], phone="")
    dbkit.clean_household(areas["村C"])
    ARTIFACTS.mkdir(exist_ok=True)

    county = login(browser, live_server, "county")
    county.goto(live_server.url + "/quality/runs/")
    assert "还没有核查记录" in county.text_content("#run-table")
    county.select_option("#id_area", "450299000000")
    county.fill("#id_check_date", kit.CHECK_DATE.isoformat())
    county.click("#run-form button[type=submit]")
    county.wait_for_url(re.compile(r".*/quality/runs/\d+/$"))
    run = Run.objects.get()
    assert county.url.endswith(f"/quality/runs/{run.pk}/")
    assert "核查结果 · 清溪县" in county.text_content("h1") and "已完成" in county.text_content("h1")
    outcome = county.text_content("#run-outcome")
    assert "发现问题3" in re.sub(r"\s+", "", outcome) and "新增3" in re.sub(r"\s+", "", outcome)
    assert "联系电话为空" in county.text_content("#run-counts")

    county.goto(live_server.url + "/quality/")
    county.wait_for_selector("#quality-scores")
    assert "甲镇" in county.text_content("#quality-scores") and "乙镇" in county.text_content("#quality-scores")
    assert "2_01_013" in county.text_content("#quality-by-rule")
    county.screenshot(path=str(ARTIFACTS / "quality-overview.png"), full_page=True)

    county.click("#quality-by-rule >> text=2_01_013")
    county.wait_for_selector("#problem-table")
    rows = county.locator("#problem-table tbody tr")
    assert rows.count() == 2 and "联系电话为空" in county.text_content("#problem-table")
    county.goto(live_server.url + "/quality/problems/")
    county.wait_for_selector("#problem-table")
    county.screenshot(path=str(ARTIFACTS / "quality-problems.png"), full_page=True)
    problem = Problem.objects.get(household=hh, rule_code="2_01_013")
    county.click(f"#problem-table a[href='/quality/problems/{problem.pk}/'] >> nth=1")
    county.wait_for_selector("#problem-message")
    assert county.text_content("#problem-message").strip() == "联系电话为空"
    assert "待整改" in county.text_content("h1")
    county.screenshot(path=str(ARTIFACTS / "quality-problem.png"), full_page=True)

    officer = login(browser, live_server, "officer")
    officer.goto(f"{live_server.url}/quality/problems/?mine=on")
    officer.click(f"#problem-table a[href='/quality/problems/{problem.pk}/'] >> nth=0")
    officer.wait_for_selector("#exemption-request")
    officer.fill("#id_reason", "短")
    officer.evaluate("document.querySelector('#id_reason').removeAttribute('minlength')")
    officer.click("#exemption-request button[type=submit]")
    officer.wait_for_selector("text=豁免理由至少5个字")
    officer.fill("#id_reason", "经入户核实，该户无固定电话，户主无手机")
    officer.click("#exemption-request button[type=submit]")
    officer.wait_for_selector("text=豁免申请已提交")
    assert "豁免待审核" in officer.text_content("h1")
    assert officer.locator("#exemption-decide").count() == 0

    township = login(browser, live_server, "township")
    township.goto(f"{live_server.url}/quality/problems/{problem.pk}/")
    township.wait_for_selector("#exemption-decide")
    assert "经入户核实，该户无固定电话，户主无手机" in township.text_content("body")
    township.check("#exemption-decide input[value=approve]")
    township.fill("#exemption-decide textarea[name=comment]", "情况属实")
    township.click("#exemption-decide button[type=submit]")
    township.wait_for_selector("text=审核意见已保存")
    assert "已豁免" in township.text_content("h1")
    history = township.text_content("#problem-history")
    assert "核查发现问题" in history and "officer：申请豁免" in history and "township：同意豁免：情况属实" in history
    township.screenshot(path=str(ARTIFACTS / "quality-exempted.png"), full_page=True)

    problem.refresh_from_db()
    assert problem.status == "exempted" and problem.exemption_reviewed_by == users["township"]
