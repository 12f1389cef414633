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


def test_login_find_edit_and_see_history(live_server, browser, household, users, tmp_path):
    page = browser.new_page(locale="zh-CN")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
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
