"""The page without a browser (Streamlit's AppTest): language switch, controls generated from the
lever definitions, messages next to bad input, a small run in the background and its results."""

from __future__ import annotations

import time

import pytest
from conftest import open_page
from streamlit.testing.v1 import AppTest

from app.messages import field_scale, lever_label, t
from app.packages import LEVERS, show_number
from app.server import MAIN


@pytest.fixture
def at(tmp_path, monkeypatch):
    return open_page(tmp_path, monkeypatch)


def _labels(app) -> list[str]:
    return [w.label for w in app.text_input] + [w.label for w in app.checkbox]


def test_chinese_by_default_and_one_click_to_english(at):
    assert at.title[0].value == t("app_title", "zh")
    labels = _labels(at)
    assert any(lever_label("promotion_centres", "zh") in x for x in labels)
    at.button(key="lang_btn").click().run()
    assert not at.exception
    assert at.title[0].value == t("app_title", "en")
    assert any(lever_label("promotion_centres", "en") in x for x in _labels(at))
    at.button(key="lang_btn").click().run()
    assert at.title[0].value == t("app_title", "zh")


def test_controls_come_from_the_lever_definitions(at):
    for name in LEVERS:
        for i in (0, 1):
            if LEVERS[name].kind == "boolean":
                assert at.checkbox(key=f"p{i}_{name}@zh").value == LEVERS[name].default or i == 1
            else:
                shown = at.text_input(key=f"p{i}_{name}@zh").value
                assert shown == show_number(LEVERS[name].default / field_scale(name)) or i == 1
    # column 2 starts from the capability package of the library
    assert at.text_input(key="p1_promotion_centres@zh").value == "3"
    assert at.selectbox(key="p1_demonstration_projects_per_year_date@zh").value == "2026-07"


def test_out_of_range_and_empty_name_get_a_message_next_to_the_field(at):
    at.text_input(key="p1_promotion_centres@zh").set_value("99").run()
    errors = [e.value for e in at.error]
    assert t("err_range", "zh", value="99", low="0", high="30") in errors
    at.text_input(key="p0_title@zh").set_value("  ").run()
    assert t("err_empty_name", "zh") in [e.value for e in at.error]
    at.button(key="run_btn").click().run()
    assert t("fix_errors", "zh") in [e.value for e in at.error]
    assert not at.exception
    at.button(key="lang_btn").click().run()
    assert t("err_range", "en", value="99", low="0", high="30") in [e.value for e in at.error]


def test_a_small_run_shows_results_and_reuses_the_cache(at):
    at.text_input(key="reps@zh").set_value("2")
    at.text_input(key="scale@zh").set_value("0.03")
    at.run()
    at.button(key="run_btn").click().run()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        at.run()
        if any("targets-table" in str(h.proto) for h in at.get("html")):
            break
        time.sleep(1)
    html = " ".join(str(h.proto) for h in at.get("html"))
    assert "targets-table" in html and "T8" in html
    assert not at.exception
    # the same request again: served from the cache, no new simulation
    at.button(key="run_btn").click().run()
    assert any(t("run_done", "zh", new=0, cached=4, seconds=0.0)[:8] in s.value for s in at.success)


def test_edits_and_starts_survive_language_switches(at):
    at.text_input(key="p1_promotion_centres@zh").set_value("7").run()
    at.text_input(key="p0_title@zh").set_value("我的基准").run()
    at.button(key="lang_btn").click().run()
    assert at.text_input(key="p1_promotion_centres@en").value == "7"
    assert at.text_input(key="p0_title@en").value == "我的基准"
    at.button(key="lang_btn").click().run()
    assert not at.exception
    assert at.text_input(key="p1_promotion_centres@zh").value == "7"
    assert at.text_input(key="p0_title@zh").value == "我的基准"
    assert at.session_state["p1_base"] == "capability"
    assert at.selectbox(key="p1_base_zh").value.endswith("(capability)")


def test_choosing_another_start_loads_it(at):
    at.selectbox(key="p1_base_zh").set_value("金融支持 (finance)").run()
    assert at.text_input(key="p1_credit_quota_cny_per_year@zh").value == "20,000"   # 万元: 2 亿元 in the file
    assert at.text_input(key="p1_title@zh").value == "金融支持"


