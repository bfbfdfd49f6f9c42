"""steppe compare: probabilities equal a hand count of the stored targets, intervals and costs
equal numpy on the stored rows, differences from baseline are paired by replication."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _batch_common import design

from steppe.cli import main
from studies.batch import run_batch
from studies.compare import write_report
from studies.deep import central_values, deep_uncertainties
from studies.store import ResultStore

REPO = Path(__file__).resolve().parents[2]
REPS = 5


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    """A batch of the baseline, the data-elements package and a scenario ending in 2026, and
    its report. One run per part; baseline replication 0 is set aside and recomputed, so it is
    stored last: the baseline runs are not stored in the order of the other scenarios'."""
    root = tmp_path_factory.mktemp("compare")
    short = root / "short.toml"
    short.write_text('description = "ends early"\nuntil = 2026\n[levers]\n'
                     "ai_plus_programmes_per_year = 8\n[parameters.datacentres]\nbuild_months = 18\n",
                     encoding="utf-8")
    paths = [REPO / "scenarios" / "data_elements.toml", REPO / "scenarios" / "baseline.toml", short]
    d = design(paths, REPS, base_seed=3)
    run_batch(d, root / "batch", workers=1, progress=False, flush_runs=1)
    store = ResultStore.open(root / "batch")
    runs = store.read("runs")
    store.lock()
    store.set_aside([int(runs.loc[runs["run_id"] == "baseline/0", "part"].iloc[0])])
    store.close()
    run_batch(d, root / "batch", workers=1, progress=False)
    raw = pd.read_parquet(root / "batch" / "runs")
    assert list(raw[raw["scenario"] == "baseline"]["rep"]) == [1, 2, 3, 4, 0]
    report = write_report(root / "batch", root / "report")
    (root / "batch" / "notes.txt").write_text("\n".join(report.notes), encoding="utf-8")
    return root / "batch", root / "report"


