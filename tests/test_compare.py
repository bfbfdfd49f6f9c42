"""steppe compare: probabilities equal a hand count of the stored targets, intervals and costs
equal numpy on the stored rows, differences from baseline are paired by replication."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _batch_common import design

from model.batch import run_batch
from model.cli import main

REPO = Path(__file__).resolve().parent.parent
REPS = 5


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    """A batch of the baseline and the data-elements package, and its report."""
    root = tmp_path_factory.mktemp("compare")
    paths = [REPO / "scenarios" / "data_elements.toml", REPO / "scenarios" / "baseline.toml"]
    run_batch(design(paths, REPS, base_seed=3), root / "batch", workers=1, progress=False)
    assert main(["compare", str(root / "batch"), "--out", str(root / "report")]) == 0
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
            checked += hand not in (0.0, 1.0)
    assert checked >= 1, "a batch whose probabilities are all 0 or 1 tests too little"
    assert table.loc[("data_elements", "T7"), "p_met"] == 1.0
    assert table.loc[("baseline", "T7"), "p_met"] == 0.0
    assert table.loc[("data_elements", "T3"), "p_met"] > table.loc[("baseline", "T3"), "p_met"] == 0
    assert list(wide.index) == ["baseline", "data_elements"]


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
    batch, rep = report
    costs = pd.read_parquet(batch / "costs")
    table = csv(rep, "costs_by_scenario.csv").set_index("scenario")
    for scen, g in costs.groupby("scenario"):
        totals = g.groupby("rep")["cost_cny"].sum()
        assert table.loc[scen, "cost_cny_median"] == pytest.approx(totals.median(), rel=1e-5)
        assert table.loc[scen, "cost_yi_median"] == pytest.approx(totals.median() / 1e8, rel=1e-5)
    assert table.loc["data_elements", "cost_cny_median"] > table.loc["baseline", "cost_cny_median"]


def test_difference_from_baseline_is_paired_by_replication(report):
    batch, rep = report
    stored = pd.read_parquet(batch / "targets")
    diff = csv(rep, "difference_from_baseline.csv").set_index(["scenario", "target"])
    assert set(diff.index.get_level_values("scenario")) == {"data_elements"}
    for tid in ("T2", "T3", "T8"):
        a = stored[(stored["scenario"] == "data_elements") & (stored["target"] == tid)].set_index("rep")
        b = stored[(stored["scenario"] == "baseline") & (stored["target"] == tid)].set_index("rep")
        assert (a["seed"] == b["seed"]).all()
        paired = (a["value"] - b["value"]).to_numpy()
        row = diff.loc[("data_elements", tid)]
        assert row["pairs"] == REPS
        assert row["diff_median"] == pytest.approx(np.median(paired), rel=1e-5, abs=1e-9)
        assert row["diff_q05"] == pytest.approx(np.quantile(paired, 0.05), rel=1e-5, abs=1e-9)
        assert row["diff_q95"] == pytest.approx(np.quantile(paired, 0.95), rel=1e-5, abs=1e-9)
    assert diff.loc[("data_elements", "T3"), "diff_median"] > 0
    assert diff.loc[("data_elements", "T7"), "diff_median"] == 1


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
