"""Runs, cache and report: common random numbers, a cache per (scenario content, seed, scale), the
comparison's statistics and the HTML/PDF report, from the app's service and `steppe report`."""

from __future__ import annotations

import re

import pytest

from app import results
from app.packages import Package, library, load_file, save
from app.report import html_report, pdf_report
from app.runner import Request
from steppe.cli import main
from studies.batch import rep_seed

SCALE = 0.02


@pytest.fixture(scope="module")
def packages():
    base = load_file(library()["baseline"])
    centres = load_file(library()["baseline"])
    centres.title = "促进中心 方案"
    centres.changes["promotion_centres"] = ("2026-01", 3)
    centres.levers["demonstration_projects_per_year"] = 6
    return base, centres


@pytest.fixture(scope="module")
def comp(svc, packages):
    return svc.comparison(svc.run(Request(packages, 3, SCALE, 7)))


def test_common_random_numbers_and_the_cache(svc, packages, comp):
    assert comp.seeds == [rep_seed(7, r) for r in range(3)]
    for pid in comp.ids:
        assert sorted(comp.targets.loc[comp.targets["scenario"] == pid, "seed"].unique()) == sorted(comp.seeds)
    # identical request: every run from the cache
    again = svc.run(Request(packages, 3, SCALE, 7))
    assert (again.new, again.cached) == (0, 6)
    # rename a package: still nothing to compute; change one lever of one package: its 3 runs only
    renamed = Package(**{**packages[1].__dict__, "title": "另一个名字"})
    assert svc.run(Request((packages[0], renamed), 3, SCALE, 7)).new == 0
    changed = Package(**{**packages[1].__dict__, "levers": {**packages[1].levers, "promotion_centres": 2}})
    job = svc.run(Request((packages[0], changed), 3, SCALE, 7))
    assert (job.new, job.cached) == (3, 3)
    # another scale or seed is another run
    assert svc.run(Request((packages[0],), 1, SCALE, 8)).new == 1


def test_identical_requests_share_the_whole_comparison(svc, packages, comp):
    job = svc.submit_cached(Request(packages, 3, SCALE, 7))
    first = svc.submit_cached(Request(packages, 3, SCALE, 7))
    while not first.finished:
        pass
    second = svc.submit_cached(Request(packages, 3, SCALE, 7))
    assert second.finished and second.new == 0 and second.cached == 6
    assert svc.comparison(second) is svc.comparison(first)
    # while the first job runs, the same job is returned; once it has finished (all 6 runs were
    # cached, so that can be at once) an alias served from its results
    assert job is first or (first.finished and first.runs is job.runs)


def test_paired_differences_and_distance_to_target(comp):
    # same levers in column 1 and the baseline: the reference's values are the baseline's
    t4 = comp.dstat("P2", "T4")
    assert t4 is not None and t4["pairs"] == 3
    base = comp.stat("P1", "T4")
    tg = comp.targets[comp.targets["target"] == "T4"].pivot(index="rep", columns="scenario", values="value")
    assert t4["diff_median"] == pytest.approx((tg["P2"] - tg["P1"]).median())   # paired by replication
    head, rows = results.targets_table(comp, "en")
    t4_row = next(r for r in rows if r[0].startswith("T4"))   # the reference's row comes first
    assert t4_row[5] == results.signed(base["value_median"] - 10.0)   # distance to the target of 10
    k, n = results.met_counts(comp, "P1", "T4")
    assert t4_row[3] == results.k_of_n(k, n, "en") and n == 3 and k == round(base["p_met"] * 3)
    assert len(head) == 7 and len(rows) == 8 * len(comp.ids) + len(comp.ids)   # long form: target x package
    lines = results.notes(comp, "en")["P2"]
    assert "Digital-transformation promotion centres" in lines[0]
    # a target is named as changed only when its paired difference is detectable
    assert any(line.startswith("T4") for line in lines) == results.detectable(t4)
    diff_cells = {r[0][:2]: r[1] for r in results.diff_table(comp, "en")[1]}
    assert diff_cells["T4"].endswith("no detectable difference") == (not results.detectable(t4))