def test_a_hidden_column_keeps_its_inputs(at):
    at.radio(key="n_packages@zh").set_value(3).run()
    at.text_input(key="p2_promotion_centres@zh").set_value("9").run()
    at.radio(key="n_packages@zh").set_value(2).run()
    at.radio(key="n_packages@zh").set_value(3).run()
    assert at.text_input(key="p2_promotion_centres@zh").value == "9"


@pytest.mark.parametrize(("key", "typed", "zh", "en"), [
    ("p1_promotion_centres", "abc", t("err_number", "zh", value="abc"), t("err_number", "en", value="abc")),
    ("p1_promotion_centres", "", t("err_empty_value", "zh"), t("err_empty_value", "en")),
    ("p1_promotion_centres", "2.5", t("err_integer", "zh", value="2.5"), t("err_integer", "en", value="2.5")),
    ("reps", "2.5", t("err_integer", "zh", value="2.5"), t("err_integer", "en", value="2.5")),
    ("reps", "", t("err_empty_value", "zh"), t("err_empty_value", "en")),
    ("seed", "x1", t("err_number", "zh", value="x1"), t("err_number", "en", value="x1")),
])
def test_text_empty_and_fractions_are_refused_not_coerced(at, key, typed, zh, en):
    at.text_input(key=f"{key}@zh").set_value(typed).run()
    assert zh in [e.value for e in at.error]
    at.button(key="run_btn").click().run()
    assert t("fix_errors", "zh") in [e.value for e in at.error]
    assert "job_id" not in at.session_state
    at.button(key="lang_btn").click().run()
    assert en in [e.value for e in at.error]
    assert at.text_input(key=f"{key}@en").value == typed   # kept as typed, not replaced by 0 or a default


def test_thousands_separators_and_a_dated_change_from_month_then_value(at):
    at.text_input(key="p0_credit_quota_cny_per_year@zh").set_value("3,000").run()
    assert not at.error
    at.selectbox(key="p0_promotion_centres_date@zh").set_value("2026-06").run()
    new = at.text_input(key="p0_promotion_centres_new@zh")
    assert new.value == ""   # not pre-filled with the value from before the change
    assert t("err_empty_value", "zh") in [e.value for e in at.error]
    new.set_value("7").run()
    assert not at.error
    assert at.session_state["values"]["p0_promotion_centres_new"] == "7"
    assert at.session_state["values"]["p0_credit_quota_cny_per_year"] == "3,000"


def test_money_levers_are_typed_in_wan_yuan_and_kept_in_cny(at):
    """3,000 (万元) in the field is 30,000,000 CNY in the package and its file; the label, the
    tooltip and a range message speak 万元."""
    box = at.text_input(key="p0_credit_quota_cny_per_year@zh")
    assert "万元/年" in box.label and "[0, 500,000]" in box.help and "（万元/年）" in box.help
    box.set_value("3,000").run()
    assert not at.error
    assert at.session_state["values"]["p0_credit_quota_cny_per_year"] == "3,000"
    at.text_input(key="p0_credit_quota_cny_per_year@zh").set_value("600000").run()
    assert t("err_range", "zh", value="600,000", low="0", high="500,000") in [e.value for e in at.error]
    at.button(key="lang_btn").click().run()
    assert "10k CNY/year" in at.text_input(key="p0_credit_quota_cny_per_year@en").label


def test_a_money_field_converts_to_cny_both_ways():
    from app.ui import field_text, field_value

    assert field_value("credit_quota_cny_per_year", "3,000") == 30_000_000.0
    assert field_text("credit_quota_cny_per_year", 300_000_000.0) == "30,000"
    assert field_value("talent_attraction_subsidy_cny_per_year", "2.5") == 25_000.0   # 万元/人/年
    rng = __import__("numpy").random.default_rng(0)
    for x in [47_813_861.525413305, *rng.uniform(0, 2e9, 500)]:   # exactly, not approximately
        assert field_value("infra_budget_cny_per_year", field_text("infra_budget_cny_per_year", x)) == x
    # other levers keep their own unit
    assert field_value("dc_electricity_price_cny_per_kwh", "0.3") == 0.3
    assert field_value("herder_training_per_year", "2,000") == 2000.0


