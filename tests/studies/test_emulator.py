"""The emulator: GPs that recover a known function, adaptive picks where the emulator is least
sure, validation that can fail, Sobol on ≥ the asked evaluations, and a tiny study whose search
results are re-run by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.problem import PROBLEM
from steppe.cli import main
from studies import emulator as em
from studies.points import StudyError
from studies.sensitivity import select_inputs

T = {t.id: t for t in PROBLEM.targets}


def _frame(u: np.ndarray) -> pd.DataFrame:
    """Synthetic outcomes: T5 rises with input 0 only, T1 with input 1; the rest constant."""
    y = pd.DataFrame({name: np.zeros(len(u)) for name in em.OUTCOMES})
    y["T5"] = T["T5"].threshold * (0.5 + u[:, 0])
    y["T1"] = T["T1"].threshold * (0.8 + 0.4 * u[:, 1])
    y["public_cost_cny_cum"] = 1e8 * (1 + u[:, 0] + u[:, 1])
    for t in PROBLEM.targets:
        y[f"{t.id}_met"] = em.met(t.id, y[t.id].to_numpy()).astype(float)
    y["T2"] = T["T2"].threshold + 1.0
    y["T2_met"] = 0.0                    # a flag the value does not decide (T2 also needs coverage)
    return y


def _study(**kw):
    inputs, _ = select_inputs("deep", ["datacentres.build_months", "datacentres.price_elasticity",
                                       "datacentres.link_beijing_boost"])
    return em.EmulatorStudy(inputs, **kw)


def test_gps_recover_a_known_function_and_validation_reports_it():
    rng = np.random.default_rng(0)
    u, uv = rng.random((40, 3)), rng.random((30, 3))
    model = em.Emulator().fit(u, _frame(u))
    assert model.met_rule["T5"] == "value" and model.met_rule["T2"] == "flag"
    check = em.validation(model, model.predict(uv), _frame(uv)).set_index("outcome")
    assert check.loc["T5", "r2"] > 0.99 and check.loc["T1", "r2"] > 0.99
    assert check.loc["T5", "accuracy"] >= 0.9 and check.loc["T2", "accuracy"] == 1.0
    assert "R²" in em.validation_text(check.reset_index())
    # a validation that can fail: a shuffled emulator is caught
    wrong = model.predict(uv).sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert em.validation(model, wrong, _frame(uv)).set_index("outcome").loc["T5", "r2"] < 0.5


def test_adaptive_picks_go_where_there_are_no_runs():
    rng = np.random.default_rng(1)
    u = rng.random((30, 3)) * [0.5, 1, 1]        # nothing trained on input 0 above 0.5
    model = em.Emulator().fit(u, _frame(u))
    candidates = rng.random((400, 3))
    picks = em.pick_uncertain(model, candidates, 5)
    assert picks[0, 0] > 0.5                     # the least sure point lies where nothing was run
    assert model.uncertainty(picks).mean() > np.median(model.uncertainty(candidates))
    assert len({tuple(p) for p in picks}) == 5


def test_sobol_on_the_emulator_ranks_the_input_that_matters_with_enough_evaluations():
    rng = np.random.default_rng(2)
    u = rng.random((40, 3))
    model = em.Emulator().fit(u, _frame(u))
    table, n = em.sobol_on_emulator(model, _study(sobol_n=5000))
    assert n >= 5000
    t5 = table[table["outcome"] == "T5"].set_index("input")["ST"]
    assert t5["datacentres.build_months"] > 0.9 and t5.drop("datacentres.build_months").max() < 0.05


def test_tiny_study_writes_validation_sobol_and_search_rerun_by_simulation(tmp_path, capsys):
    study = _study(under="full_plan_003", train=6, rounds=1, batch=2, validate=5, sobol_n=2000, scale=0.02)
    report = em.run_emulator(study, tmp_path / "e", workers=1)
    assert report.runs == 6 + 2 + 5 and report.evaluations >= 2000
    for f in ("validation.csv", "validation.txt", "sobol_emulator.csv", "training.csv", "design.json"):
        assert (tmp_path / "e" / f).is_file(), f
    assert "emulator validation on held-out simulations" in em.summary_text(report)
    args = ["emulate", "--over", "levers", "--inputs", "ai_plus_programmes_per_year", "dc_planned_build_p_per_year",
            "--train", "6", "--rounds", "0", "--validate", "5", "--sobol-n", "1000", "--search", "2",
            "--scale", "0.02", "--workers", "1", "--no-progress", "--out", str(tmp_path / "s")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "re-run by simulation" in out and "emulator validation" in out
    found = pd.read_csv(tmp_path / "s" / "search.csv")
    assert len(found) == 2 and found["targets_met_simulated"].notna().all()


def test_bad_emulator_input_is_refused():
    with pytest.raises(StudyError, match="at least 2 runs per input"):
        _study(train=3).check()
    inputs, _ = select_inputs("levers", ["ai_plus_programmes_per_year", "link_beijing"])
    with pytest.raises(StudyError, match="--under with lever inputs"):
        em.EmulatorStudy(inputs, under="full_plan_003").check()
    with pytest.raises(StudyError, match="--search needs lever inputs"):
        _study(search=3).check()
