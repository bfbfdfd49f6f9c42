"""Paths study: portfolios and timing, attainment, Pareto front, PRIM/CART, scenario files, bad input."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from model.levers import Levers
from model.scenario import load_scenario
from steppe.cli import main
from studies import paths as pa
from studies.points import StudyError, point_scenario, scenario_dict, scenario_toml

LEVERS = ["authorised_operation_pilots", "dc_planned_build_p_per_year"]


def test_portfolios_cover_the_lever_ranges_with_typed_values_and_start_years():
    study = pa.PathsStudy(levers=[*LEVERS, "link_beijing"], portfolios=60)
    frame = pa.sample_portfolios(study)
    assert list(frame.columns) == study.dims()
    pilots = frame["authorised_operation_pilots"]
    assert pilots.map(type).eq(int).all() and pilots.min() == 0 and pilots.max() == 10
    assert frame["link_beijing"].map(type).eq(bool).all() and frame["link_beijing"].nunique() == 2
    assert 0 <= frame["dc_planned_build_p_per_year"].min() and frame["dc_planned_build_p_per_year"].max() <= 40000
    assert set(frame["link_beijing__start"]) == {0, 12, 24}


def test_a_start_year_becomes_a_dated_lever_change_and_the_default_holds_before():
    sc = point_scenario({"authorised_operation_pilots": 4, "authorised_operation_pilots__start": 12,
                         "link_beijing": True, "link_beijing__start": 0})
    timeline = sc.lever_timeline()
    assert timeline[0].link_beijing is True
    assert timeline[11].authorised_operation_pilots == Levers().authorised_operation_pilots
    assert timeline[12].authorised_operation_pilots == 4


def test_written_scenario_file_runs_the_same_levers(tmp_path):
    point = {"authorised_operation_pilots": 3, "authorised_operation_pilots__start": 24,
             "herders.bass_q_per_year": 0.41,
             "public_data_opening": 0.55, "exchange_service_base": True}
    text = scenario_toml(scenario_dict(point), "a test portfolio", "p_test")
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    sc = load_scenario(f)
    assert sc.name == "p_test" and sc.levers.public_data_opening == 0.55 and sc.levers.exchange_service_base
    assert sc.lever_timeline() == point_scenario(point).lever_timeline()
    timeline = sc.lever_timeline()
    assert timeline[23].authorised_operation_pilots == 0 and timeline[24].authorised_operation_pilots == 3
    # the file holds what the point names; run (steppe run, simulate) it gets the same parameter
    # source as the point: the same parameters
    from model.parameter_source import default_source

    assert default_source().apply(sc).parameters == point_scenario(point).parameters


def test_pareto_mask():
    cost = np.array([1.0, 2.0, 3.0, 2.5, 0.5])
    prob = np.array([0.2, 0.5, 0.9, 0.4, 0.2])
    assert pa.pareto_mask(cost, prob).tolist() == [False, True, True, False, True]


def test_attainment_counts_an_unevaluated_target_as_not_met():
    rows = []
    for pid in range(4):               # 2 portfolios × 2 draws, 1 rep
        met = {f"T{i}_met": 1.0 for i in range(1, 9)}
        if pid == 1:
            met["T6_met"] = np.nan
        if pid == 2:
            met["T3_met"] = 0.0
        rows.append({"point_id": pid, "rep": 0, "public_cost_cny_cum": 10.0 * (pid + 1), **met})
    att = pa.attainment(pd.DataFrame(rows), n_draws=2)
    assert att.loc[0, "P_all"] == 0.5 and att.loc[0, "P_T6"] == 0.5 and att.loc[0, "unevaluated_share"] == 0.5
    assert att.loc[1, "P_all"] == 0.5 and att.loc[1, "P_T3"] == 0.5
    assert att.loc[0, "cost_cny"] == 15.0 and att.loc[1, "cost_cny"] == 35.0


def test_prim_restricts_the_lever_that_matters_not_the_noise_and_works_with_int_and_bool_columns():
    rng = np.random.default_rng(1)
    n = 300
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "pilots": rng.integers(0, 11, n),
                      "link": rng.uniform(size=n) < 0.5, "noise": rng.uniform(0, 1, n)})
    y = (x["a"] > 0.6) & (x["pilots"] >= 3)
    res = pa.run_prim(x, y.to_numpy(), 0.8, seed=0, resamples=2)
    assert res.box is not None and res.stats["density"] > 0.9
    assert "a" in res.box.index and res.box.loc["a", "min"] == pytest.approx(0.6, abs=0.05)
    assert "noise" not in res.box.index and "link" not in res.box.index
    rules = pa.run_cart(x, y.to_numpy(), seed=0)
    assert "a <=" in rules and "noise" not in rules
    none = pa.run_prim(x, np.zeros(n, bool), 0.8, seed=0)
    assert none.box is None and "no portfolio" in none.note


def test_small_paths_study_end_to_end(tmp_path):
    study = pa.PathsStudy(levers=LEVERS, portfolios=10, reps=1, trials=4, scale=0.02, packages=False, p=0.5,
                          prim_resamples=1)
    rep = pa.run_paths(study, tmp_path / "p", workers=2)
    out = tmp_path / "p"
    for name in ("portfolios.csv", "runs.parquet", "pareto_front.csv", "pareto_per_target.csv", "cart.txt",
                 "prim.json", "prim_per_target.csv", "tradeoff.png", "pareto_front.png", "prim_boxes.png",
                 "attainment.png", "design.json"):
        assert (out / name).is_file(), name
    assert len(rep.table) == 14 and rep.runs == 14
    assert set(rep.table["source"]) == {"lhs", "optuna"}
    files = sorted((out / "scenarios").glob("*.toml"))
    assert files and all(load_scenario(f).until == 2027 for f in files)
    assert rep.table["pareto_all"].any()
    design = json.loads((out / "design.json").read_text())
    assert design["deep_uncertainties"]["values"] == "central" and design["deep_uncertainties"]["count"] == 15
    assert "deep uncertainties at their central values" in (out / "notes.txt").read_text()
    with pytest.raises(StudyError, match="already exists"):
        pa.run_paths(study, out)


def test_prior_draws_leave_the_deep_uncertainties_at_their_central_values():
    """Parameter draws of a paths study must not average over the deep uncertainties silently."""
    from studies.deep import deep_uncertainties

    draws = pa.parameter_draws(pa.PathsStudy(draws=3, draw_source="prior"))
    deep = {d.name for d in deep_uncertainties()[0]}
    assert len(draws) == 3 and all(len(d) > 100 for d in draws)
    assert not deep & set(draws[0])


def test_paths_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["paths", "--levers", "no_such_lever", "--out", str(out)]) == 2
    assert "unknown lever 'no_such_lever'" in capsys.readouterr().err
    assert main(["paths", "--portfolios", "5", "--out", str(out)]) == 2
    if importlib.util.find_spec("calibration.posterior") is None:
        assert main(["paths", "--posterior-draws", "3", "--out", str(out)]) == 2
        assert "posterior" in capsys.readouterr().err
    assert not out.exists()


def test_studies_over_the_shipped_posterior(tmp_path):
    """--over posterior and --posterior-draws with the real shipped posterior: the sensitivity
    study samples exactly the calibrated scalar parameters within the posterior's ranges, and the
    paths study's draws are rows of the posterior."""
    import pandas as pd

    from calibration.posterior import load_posterior
    from steppe.cli import main

    post = load_posterior().frame
    calibrated = {c for c in post.columns if c != "weight" and "[" not in c}
    out = tmp_path / "sens"
    assert main(["sensitivity", "--method", "morris", "--over", "posterior", "--budget", "2",
                 "--outcomes", "T1", "T5", "--scale", "0.02", "--no-progress", "--out", str(out)]) == 0
    samples = pd.read_csv(out / "samples.csv")
    assert set(samples.columns) - {"point_id"} == calibrated
    for name in calibrated:
        assert post[name].min() - 1e-9 <= samples[name].min() and samples[name].max() <= post[name].max() + 1e-9
    paths = tmp_path / "paths"
    assert main(["paths", "--levers", *LEVERS, "--portfolios", "10", "--posterior-draws", "2", "--reps", "1",
                 "--trials", "0", "--no-packages", "--scale", "0.02", "--no-progress", "--out", str(paths)]) == 0
    import numpy as np

    draws = pd.read_csv(paths / "draws.csv")
    cols = sorted(calibrated)
    table = post[cols].to_numpy(float)
    assert len(draws) == 2
    for _, d in draws.iterrows():      # draws.csv keeps 6 significant digits
        close = np.isclose(table, d[cols].to_numpy(float), rtol=1e-5, atol=0).all(axis=1)
        assert close.any(), d