def test_the_comparison_lives_in_the_address(tmp_path, monkeypatch, at):
    """Edits go into ?c=...; a new session opened on that address shows the same comparison."""
    at.text_input(key="p1_promotion_centres@zh").set_value("7").run()
    at.text_input(key="p0_title@zh").set_value("我的基准").run()
    at.selectbox(key="p1_promotion_centres_date@zh").set_value("2026-06").run()
    at.text_input(key="p1_promotion_centres_new@zh").set_value("9").run()
    at.radio(key="n_packages@zh").set_value(3).run()
    at.text_input(key="reps@zh").set_value("12").run()
    at.button(key="lang_btn").click().run()
    code = at.query_params["c"]
    code = code[0] if isinstance(code, list) else code
    fresh = AppTest.from_file(str(MAIN), default_timeout=120)
    fresh.query_params["c"] = code
    fresh.run()
    assert not fresh.exception
    assert fresh.title[0].value == t("app_title", "en")
    assert fresh.text_input(key="p0_title@en").value == "我的基准"
    assert fresh.text_input(key="p1_promotion_centres@en").value == "7"
    assert fresh.selectbox(key="p1_promotion_centres_date@en").value == "2026-06"
    assert fresh.text_input(key="p1_promotion_centres_new@en").value == "9"
    assert fresh.text_input(key="reps@en").value == "12"
    assert fresh.radio(key="n_packages@en").value == 3
    assert fresh.session_state["p1_base"] == "capability"


def test_a_broken_address_gets_a_message_and_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("STEPPE_PACKAGES_DIR", str(tmp_path))
    monkeypatch.setenv("STEPPE_APP_WORKERS", "1")
    app = AppTest.from_file(str(MAIN), default_timeout=120)
    app.query_params["c"] = "not-a-comparison"
    app.run()
    assert not app.exception
    assert t("address_error", "zh") in [w.value for w in app.warning]
    assert app.text_input(key="reps@zh").value == "10"


def test_a_starts_notes_are_dropped_once_its_levers_change(at):
    start_notes = at.text_area(key="p0_notes@zh").value
    assert start_notes   # the baseline file describes its levers
    at.text_input(key="p0_promotion_centres@zh").set_value("5").run()
    assert at.text_area(key="p0_notes@zh").value == ""
    assert t("notes_dropped", "zh") in [c.value for c in at.caption]


@pytest.mark.parametrize("start", ["金融支持 (finance)", "转型能力（促进中心与示范项目） (capability)"])
def test_an_unchanged_start_keeps_its_notes(at, start):
    at.selectbox(key="p1_base_zh").set_value(start).run()
    assert at.text_area(key="p1_notes@zh").value   # loaded as written, not taken for stale


def test_library_names_follow_the_language_typed_names_stay(at):
    at.text_input(key="p0_title@zh").set_value("我的基准").run()
    at.button(key="lang_btn").click().run()
    assert at.text_input(key="p1_title@en").value == "Capability (centres and demonstrations)"
    assert at.text_input(key="p0_title@en").value == "我的基准"
    at.button(key="lang_btn").click().run()
    assert at.text_input(key="p1_title@zh").value == "转型能力（促进中心与示范项目）"


def test_library_notes_are_in_the_pages_language(at):
    """Column 2 starts from a library package: its notes are Chinese on the Chinese page, the
    file's description on the English page, and they follow a language switch; typed notes stay."""
    from app.messages import SCENARIO_NOTES_ZH
    from app.packages import library, load_file

    assert set(SCENARIO_NOTES_ZH) == set(library())      # every library package has its Chinese notes
    assert at.text_area(key="p1_notes@zh").value == SCENARIO_NOTES_ZH["capability"]
    at.button(key="lang_btn").click().run()
    assert at.text_area(key="p1_notes@en").value == load_file(library()["capability"]).notes
    at.text_area(key="p1_notes@en").set_value("my own words").run()
    at.button(key="lang_btn").click().run()
    assert at.text_area(key="p1_notes@zh").value == "my own words"
