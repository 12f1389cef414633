"""Main path in headless Chromium: log in, find a household, edit it, see the change in its history."""

import os
import shutil

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        if os.environ.get("FUPIN_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (FUPIN_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Chromium 未安装（apt-get install chromium）：浏览器测试未运行")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls are still
    # synchronous, so Django's async-safety guard is lifted for these tests only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def log_in(page, live_server, username="officer"):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def test_login_find_edit_and_see_history(live_server, browser, household, users, tmp_path):
    page = browser.new_page(locale="zh-CN")
    log_in(page, live_server)
    assert "工作区：村A" in page.text_content("h1")

    page.goto(live_server.url + "/registry/households/")
    page.fill("#id_q", "李四")
    page.press("#id_q", "Enter")
    page.wait_for_selector(f"text={household.number}")
    assert page.text_content("#result-count").startswith("共 1 户")

    page.click(f"text={household.number}")
    page.wait_for_selector("#edit-household")
    page.click("#edit-household")
    page.fill("#id_address", "浏览器里改的地址")
    page.click("#household-form button[type=submit]")
    page.wait_for_selector("text=已保存")
    page.click("#history-tab")
    history = page.text_content("#tab-history")
    assert "浏览器里改的地址" in history and "测试地址1号" in history and "officer" in history
    page.screenshot(path=str(tmp_path / "history.png"))

    household.refresh_from_db()
    assert household.address == "浏览器里改的地址"


def test_stale_edit_in_two_tabs(live_server, browser, household, users):
    """Two people open the edit form; the second save is refused with a clear message, input kept."""
    ctx = browser.new_context(locale="zh-CN")
    a, b = ctx.new_page(), ctx.new_page()
    a.goto(live_server.url + "/accounts/login/")
    a.fill("#id_username", "officer")
    a.fill("#id_password", PASSWORD)
    a.click("button[type=submit]")
    a.wait_for_url(live_server.url + "/")
    url = f"{live_server.url}/registry/households/{household.pk}/edit/"
    a.goto(url)
    b.goto(url)
    a.fill("#id_address", "甲的修改")
    a.click("#household-form button[type=submit]")
    a.wait_for_selector("text=已保存")
    b.fill("#id_address", "乙的修改")
    b.click("#household-form button[type=submit]")
    b.wait_for_selector("text=已被其他人修改")
    assert b.input_value("#id_address") == "乙的修改"
    household.refresh_from_db()
    assert household.address == "甲的修改"


def test_upload_validate_confirm_import(live_server, browser, users, tmp_path):
    """The staged import in the browser: upload, read the row errors, fix, confirm, see the summary."""
    from fupin.registry.models import Household
    from tests.imports.conftest import base_rows, write_csv

    rows = base_rows()[:3]
    rows[1][4] = "123"  # a bad ID in row 3
    bad = write_csv(tmp_path / "村A监测户.csv", rows)
    good = write_csv(tmp_path / "村A监测户-修正.csv", base_rows()[:3])

    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    log_in(page, live_server)
    page.click("text=导入")
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#problems")
    assert "证件号码长度应为18位，实际为3位" in page.text_content("#problems")
    assert "有错误的行" in page.text_content("#report-counts")
    page.screenshot(path=str(tmp_path / "import-errors.png"), full_page=True)
    page.click("#confirm-load")  # without ticking "skip": refused, nothing written
    page.wait_for_selector("text=请修正后重新上传")
    assert Household.objects.count() == 0

    page.goto(live_server.url + "/imports/")
    page.set_input_files("#id_file", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#confirm-load")
    assert "新增 1" in page.text_content("#report-counts")
    page.click("#confirm-load")
    page.wait_for_selector("#load-summary")
    assert "新增农户1户、成员3人" in page.text_content("#load-summary")
    page.screenshot(path=str(tmp_path / "import-done.png"), full_page=True)
    shutil.copy(tmp_path / "import-errors.png", "/tmp/import-errors.png") if os.environ.get("FUPIN_KEEP_SHOTS") else None
    assert Household.objects.filter(number="H001", village__name="村A").exists()


def test_upload_a_national_work_file_after_the_persons(live_server, browser, users, tmp_path):
    """A 务工 file is recognised by its columns, reported as work records with row errors, and loaded."""
    from fupin.imports.services import run_import
    from fupin.registry.models import WorkRecord
    from tests.imports.conftest import ID_HEAD1, ID_WIFE1, base_rows, write_csv

    run_import(write_csv(tmp_path / "persons.csv", base_rows()), actor=users["county"])
    headers = ["乡", "行政村", "户编号", "证件号码", "务工所在地", "务工所在县", "就业渠道", "务工开始时间", "务工结束时间",
               "年度交通费补助", "务工需求"]
    rows = [["甲镇", "村A", "H001", ID_HEAD1, "广东省深圳市", "宝安区", "自主就业", "202403", "202412", "500", ""],
            ["甲镇", "村A", "H001", ID_WIFE1, "本县", "", "政府组织", "202405", "", "", "技能培训"],
            ["甲镇", "村A", "H009", ID_WIFE1, "本县", "", "其他", "202406", "", "", ""]]
    path = write_csv(tmp_path / "（务工月监测）已外出务工信息.csv", rows, headers=headers)

    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    log_in(page, live_server)
    page.goto(live_server.url + "/imports/")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#record-counts")
    assert "已外出务工信息" in page.text_content("#record-counts")
    assert "新增 2" in page.text_content("#record-counts")
    assert "该成员在系统中属于户H001，与文件中的户编号不一致" in page.text_content("#problems")
    page.screenshot(path=str(tmp_path / "import-work.png"), full_page=True)
    page.check("#id_skip_bad_rows")
    page.click("#confirm-load")
    page.wait_for_selector("#load-summary")
    assert "新增2条" in page.text_content("#load-summary")
    page.screenshot(path=str(tmp_path / "import-work-done.png"), full_page=True)
    if os.environ.get("FUPIN_KEEP_SHOTS"):
        shutil.copy(tmp_path / "import-work.png", "/tmp/import-work.png")
        shutil.copy(tmp_path / "import-work-done.png", "/tmp/import-work-done.png")
    assert WorkRecord.objects.filter(kind="actual").count() == 2
