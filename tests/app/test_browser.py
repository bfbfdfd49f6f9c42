"""The app in a real browser: headless Chromium from Debian (/usr/bin/chromium) driven by
Playwright. Opens the app, switches language, sets a lever with a date, runs a small
comparison, sees the results table and a figure, exports the report, and saves screenshots to
tests/app/artifacts/. Skipped (with the reason) when Chromium or Playwright is missing, except
in CI (CI=true), where .ci/run installs them and a missing browser fails."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import unicodedata
import urllib.request
from pathlib import Path

import pytest

from app.report import PRINT_TIMEOUT_S
from app.server import command, environment

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:   # pragma: no cover
    sync_playwright = None


if sync_playwright is not None:
    expect.set_options(timeout=60_000)   # the machine is shared: be patient, not flaky


def _need_browser() -> None:
    missing = [w for w, ok in (("playwright", sync_playwright is not None),
                               (CHROMIUM, os.path.exists(CHROMIUM))) if not ok]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"browser tests need {', '.join(missing)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_browser()
    port = _free_port()
    saved = tmp_path_factory.mktemp("packages")
    log = open(tmp_path_factory.mktemp("log") / "app.log", "w")
    proc = subprocess.Popen(command("127.0.0.1", port), env=environment(str(saved), 2),
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 60 s")
        yield url, saved
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page, name: str, locator=None) -> None:
    """A screenshot of the viewport (Streamlit scrolls inside the page), after scrolling
    ``locator`` into view."""
    ARTIFACTS.mkdir(exist_ok=True)
    if locator is not None:
        locator.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / name))


def _idle(page) -> None:
    """Wait until Streamlit has finished rerunning the script after the last input."""
    page.wait_for_timeout(300)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)


def test_compare_two_packages_and_export(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN", accept_downloads=True)
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.get_by_role("heading", name="数字草原：政策组合比较")).to_be_visible()
    _shot(page, "01_start_zh.png")

    # English and back: one click each
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Digital Steppe: compare policy packages")).to_be_visible()
    _shot(page, "02_english.png")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="数字草原：政策组合比较")).to_be_visible()
    start = page.get_by_role("combobox", name="起点方案", exact=True).nth(1)   # column 2 kept its start
    expect(start).to_have_value("转型能力（促进中心与示范项目） (capability)")

    # a small run: 2 replications at scale 0.05
    reps = page.get_by_role("textbox", name="重复次数（每个组合）", exact=True)
    reps.fill("2")
    reps.press("Enter")
    _idle(page)
    scale = page.get_by_role("textbox", name="模拟规模（1 = 全部牧户和企业）", exact=True)
    scale.fill("0.05")
    scale.press("Enter")
    _idle(page)

    # column 2: name it in Chinese, 3 promotion centres from 2026-01
    name = page.get_by_role("textbox", name="组合名称", exact=True).nth(1)
    name.fill("促进中心 方案")
    name.press("Enter")
    group = page.locator("details").filter(has_text="企业数字化转型").nth(1)
    group.locator("summary").click()
    centres = group.get_by_role("textbox", name="数字化转型促进中心数量（个）", exact=True)
    # text is refused, not turned into 0
    centres.fill("abc")
    centres.press("Enter")
    expect(group.get_by_text("“abc” 不是数字")).to_be_visible()
    _shot(page, "03a_text_refused.png")
    centres.fill("2.5")
    centres.press("Enter")
    expect(group.get_by_text("2.5 不是整数")).to_be_visible()
    # out of range: a message next to the field, in Chinese
    centres.fill("99")
    centres.press("Enter")
    expect(group.get_by_text("99 超出允许范围 [0, 30]")).to_be_visible()
    _shot(page, "03_out_of_range.png")
    centres.fill("1")
    centres.press("Enter")
    expect(group.get_by_text("超出允许范围")).to_have_count(0)
    _shot(page, "03b_fixed.png")
    # a dated change: "from 2026-06, 7" -- month first, then the value, whose box starts empty
    date = group.get_by_role("combobox", name="自哪个月起改", exact=True).nth(1)
    date.click()
    page.keyboard.type("2026-06")
    page.keyboard.press("Enter")
    new_value = group.get_by_role("textbox", name="该月起的值", exact=True).nth(1)
    expect(new_value).to_be_enabled()
    expect(new_value).to_have_value("")
    expect(group.get_by_text("请填写数值")).to_be_visible()
    new_value.fill("7")
    new_value.press("Enter")
    _idle(page)
    expect(group.get_by_text("请填写数值")).to_have_count(0)
    _shot(page, "03c_dated_change.png", new_value)

    page.get_by_role("button", name="运行比较").click()
    table = page.locator("table#targets-table")
    try:
        expect(table).to_be_visible(timeout=120_000)
    except AssertionError:
        _shot(page, "failed_run.png")
        raise AssertionError("no results table; alerts on the page: "
                             + " | ".join(page.get_by_role("alert").all_inner_texts())) from None
    expect(table).to_contain_text("促进中心 方案")
    expect(page.locator(".st-key-conclusion")).to_contain_text("结论")
    expect(table).to_contain_text("T4")
    expect(page.locator("[data-testid='stImage'] img").first).to_be_visible()
    _shot(page, "04_run_done.png")
    _shot(page, "05_results_zh.png", page.get_by_role("heading", name="结果"))
    _shot(page, "06_results_table.png", table)

    # an overview for the README: both columns and the results (a tall window)
    page.set_viewport_size({"width": 1500, "height": 2700})
    page.get_by_role("heading", name="数字草原：政策组合比较").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "09_overview.png"))
    page.set_viewport_size({"width": 1500, "height": 1100})

    page.get_by_role("tab", name="旗县").click()
    _shot(page, "07_counties.png", page.locator("[data-testid='stImage'] img:visible").first)

    page.get_by_role("tab", name="导出报告").click()
    _shot(page, "10_export.png", page.get_by_role("button", name="下载报告（PDF）"))
    with page.expect_download() as dl:
        page.get_by_role("button", name="下载报告（HTML）").click()
    html_path = tmp_path / "report.html"
    dl.value.save_as(html_path)
    text = html_path.read_text(encoding="utf-8")
    assert "促进中心 方案" in text and "data:image/png;base64," in text
    assert "http://" not in text and "https://" not in text
    _idle(page)
    with page.expect_download(timeout=PRINT_TIMEOUT_S * 1000) as dl:   # Chromium prints it on click
        page.get_by_role("button", name="下载报告（PDF）").click()
    pdf_path = tmp_path / "report.pdf"
    dl.value.save_as(pdf_path)
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    pypdf = pytest.importorskip("pypdf")
    pdf_text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pypdf.PdfReader(str(pdf_path)).pages))
    assert "结论" in pdf_text and "T8" in pdf_text and "方案" in pdf_text
    _idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="下载表格（Excel）").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.html").write_text(text, encoding="utf-8")
    (ARTIFACTS / "report.pdf").write_bytes(pdf_path.read_bytes())
    report = browser.new_page(viewport={"width": 1400, "height": 1800})
    report.goto(html_path.as_uri())
    expect(report.locator("table.steppe").first).to_be_visible()
    report.screenshot(path=str(ARTIFACTS / "08_report_html.png"))
    report.close()

    # the same request again is served from the cache: no new simulation
    page.get_by_role("button", name="运行比较").click()
    expect(page.get_by_text("0 次新模拟")).to_be_visible()

    # reload: the address holds the comparison; the inputs and the cached results come back
    assert "?c=" in page.url
    page.reload()
    expect(page.get_by_role("textbox", name="组合名称", exact=True).nth(1)).to_have_value("促进中心 方案")
    expect(page.get_by_role("textbox", name="重复次数（每个组合）", exact=True)).to_have_value("2")
    table = page.locator("table#targets-table")
    expect(table).to_contain_text("促进中心 方案")
    _shot(page, "11_after_reload.png", table)
    page.close()


def _fill(page, name: str, value: str) -> None:
    box = page.get_by_role("textbox", name=name, exact=True)
    box.fill(value)
    box.press("Enter")
    _idle(page)


def test_two_tabs_a_preview_and_a_queue_position(server, browser):
    """Tab A runs a larger comparison (a preview first, then the full result); tab B, pressed
    right after, shows where it waits in the queue, then its own results."""
    url, _ = server
    a = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    b = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    for p in (a, b):
        p.set_default_timeout(60_000)
        p.goto(url)
        expect(p.get_by_role("heading", name="数字草原：政策组合比较")).to_be_visible()
    a.locator("[data-testid='stRadio'] label").filter(has_text="3").click()
    _idle(a)
    _fill(a, "重复次数（每个组合）", "6")
    _fill(a, "模拟规模（1 = 全部牧户和企业）", "0.1")
    _fill(a, "基础随机种子", "5")
    _fill(b, "重复次数（每个组合）", "2")
    _fill(b, "模拟规模（1 = 全部牧户和企业）", "0.05")
    _fill(b, "基础随机种子", "6")
    a.get_by_role("button", name="运行比较").click()
    b.get_by_role("button", name="运行比较").click()
    queued = b.get_by_text("排队中")
    expect(queued).to_be_visible(timeout=30_000)
    _shot(b, "12_second_tab_queued.png", queued)
    expect(a.locator(".st-key-preview")).to_be_visible(timeout=120_000)
    expect(a.locator("table#preview-table")).to_contain_text("T8")
    try:   # the full result may replace the preview at any moment: the screenshot is best effort
        a.locator(".st-key-preview").scroll_into_view_if_needed(timeout=3_000)
    except Exception:
        pass
    _shot(a, "13_preview.png")
    expect(a.locator("table#targets-table")).to_be_visible(timeout=240_000)
    expect(a.locator(".st-key-preview")).to_have_count(0)   # the full result replaced the preview
    expect(b.locator("table#targets-table")).to_be_visible(timeout=240_000)
    _shot(b, "14_second_tab_done.png", b.locator("table#targets-table"))
    a.close()
    b.close()


def test_study_results_tab_loads_a_robust_portfolio(server, browser):
    """The shipped studies beside the packages: the front, the robust portfolios, PRIM boxes in
    words; one click loads a robust portfolio into column 2."""
    from app import study_results

    options = list(study_results.portfolio_options())
    if not options:
        pytest.fail("studies/shipped holds no robust portfolio (experiments/ship_studies.py)")
    title = study_results.portfolio_title(options[0], "zh")
    url, _ = server
    page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.get_by_role("heading", name="数字草原：政策组合比较")).to_be_visible()
    # Streamlit's uploader writes English; the Chinese page replaces its words (CSS content)
    page.get_by_text("保存为方案文件 / 载入方案文件（.toml）").first.click()
    zone = page.locator("[data-testid='stFileUploaderDropzoneInstructions'] > div").first
    expect(zone).to_be_attached()
    after = zone.evaluate("e => getComputedStyle(e, '::after').content")
    assert "方案文件" in after, after
    button = page.locator("[data-testid='stFileUploaderDropzone'] button").first
    assert "选择文件" in button.evaluate("e => getComputedStyle(e, '::after').content")
    page.get_by_role("tab", name="研究结果：稳健路径").click()
    table = page.locator("table#robust-table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("003号方案全部措施")
    _shot(page, "15_study_results.png")
    _shot(page, "16_study_boxes.png", page.get_by_role("heading", name="何时未达成：情景发现（PRIM）"))
    page.locator(f".st-key-study_load_{options[0].removeprefix(study_results.STUDY)}_1 button").click()
    _idle(page)
    expect(page.get_by_text(f"已将“{title}”载入第 2 列")).to_be_visible()
    page.get_by_role("tab", name="比较政策组合").click()
    expect(page.get_by_role("textbox", name="组合名称", exact=True).nth(1)).to_have_value(title)
    page.close()
