"""Sensitivity study: inputs from the problem definition, SALib wiring, bad input, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.problem import PROBLEM
from steppe.cli import main
from studies import sensitivity as sa
from studies.points import StudyError, point_scenario, snap, variable

TWO = ["herders.bass_q_per_year", "herders.literacy_mean", "enterprises.centre_relief"]


def _study(method: str = "morris", budget: int = 2, **kw) -> sa.Study:
    inputs, skipped = sa.select_inputs("prior", TWO)
    return sa.Study(method, "prior", inputs, sa.check_outcomes(None, False), budget, scale=0.02,
                    skipped=skipped, **kw)


def test_prior_inputs_are_every_scalar_prior_and_vectors_are_listed_as_skipped():
    inputs, skipped = sa.select_inputs("prior")
    scalars = {v.name for v in PROBLEM.uncertainties if v.kind != "vector"}
    vectors = {v.name for v in PROBLEM.uncertainties if v.kind == "vector"}
    assert {i.name for i in inputs} == scalars
    assert {n for n, _ in skipped} == vectors
    for i in inputs:
        assert (i.low, i.high) == tuple(variable(i.name).prior)


def test_lever_inputs_use_allowed_ranges_and_booleans_as_0_1():
    inputs, _ = sa.select_inputs("levers")
    by = {i.name: i for i in inputs}
    assert len(by) == len(PROBLEM.levers)
    assert (by["link_beijing"].low, by["link_beijing"].high) == (0.0, 1.0)
    assert by["infra_budget_cny_per_year"].high == variable("infra_budget_cny_per_year").high


@pytest.mark.parametrize("names, word", [(["herders.bass_q_per_year", "nope"], "nope"),
                                         (["enterprises.sector_shares", "herders.bass_q_per_year"], "vector"),
                                         (["herders.bass_q_per_year"], "at least two")])
def test_bad_inputs_are_named(names, word):
    with pytest.raises(StudyError, match=word):
        sa.select_inputs("prior", names)


def test_sampler_rounding_is_snapped_to_the_bound_but_real_excursions_are_refused():
    assert point_scenario({"herders.trace_q_per_year": 0.5000000000000001}).parameters.herders.trace_q_per_year == 0.5
    with pytest.raises(StudyError, match="trace_q_per_year"):
        point_scenario({"herders.trace_q_per_year": 0.51})
    assert snap(2.6, variable("herders.ties_kin")) == 3
    assert snap(0.7, variable("link_beijing")) is True


def test_morris_analysis_finds_the_input_that_matters_and_a_zero_for_the_one_that_does_not():
    study = _study(budget=30)
    x = sa.sample(study)
    y = pd.DataFrame({"T1": 3.0 * (x[:, 0] - 0.2) ** 2 + 0.0 * x[:, 1] + 0.5 * x[:, 2]})
    table, _, notes = sa.analyse(study, x, y)
    mu = table.set_index("input")["mu_star"]
    assert mu["herders.literacy_mean"] == pytest.approx(0.0, abs=1e-12)
    assert mu["herders.bass_q_per_year"] > 0 and mu["enterprises.centre_relief"] > 0
    rec = sa.recommend_sobol(table)
    assert "herders.literacy_mean" not in set(rec["input"])
    assert not notes


def test_sobol_analysis_ranks_inputs_and_flags_constant_outcomes():
    study = _study("sobol", budget=256)
    x = sa.sample(study)
    lo = np.array([i.low for i in study.inputs])
    hi = np.array([i.high for i in study.inputs])
    u = (x - lo) / (hi - lo)
    y = pd.DataFrame({"T5": 4 * u[:, 0] + u[:, 1] + 0.1 * u[:, 0] * u[:, 2], "T7": np.zeros(len(x))})
    table, _, notes = sa.analyse(study, x, y)
    st = table.set_index("input")["ST"]
    assert st["herders.bass_q_per_year"] > st["herders.literacy_mean"] > st["enterprises.centre_relief"]
    assert table.loc[table["input"] == "herders.bass_q_per_year", "S1"].iloc[0] == pytest.approx(16 / 17, abs=0.1)
    assert any(n.startswith("T7:") and "same value" in n for n in notes)


def test_budget_checks():
    with pytest.raises(StudyError, match="too small"):
        sa.check_budget(_study("morris", budget=1))
    with pytest.raises(StudyError, match="power of two"):
        sa.check_budget(_study("sobol", budget=100))
    with pytest.raises(StudyError, match="too small"):
        sa.check_budget(_study("sobol", budget=8))
    assert any("unstable" in n for n in sa.design_warnings(_study("morris", budget=2)))


def test_small_morris_study_writes_its_tables_and_figures_identically_twice(tmp_path):
    study = _study(budget=2, reps=1)
    a = sa.run_study(study, tmp_path / "a", workers=1)
    sa.run_study(study, tmp_path / "b", workers=2)
    for name in ("morris_indices.csv", "samples.csv", "bars.png", "heatmap.png", "skipped.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.runs == 2 * (3 + 1)
    assert set(a.table["input"]) == set(TWO)
    assert not list(tmp_path.glob(".*tmp*"))


def test_a_stored_study_is_reused_and_another_design_is_refused(tmp_path, monkeypatch):
    study = _study(budget=2)
    sa.run_study(study, tmp_path / "s", workers=1)
    before = (tmp_path / "s" / "morris_indices.csv").read_bytes()

    def boom(*a, **k):
        raise AssertionError("runs were recomputed")
    monkeypatch.setattr(sa, "evaluate", boom)
    sa.run_study(study, tmp_path / "s")          # same design: analysed again from the stored runs
    assert (tmp_path / "s" / "morris_indices.csv").read_bytes() == before
    other = _study(budget=3)
    with pytest.raises(StudyError, match=r"another design \(budget"):
        sa.run_study(other, tmp_path / "s")
    assert (tmp_path / "s" / "morris_indices.csv").read_bytes() == before
    (tmp_path / "x").mkdir()
    with pytest.raises(StudyError, match="not a sensitivity study"):
        sa.run_study(study, tmp_path / "x")


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["sensitivity", "--method", "morris", "--outcomes", "T9", "--out", str(out)]) == 2
    assert "unknown outcome 'T9'" in capsys.readouterr().err
    assert main(["sensitivity", "--method", "sobol", "--budget", "100", "--out", str(out)]) == 2
    assert main(["sensitivity", "--method", "morris", "--over", "levers", "--inputs", "herders.bass_q_per_year",
                 "link_beijing", "--out", str(out)]) == 2
    assert "bass_q_per_year" in capsys.readouterr().err
    assert not out.exists()


def test_posterior_ranges_and_draws_come_from_the_calibration_posterior(monkeypatch):
    import sys
    import types

    from studies import paths as pa

    frame = pd.DataFrame({"herders.bass_q_per_year": np.linspace(0.3, 0.5, 101),
                          "herders.bass_p_per_year": np.linspace(0.01, 0.05, 101),
                          "herders.literacy_mean": np.full(101, 0.4), "weight": np.ones(101)})
    fake = types.ModuleType("calibration.posterior")
    fake.load_posterior = lambda: types.SimpleNamespace(frame=frame)
    monkeypatch.setitem(sys.modules, "calibration.posterior", fake)
    inputs, _ = sa.select_inputs("posterior", ["herders.bass_q_per_year", "herders.bass_p_per_year"])
    q = {i.name: (i.low, i.high) for i in inputs}
    assert q["herders.bass_q_per_year"] == pytest.approx((0.302, 0.498), abs=1e-9)
    with pytest.raises(StudyError, match=r"literacy_mean.*empty range"):   # pinned down by the posterior
        sa.select_inputs("posterior", ["herders.literacy_mean", "herders.bass_q_per_year"])
    with pytest.raises(StudyError, match="not in the posterior"):
        sa.select_inputs("posterior", ["herders.trace_q_per_year", "herders.bass_q_per_year"])
    draws = pa.parameter_draws(pa.PathsStudy(draws=5, draw_source="posterior"))
    assert len(draws) == 5 and all(0.3 <= d["herders.bass_q_per_year"] <= 0.5 for d in draws)


def test_sobol_bootstrap_intervals_repeat_with_seed_0():
    """SALib ignores seed 0 in sobol.analyze (it then uses numpy's global state); the study's
    intervals must still be the same on every analysis of the same runs."""
    study = _study("sobol", 64, seed=0)
    x = sa.sample(study)
    y = pd.DataFrame({"T1": x[:, 0] + 0.5 * x[:, 1] ** 2 + 0.1 * x[:, 0] * x[:, 2]})
    first, _, _ = sa.analyse(study, x, y)
    np.random.seed(1)          # another global state must not matter
    again, _, _ = sa.analyse(study, x, y)
    pd.testing.assert_frame_equal(first, again)
    assert (first["ST_conf"] > 0).all()