def csv(report_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(report_dir / name, encoding="utf-8-sig")


def test_probabilities_match_a_hand_count_of_the_stored_targets(report):
    batch, rep = report
    stored = pd.read_parquet(batch / "targets")
    table = csv(rep, "targets_by_scenario.csv").set_index(["scenario", "target"])
    wide = csv(rep, "probabilities.csv").set_index("scenario")
    checked = 0
    for scen in ("baseline", "data_elements"):
        for tid in [f"T{i}" for i in range(1, 9)]:
            rows = stored[(stored["scenario"] == scen) & (stored["target"] == tid)]
            assert len(rows) == REPS
            hand = sum(1 for m in rows["met"].tolist() if m is True) / REPS
            assert table.loc[(scen, tid), "p_met"] == pytest.approx(hand, abs=1e-12)
            assert wide.loc[scen, f"{tid} P(met)"] == pytest.approx(hand, abs=1e-12)
            assert table.loc[(scen, tid), "runs_evaluated"] == REPS
            checked += 1
    assert checked == 16
    assert list(wide.index) == ["baseline", "data_elements", "short"]
    assert list(wide["runs_evaluated"]) == [REPS, REPS, 0]


def test_medians_and_intervals_equal_numpy_on_the_stored_values(report):
    batch, rep = report
    stored = pd.read_parquet(batch / "targets")
    table = csv(rep, "targets_by_scenario.csv").set_index(["scenario", "target"])
    for (scen, tid), g in stored.groupby(["scenario", "target"]):
        v = g["value"].dropna().to_numpy()
        q05, med, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        row = table.loc[(scen, tid)]
        assert row["value_median"] == pytest.approx(med, rel=1e-5)
        assert row["value_q05"] == pytest.approx(q05, rel=1e-5)
        assert row["value_q95"] == pytest.approx(q95, rel=1e-5)
        assert row["value_q05"] <= row["value_median"] <= row["value_q95"]


def test_public_cost_is_the_median_over_replications_of_the_run_totals(report):
    """The batch mixes horizons (2027 and 2026): every scenario's cost is taken over 2025-2026,
    the years all of them run, and a note says so."""
    batch, rep = report
    costs = pd.read_parquet(batch / "costs")
    assert costs["year"].max() == 2027
    costs = costs[costs["year"] <= 2026]
    table = csv(rep, "costs_by_scenario.csv").set_index("scenario")
    notes = (batch / "notes.txt").read_text(encoding="utf-8")
    assert "public costs are compared over 2025–2026 for every scenario" in notes
    for scen, g in costs.groupby("scenario"):
        totals = g.groupby("rep")["cost_cny"].sum()
        assert table.loc[scen, "cost_cny_median"] == pytest.approx(totals.median(), rel=1e-5)
        assert table.loc[scen, "cost_yi_median"] == pytest.approx(totals.median() / 1e8, rel=1e-5)
    assert table.loc["data_elements", "cost_cny_median"] > table.loc["baseline", "cost_cny_median"]


def test_difference_from_baseline_is_paired_by_replication(report):
    batch, rep = report
    stored = pd.read_parquet(batch / "targets")
    diff = csv(rep, "difference_from_baseline.csv").set_index(["scenario", "target"])
    assert set(diff.index.get_level_values("scenario")) == {"data_elements", "short"}
    for tid in [f"T{i}" for i in range(1, 9)]:
        a = stored[(stored["scenario"] == "data_elements") & (stored["target"] == tid)].set_index("rep")
        b = stored[(stored["scenario"] == "baseline") & (stored["target"] == tid)].set_index("rep")
        b = b.loc[a.index]    # stored in another order: pair by replication, not by position
        assert (a["seed"] == b["seed"]).all()
        paired = (a["value"] - b["value"]).to_numpy()
        row = diff.loc[("data_elements", tid)]
        assert row["pairs"] == REPS
        assert row["diff_median"] == pytest.approx(np.median(paired), rel=1e-5, abs=1e-9)
        assert row["diff_q05"] == pytest.approx(np.quantile(paired, 0.05), rel=1e-5, abs=1e-9)
        assert row["diff_q95"] == pytest.approx(np.quantile(paired, 0.95), rel=1e-5, abs=1e-9)
        hand = sum(1 for m in a["met"].tolist() if m is True) / REPS
        assert row["p_met"] == pytest.approx(hand, abs=1e-12)


def test_runs_ending_before_2027_have_no_difference_and_a_note(report):
    batch, rep = report
    notes = (batch / "notes.txt").read_text(encoding="utf-8")
    assert f"short: {REPS} of {REPS} runs end before 2027" in notes
    assert "evaluated runs only" in notes
    diff = csv(rep, "difference_from_baseline.csv").set_index(["scenario", "target"]).loc["short"]
    assert diff["diff_median"].isna().all() and (diff["pairs"] == 0).all()
    assert (diff.loc[[f"T{i}" for i in range(1, 9)], "runs_evaluated"] == 0).all()
    assert diff["p_met"].isna().all() and diff.loc["T1", "runs_evaluated_baseline"] == REPS
    table = csv(rep, "targets_by_scenario.csv").set_index(["scenario", "target"])
    assert table.loc[("short", "T4"), "runs_evaluated"] == 0
    assert np.isnan(table.loc[("short", "T4"), "p_met"])
    assert table.loc[("baseline", "T4"), "runs_evaluated"] == REPS


def test_report_has_bilingual_csv_and_png_and_svg_figures(report):
    _, rep = report
    for tid in range(1, 9):
        for ext in ("png", "svg"):
            assert (rep / f"fan_T{tid}.{ext}").stat().st_size > 10_000
    for name in ("difference_from_baseline", "public_cost"):
        assert (rep / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (rep / f"{name}.svg").read_bytes()[:500]
    table = csv(rep, "targets_by_scenario.csv")
    assert "数据产品" in " ".join(table["label_zh"]) and "Data products" in " ".join(table["label_en"])
    assert (rep / "summary.txt").read_text(encoding="utf-8").startswith("P(meeting the 2027 target) 达成")
    compute = csv(rep, "compute_by_scenario.csv").set_index("scenario")
    assert compute.loc["baseline", "compute_capacity_p"] > 0
    assert 0 < compute.loc["baseline", "compute_utilisation"] <= 1
    assert "算力市场" in (rep / "summary.txt").read_text(encoding="utf-8")


def test_report_states_the_deep_uncertainties_at_their_central_values(report):
    """One line in the summary (zh and en) and the provenance: the runs hold the deep uncertainties
    at their central values, except one a scenario file sets; where their ranges are explored."""
    _, rep = report
    text = (rep / "summary.txt").read_text(encoding="utf-8")
    deep, _ = deep_uncertainties()
    line = [x for x in text.splitlines() if "deep uncertainties" in x]
    assert len(line) == 1
    assert f"central values of the {len(deep)} deep uncertainties" in line[0] and "中心值" in line[0]
    assert "steppe report --futures L" in line[0] and "steppe robustness" in line[0]
    assert "short: datacentres.build_months" in line[0]
    prov = json.loads((rep / "provenance.json").read_text(encoding="utf-8"))["deep_uncertainties"]
    assert prov["values"] == "central" and prov["count"] == len(deep) and prov["futures"] == 0
    assert prov["central"] == central_values(deep)
    assert prov["set_by_scenario"] == {"short": ["datacentres.build_months"]}


def test_a_report_is_replaced_with_force(report, tmp_path):
    batch, _ = report
    again = write_report(batch, tmp_path / "r")
    assert (tmp_path / "r" / "compute_by_scenario.csv").exists()
    assert write_report(batch, tmp_path / "r", force=True).folder == again.folder


def test_without_a_baseline_the_difference_is_skipped_with_a_note(tmp_path, capsys):
    paths = [REPO / "scenarios" / "ai_plus.toml"]
    run_batch(design(paths, 2), tmp_path / "b", workers=1, progress=False)
    assert main(["compare", str(tmp_path / "b")]) == 0
    err = capsys.readouterr().err
    assert "no scenario named 'baseline'" in err
    rep = tmp_path / "b" / "report"
    assert (rep / "fan_T4.png").exists() and (rep / "probabilities.csv").exists()
    assert not list(rep.glob("difference_from_baseline.*"))


def test_compare_of_a_folder_that_is_not_a_batch_is_an_error(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err


def test_compare_reads_a_consistent_snapshot_of_a_store_being_written(tmp_path):
    """A batch commits a part every run while compare reads: every table covers the same runs
    (the KeyError of 3 in 7 tries came from league rows of a part committed after the targets
    were read), and a report written meanwhile says the store is incomplete."""
    import subprocess
    import sys
    import time

    from studies.compare import snapshot

    out = tmp_path / "b"
    scen = [str(REPO / "scenarios" / "baseline.toml"), str(REPO / "scenarios" / "ai_plus.toml")]
    cmd = [sys.executable, "-m", "steppe", "batch", *scen, "--reps", "40", "--scale", "0.05", "--out",
           str(out), "--workers", "1", "--flush-runs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "runs").is_dir() or not list((out / "runs").glob("part-*")):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        seen = []
        # at least 15 snapshots, and on until the batch has committed more (a busy machine may
        # run the batch slower than 15 snapshots)
        while proc.poll() is None and (len(seen) < 15 or seen[-1] == seen[0]) and time.monotonic() < deadline:
            _, runs, targets, costs, league = snapshot(ResultStore.open(out))
            ids = set(runs["run_id"])
            assert set(targets["run_id"]) == ids == set(costs["run_id"]) == set(league["run_id"])
            assert len(targets) == 8 * len(ids) and len(league) == 36 * len(ids)
            seen.append(len(ids))
        report = write_report(out, tmp_path / "rep", baseline="baseline")
        growing = proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] > seen[0], seen
    if growing:
        assert any(n.startswith("the store is incomplete:") and "repeat the batch command" in n
                   for n in report.notes), report.notes
