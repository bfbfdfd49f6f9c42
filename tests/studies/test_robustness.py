"""Robustness under deep uncertainty: futures, satisficing and regret, vulnerability sentences,
an end-to-end study at a tiny budget that resumes after an interruption bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import model.problem
import studies.sweep as sweep
from model.scenario import load_scenario
from steppe.cli import main
from studies import robustness as rb
from studies.deep import PROVISIONAL_DEEP_UNCERTAINTIES, deep_uncertainties
from studies.errors import BatchInterrupted
from studies.points import StudyError, store_path

TWO = ["ai_plus_programmes_per_year", "dc_planned_build_p_per_year"]


def test_deep_uncertainties_come_from_the_problem_when_declared_else_the_provisional_list(monkeypatch):
    monkeypatch.delattr(model.problem, "deep_uncertainties", raising=False)
    deep, source = deep_uncertainties()
    assert [d.name for d in deep] == list(PROVISIONAL_DEEP_UNCERTAINTIES) and "provisional" in source
    bm = next(d for d in deep if d.name == "datacentres.build_months")
    assert (bm.low, bm.high, bm.kind) == (6.0, 24.0, "integer")
    monkeypatch.setattr(model.problem, "deep_uncertainties",
                        lambda: ["datacentres.price_elasticity", ("datacentres.build_months", 9, 18)], raising=False)
    deep, source = deep_uncertainties()
    assert source == "model.problem.deep_uncertainties()"
    assert [(d.name, d.low, d.high) for d in deep][1] == ("datacentres.build_months", 9.0, 18.0)
    with pytest.raises(StudyError, match="not a scalar behavioural parameter"):
        deep_uncertainties(["enterprises.sector_shares"])
    with pytest.raises(StudyError, match="unknown"):
        deep_uncertainties(["datacentres.nope"])


def test_futures_cross_draws_with_a_latin_hypercube_inside_the_ranges():
    study = rb.RobustnessStudy(posterior_draws=0, futures=8, deep=["datacentres.price_elasticity",
                                                                   "datacentres.build_months"])
    f = rb.sample_futures(study)
    assert len(f) == 8 and list(f["future"]) == list(range(8))
    pe = f["datacentres.price_elasticity"]
    v = model.problem.PROBLEM.variable("datacentres.price_elasticity")
    assert pe.between(*v.prior).all()
    # a Latin hypercube: one point in each eighth of the range
    bins = np.floor((pe - v.prior[0]) / (v.prior[1] - v.prior[0]) * 8).astype(int)
    assert sorted(bins) == list(range(8))
    assert (f["datacentres.build_months"] == f["datacentres.build_months"].round()).all()
    assert rb.sample_futures(study).equals(f)                  # reproducible from the seed


def _runs(targets_met: dict[tuple[int, int], list[float]], cost: dict[int, float]) -> pd.DataFrame:
    """Synthetic runs: (portfolio, future) -> eight met flags; 2 futures."""
    rows = []
    for (p, f), flags in targets_met.items():
        rows.append({"point_id": p * 2 + f, "rep": 0, "public_cost_cny_cum": cost[p],
                     **{f"T{i + 1}_met": flags[i] for i in range(8)}})
    return pd.DataFrame(rows)


def test_satisficing_regret_and_cost_per_portfolio():
    ones, some = [1.0] * 8, [1.0] * 6 + [0.0, np.nan]
    runs = _runs({(0, 0): ones, (0, 1): some, (1, 0): some, (1, 1): some}, {0: 3e8, 1: 1e8})
    t = rb.robustness(runs, 2)
    assert t.loc[0, "S_all"] == 0.5 and t.loc[1, "S_all"] == 0.0
    assert t.loc[0, "S_T8"] == 0.5            # unevaluated counts as missed
    assert t.loc[0, "regret_max"] == 0 and t.loc[1, "regret_max"] == 2 and t.loc[1, "regret_mean"] == 1
    assert t.loc[1, "unevaluated_share"] == 1.0
    table = pd.concat([pd.DataFrame({"portfolio": [0, 1], "name": ["a", "b"], "source": "lhs"}), t], axis=1)
    assert list(rb.rank(table)["name"]) == ["a", "b"]
    best = rb.robust_at_ceilings(table, [200, 400])
    assert list(best["name"]) == ["b", "a"]
    assert rb.robust_at_ceilings(table, [50])["portfolio"].iloc[0] == -1


def test_a_box_reads_as_a_planners_sentence():
    x = pd.DataFrame({"datacentres.build_months": [6.0, 24.0], "datacentres.price_elasticity": [0.2, 1.5]})
    box = pd.DataFrame({"min": [15.0, 0.2], "max": [24.0, 0.8]},
                       index=["datacentres.build_months", "datacentres.price_elasticity"])
    s = rb.box_sentence("T5", box, x, {"coverage": 0.9, "density": 0.8})
    assert s.startswith("T5 is missed when Lead time from decision to capacity (datacentres.build_months) "
                        "exceeds 15 months and ")
    assert "is below 0.8" in s and "coverage 0.90, density 0.80" in s


def test_vulnerability_finds_the_parameter_that_decides_a_target():
    rng = np.random.default_rng(3)
    n = 200
    futures = pd.DataFrame({"future": range(n), "draw": 0, "lhs": range(n),
                            "datacentres.build_months": rng.uniform(6, 24, n),
                            "datacentres.price_elasticity": rng.uniform(0.2, 1.5, n)})
    flags = {(0, f): [1.0] * 4 + [float(futures.loc[f, "datacentres.build_months"] < 15)] + [1.0] * 3
             for f in range(n)}
    rows = [{"point_id": f, "rep": 0, "public_cost_cny_cum": 1.0, **{f"T{i + 1}_met": v[i] for i in range(8)}}
            for (_, f), v in flags.items()]
    boxes, sentences, cart = rb.vulnerability(pd.DataFrame(rows), futures, 0, "plan")
    t5 = boxes[boxes["target"] == "T5"]
    assert list(t5["parameter"]) == ["datacentres.build_months"]
    assert 14 < t5["min"].iloc[0] <= 15.5
    line = next(s for s in sentences if "T5" in s)
    assert "T5 is missed when Lead time from decision to capacity (datacentres.build_months) exceeds" in line
    assert "plan: T1 missed in 0 of 200 runs: never missed" in sentences
    assert "datacentres.build_months" in cart


def _tiny(**kw) -> rb.RobustnessStudy:
    args = {"levers": TWO, "portfolios": 2, "packages": ["full_plan_003"], "posterior_draws": 0, "futures": 2,
            "deep": ["datacentres.build_months", "datacentres.price_elasticity"], "scale": 0.05,
            "ceilings_mcny": [1e5]}
    return rb.RobustnessStudy(**{**args, **kw})


def test_tiny_study_end_to_end_and_resumed_after_an_interruption_gives_the_same_files(tmp_path, monkeypatch):
    ref = rb.run_robustness(_tiny(), tmp_path / "ref", workers=1)
    assert ref.runs == 3 * 2 and len(ref.table) == 3
    for f in ("robustness.csv", "robust_at_ceilings.csv", "futures.csv", "vulnerability.txt", "design.json"):
        assert (tmp_path / "ref" / f).is_file(), f
    (scen,) = (tmp_path / "ref" / "scenarios").glob("*.toml")
    assert load_scenario(scen).until == 2027
    assert (tmp_path / "ref" / "store" / "runs" / "manifest.json").is_file()
    assert not store_path(tmp_path / "ref").exists()
    # an interruption after the first chunk: the runs finished are kept, the same call finishes
    real, calls = sweep.run_chunk, []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)
    monkeypatch.setattr(sweep, "run_chunk", flaky)
    with pytest.raises(BatchInterrupted):
        rb.run_robustness(_tiny(), tmp_path / "again", workers=1)
    assert not (tmp_path / "again").exists() and store_path(tmp_path / "again").is_dir()
    monkeypatch.setattr(sweep, "run_chunk", real)
    rb.run_robustness(_tiny(), tmp_path / "again", workers=1)
    for f in ("robustness.csv", "robust_at_ceilings.csv", "futures.csv", "vulnerability.txt"):
        assert (tmp_path / "ref" / f).read_bytes() == (tmp_path / "again" / f).read_bytes(), f
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ref" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "again" / "runs.parquet"))


def test_common_random_numbers_across_portfolios_and_futures(tmp_path):
    study = _tiny(reps=2)
    futures = rb.sample_futures(study)
    _, scenarios = rb.portfolio_table(study)
    runs = rb.evaluate_scenarios(rb.items(scenarios, futures), reps=2, scale=0.05, workers=1)
    assert runs.groupby("rep")["seed"].nunique().eq(1).all()
    assert len(runs) == 3 * 2 * 2


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["robustness", "--packages", "no_such", "--out", str(out)]) == 2
    assert "no library package 'no_such'" in capsys.readouterr().err
    assert main(["robustness", "--deep", "datacentres.nope", "--out", str(out)]) == 2
    assert main(["robustness", "--portfolios", "1", "--out", str(out)]) == 2
    assert not out.exists() and not store_path(out).exists()