def test_detectable_means_the_paired_range_excludes_zero():
    import pandas as pd

    row = lambda lo, hi: pd.Series({"diff_q05": lo, "diff_q95": hi, "diff_median": (lo + hi) / 2})  # noqa: E731
    assert results.detectable(row(0.1, 0.5)) and results.detectable(row(-0.5, -0.1))
    assert not results.detectable(row(-0.01, 0.33)) and not results.detectable(row(0.0, 0.0))
    assert not results.detectable(None)


def test_costs_by_lever_and_year(comp):
    head, rows = results.cost_lever_table(comp, "zh")
    years = sorted(comp.costs["year"].unique())
    assert len(head) == 2 + len(years) + 1   # lever, package, years, total
    total = rows[-len(comp.ids)]   # the total rows close the table, the reference's first
    assert total[0] == "合计" and total[1] == comp.title("P1", "zh")
    p1 = comp.costs[comp.costs["scenario"] == "P1"]
    medians = p1.groupby(["lever", "year"])["cost_cny"].median()
    # the total row sums each lever's median cost per year, in 万元 (rounded to whole 万元)
    assert float(total[2 + len(years)].replace(",", "")) == pytest.approx(medians.sum() / 1e4, abs=1)
    infra = next(r for r in rows if r[0].startswith("基础设施（宽带/5G）预算"))
    assert float(infra[2].replace(",", "")) == pytest.approx(medians[("infra_budget_cny_per_year", years[0])] / 1e4,
                                                             abs=1)
    # every lever with a cost in any package is a row of its own (no "other" bucket)
    costed = {n for n, g in comp.costs.groupby("lever") if g["cost_cny"].abs().sum() > 0}
    labels = {r[0] for r in rows if r[0]}
    assert all(results.lever_label(n, "zh") in labels for n in costed)


def test_report_html_is_self_contained(svc, comp):
    html = html_report(comp, "zh", svc.figures(comp, "zh"))
    assert html.count("data:image/png;base64,") == 4
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "促进中心 方案" in html and str(comp.seeds[0]) in html
    assert comp.provenance["model_sha256"][:16] in html
    assert "目标达成" in html and "Targets" not in html


def test_report_pdf_in_english(svc, comp):
    from app.report import ReportError, chromium

    try:
        chromium()
    except ReportError as exc:
        pytest.skip(str(exc))
    pdf = pdf_report(comp, "en", svc.figures(comp, "en"))
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 6   # tables and 4 figures


def test_steppe_report_from_the_command_line(tmp_path, packages, capsys):
    path = save(packages[1], tmp_path, "促进中心 方案", overwrite=False, lang="zh")
    out = tmp_path / "报告.html"
    code = main(["report", str(library()["baseline"]), str(path), "--reps", "2", "--scale", str(SCALE),
                 "--workers", "1", "--out", str(out)])
    assert code == 0
    assert "促进中心 方案" in out.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "已写出报告" in err
    from app.messages import t
    from studies.deep import deep_uncertainties
    assert t("deep_central", "zh", n=len(deep_uncertainties()[0])) in err   # what the results hold fixed


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "r.txt", "--lang", "zh"], "--out 须以 .html 或 .pdf 结尾"),
    (["--out", "r.html", "--lang", "en"], "has an error"),
])
def test_steppe_report_bad_input_is_one_line_and_status_2(tmp_path, capsys, args, message):
    bad = tmp_path / "坏 方案.toml"
    bad.write_text("[levers]\npromotion_centres = 99\n", encoding="utf-8")
    out_args = [a if not a.startswith("r.") else str(tmp_path / a) for a in args]
    assert main(["report", str(bad), *out_args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not any(p.suffix in (".html", ".txt") for p in tmp_path.iterdir())


def test_yearly_milestones(comp):
    head, rows = results.milestones_table(comp, "en")
    assert head[2:5] == ["end-2025", "end-2026", "end-2027"]
    assert len(rows) == 8 * len(comp.ids)
    assert rows[0][-1] == "index path 120 / 144 / 173"   # 20% a year from 2024 = 100
    fan = comp.fan("T4")
    p1 = fan[(fan["scenario"] == "P1") & (fan["date"] == "2026-12")]["median"].iloc[0]
    t4 = next(i for i, r in enumerate(rows) if r[0].startswith("T4"))
    assert rows[t4][3] == results.tnum("T4", p1)
