"""The study-results tab (app/study_results.py, app/ui.py): the shipped robustness and paths
studies read as a planner would, PRIM boxes in words in both languages, robust portfolios that
load into a column in one click, and the shipped folder itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import open_page

import app.study_results as sr
from app.messages import t
from app.packages import LEVERS, load_file, show_number, validate
from studies.paths import PathsStudy, run_paths
from studies.robustness import RobustnessStudy, run_robustness

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """Tiny robustness and paths studies, shipped by the experiment script as the app reads them."""
    base = tmp_path_factory.mktemp("studies")
    run_robustness(RobustnessStudy(portfolios=6, posterior_draws=1, futures=3, scale=0.05), base / "rob", workers=1)
    run_paths(PathsStudy(portfolios=10, draws=1, draw_source="posterior", reps=1, trials=0, scale=0.05),
              base / "paths", workers=1)
    out = base / "shipped"
    subprocess.run([sys.executable, str(ROOT / "experiments" / "ship_studies.py"), "--robustness", str(base / "rob"),
                    "--paths", str(base / "paths"), "--out", str(out)], check=True, capture_output=True)
    return out


def test_the_ship_script_writes_a_manifest_and_the_robust_portfolios(shipped):
    m = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    assert m["robustness"]["futures"] == 3 and m["robustness"]["runs_total"] == (6 + 2) * 3
    assert m["paths"]["portfolios"] == 10
    res = sr.load(shipped)
    assert res is not None and not res.stale
    assert len(sr.portfolio_options(shipped)) == int((res.at_ceilings["portfolio"] >= 0).sum()) >= 1
    ceilings = [sr.ceiling_of(o) for o in sr.portfolio_options(shipped)]
    assert ceilings == sorted(ceilings)           # cheapest first, not in the files' alphabetical order


def test_the_ship_script_refuses_an_unfinished_study(tmp_path, shipped):
    r = subprocess.run([sys.executable, str(ROOT / "experiments" / "ship_studies.py"), "--robustness", str(tmp_path),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode != 0 and "no design.json" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_manifest_of_another_model_is_stale(shipped, tmp_path):
    import shutil

    copy = tmp_path / "shipped"
    shutil.copytree(shipped, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["model_sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    res = sr.load(copy)
    assert res.stale and sr.intro(res, "en")[-1] == t("study_stale", "en")


def test_each_robust_portfolio_file_is_the_portfolio_the_study_ranked(shipped):
    res = sr.load(shipped)
    table = res.robustness.set_index("portfolio")
    for option, path in sr.portfolio_options(shipped).items():
        pkg = load_file(path)
        assert validate(pkg, "zh") == {}
        row = sr.ceiling_row(res, option)
        assert row is not None, option
        assert sr.portfolio_note(res, option, "zh")
        r = table.loc[int(row["portfolio"])]
        if r["source"] == "package":
            continue
        for name in ("credit_quota_cny_per_year", "herder_training_per_year"):
            value = pkg.changes[name][1] if name in pkg.changes else pkg.levers[name]
            assert value == pytest.approx(float(r[name]), rel=1e-5), (option, name)


def test_robust_table_has_a_row_per_ceiling_and_per_package_in_either_language(shipped):
    res = sr.load(shipped)
    for lang in ("zh", "en"):
        head, rows = sr.robust_table(res, lang)
        assert len(rows) == len(res.at_ceilings) + int((res.robustness["source"] == "package").sum())
        assert all(len(r) == len(head) for r in rows)
        names = [r[1] for r in rows]
        assert t("study_portfolio", lang, n=0).split()[0] in " ".join(names)
        assert ("003号方案全部措施" if lang == "zh" else "Full plan of seed 003") in names
        # all eight met is a count of runs, never a bare percentage
        assert all(r[2] == "" or "runs" in r[2] or "次" in r[2] for r in rows)


def test_restrictions_in_words():
    # a deep uncertainty with a unit, both sides, each language
    assert sr.restriction("datacentres.build_months", 15, 24, 6, 24, "en") == \
        "Lead time from decision to capacity (datacentres.build_months) exceeds 15 months"
    assert sr.restriction("datacentres.build_months", 6, 10, 6, 24, "zh") == "从决策到投产的建设周期低于 10个月"
    assert "lies between 0.2 and 0.5" in sr.restriction("datacentres.price_elasticity", 0.2, 0.5, 0.1, 1.0, "en")
    assert sr.restriction("datacentres.national_rent_change_per_year", -0.3, -0.174, -0.3, 0.05, "zh").endswith(
        "低于 -17.4%/年")
    # nothing cut: no clause
    assert sr.restriction("datacentres.price_elasticity", 0.1, 1.0, 0.1, 1.0, "en") is None
    # money levers in 万元 / million CNY, booleans on or off, start months as years
    assert sr.restriction("credit_quota_cny_per_year", 1e9, 5e9, 0, 5e9, "zh").endswith("100,000 万元/年")
    assert sr.restriction("credit_quota_cny_per_year", 1e9, 5e9, 0, 5e9, "en").endswith("1,000.0 million CNY/year")
    assert sr.restriction("link_beijing", 1, 1, 0, 1, "en").endswith("is on")
    assert sr.restriction("link_beijing", 0, 0, 0, 1, "zh").endswith("关闭")
    assert sr.restriction("talent_training_seats_per_year__start", 0, 12, 0, 24, "en").endswith("starts by 2026")
    assert sr.restriction("talent_training_seats_per_year__start", 12, 24, 0, 24, "zh").endswith("2026 年或以后开始")


def test_vulnerability_boxes_become_one_sentence_per_portfolio_and_target(shipped):
    res = sr.load(shipped)
    boxes = pd.DataFrame([
        {"portfolio": 0, "name": "portfolio0", "target": "T5", "missed": 40, "runs": 100, "coverage": 0.8,
         "density": 0.9, "parameter": "datacentres.build_months", "min": 15.0, "max": 24.0, "data_min": 6.0,
         "data_max": 24.0, "note": np.nan},
        {"portfolio": 0, "name": "portfolio0", "target": "T5", "missed": 40, "runs": 100, "coverage": 0.8,
         "density": 0.9, "parameter": "datacentres.price_elasticity", "min": 0.1, "max": 0.4, "data_min": 0.1,
         "data_max": 1.0, "note": np.nan},
        {"portfolio": 0, "name": "portfolio0", "target": "T2", "missed": 0, "runs": 100, "note": "never missed"},
    ])
    res.boxes = boxes
    en = sr.vulnerability_lines(res, "en")
    (_who, lines), = en.items()
    assert len(lines) == 2
    assert lines[0].startswith("T5 ") and "missed in 40 of 100 runs, mainly when" in lines[0]
    assert "exceeds 18" not in lines[0] and "exceeds 15 months and" in lines[0] and "is below 0.4" in lines[0]
    assert "coverage 80%, density 90%" in lines[0]
    assert lines[1].endswith(t("study_never_missed", "en"))
    zh = sr.vulnerability_lines(res, "zh")
    assert "高于 15个月，且" in next(iter(zh.values()))[0]


def test_the_front_figure_draws_in_both_languages(shipped):
    from app.drawing import png

    res = sr.load(shipped)
    for lang, target in (("zh", "mean"), ("en", "T5"), ("zh", "all")):
        data = png(sr.front_figure(res, target, lang))
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.fixture
def page(shipped, tmp_path, monkeypatch):
    monkeypatch.setattr(sr, "SHIPPED", shipped)
    return open_page(tmp_path, monkeypatch)


def test_the_tab_shows_the_studies_and_loads_a_robust_portfolio_in_one_click(page, shipped):
    at = page
    heads = [s.value for s in at.subheader]
    for key in ("study_front_heading", "study_robust_heading", "study_vuln_heading"):
        assert t(key, "zh") in heads
    option = next(iter(sr.portfolio_options(shipped)))
    pkg = load_file(sr.portfolio_options(shipped)[option])
    at.button(key=f"study_load_{option.removeprefix(sr.STUDY)}_1").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="p1_title@zh").value == sr.portfolio_title(option, "zh")
    assert t("study_loaded", "zh", title=sr.portfolio_title(option, "zh"), k=2) in [s.value for s in at.success]
    name = "herder_training_per_year"
    want = pkg.changes[name][1] if name in pkg.changes else pkg.levers[name]
    got = (at.text_input(key=f"p1_{name}_new@zh").value if name in pkg.changes
           else at.text_input(key=f"p1_{name}@zh").value)
    assert got == show_number(want)
    assert "稳健性研究" in at.text_area(key="p1_notes@zh").value
    assert at.selectbox(key="p1_base_zh").value.startswith(sr.portfolio_title(option, "zh"))
    # the other language names it in that language, notes included
    at.button(key="lang_btn").click().run()
    assert at.text_input(key="p1_title@en").value == sr.portfolio_title(option, "en")
    assert len(LEVERS) and not at.exception


def test_the_shipped_folder_loads_and_its_portfolios_are_valid():
    res = sr.load()
    if res is None:
        pytest.fail("studies/shipped is missing: run experiments/robustness.py, paths_prim.py, ship_studies.py")
    assert len(res.robustness) >= 100 and res.manifest["robustness"]["futures"] >= 50
    options = sr.portfolio_options()
    assert options
    for path in options.values():
        assert validate(load_file(path), "en") == {}


@pytest.mark.release
def test_the_shipped_studies_were_run_on_this_model():
    res = sr.load()
    assert res is not None and not res.stale, "run the studies again and experiments/ship_studies.py"
