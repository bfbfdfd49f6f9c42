"""Simulation-based calibration on the shipped targets (experiments/sbc_recovery.py), tiny version:
3 truths of 2 of the shipped calibrated parameters, 12 particles, 2 generations, scale 0.02."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from calibration.abc import Runner, Settings

ROOT = Path(__file__).resolve().parents[2]


def load_experiment():
    spec = importlib.util.spec_from_file_location("sbc_recovery", ROOT / "experiments" / "sbc_recovery.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_sbc_runs_on_the_shipped_targets_and_reports_ranks_and_coverage(tmp_path):
    sbc = load_experiment()
    names = ["talent.adequacy_initial", "datacentres.league_demand_share"]
    settings = Settings(scale=0.02, population=12, max_generations=2, min_epsilon=0.3, seed=1,
                        budget_runs=None, budget_minutes=None)
    frame = sbc.sbc(names, 3, settings, Runner(workers=1), tmp_path)
    assert len(frame) == 6 and set(frame["parameter"]) == set(names)
    assert frame["rank"].between(0, sbc.RANK_DRAWS).all()
    assert ((frame["q05"] <= frame["q25"]) & (frame["q75"] <= frame["q95"])).all()
    cov = sbc.coverage(frame)
    assert cov["coverage90"].between(0, 1).all() and (cov["truths"] == 3).all()
    # the initial talent adequacy is what W2 measures: its 90% interval contains most truths
    assert cov.set_index("parameter").loc["talent.adequacy_initial", "coverage90"] >= 2 / 3
    sbc.plot_ranks(frame, tmp_path / "ranks.png")
    assert (tmp_path / "ranks.png").stat().st_size > 0
