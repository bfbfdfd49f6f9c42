"""EMA Workbench 3.0 interop: the adapter's model runs through EMA's evaluator with the project's
seeds, and its experiments go through PRIM once cast by prim_ready."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")
warnings.filterwarnings("ignore", message="ipyparallel not installed")
# EMA 3.0.0's own use of DataFrame.drop(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning",
                                        "ignore::pandas.errors.Pandas4Warning")

from ema_workbench import SequentialEvaluator  # noqa: E402
from ema_workbench.analysis import prim  # noqa: E402

from model.problem import PROBLEM  # noqa: E402
from studies.ema import ema_model, point_of, prim_ready  # noqa: E402
from studies.sweep import evaluate  # noqa: E402

SCALE = 0.03


@pytest.fixture(scope="module")
def experiment_set():
    m = ema_model(uncertainties=["herders.bass_q_per_year", "enterprises.level_shares_other"],
                  levers=["promotion_centres", "link_beijing"], timings=True, reps=2, base_seed=5,
                  scale=SCALE)
    with SequentialEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=6, policies=2)
    return m, experiments, outcomes


def test_model_declares_the_problem(experiment_set):
    m, experiments, outcomes = experiment_set
    assert {p.name for p in m.levers} == {"promotion_centres", "link_beijing", "promotion_centres__start",
                                          "link_beijing__start"}
    # shares: one unit coordinate fewer than shares, so every sampled vector sums to one
    assert {p.name for p in m.uncertainties} == {"herders__bass_q_per_year",
                                                 *(f"enterprises__level_shares_other__u{i}" for i in range(4))}
    assert set(outcomes) == set(PROBLEM.outcome_names())
    assert len(experiments) == 12 and all(len(v) == 12 for v in outcomes.values())


def test_outcomes_are_the_mean_of_the_projects_replications(experiment_set):
    """An EMA experiment is the sweep's point with the same seeds: replication means agree."""
    m, experiments, outcomes = experiment_set
    point = point_of(experiments.iloc[3], m)
    assert abs(sum(point["enterprises.level_shares_other"]) - 1) < 1e-9
    frame = evaluate(pd.DataFrame([point]), reps=2, base_seed=5, scale=SCALE, workers=1, progress=False)
    for name in ("T4", "firm_adoption_share", "public_cost_cny_cum", "T4_met"):
        assert outcomes[name][3] == pytest.approx(frame[name].mean(), rel=1e-12)


def test_prim_runs_on_the_cast_experiments(experiment_set):
    m, experiments, outcomes = experiment_set
    x = prim_ready(experiments, m)
    assert all(pd.api.types.is_float_dtype(x[c]) for c in x.columns)
    y = outcomes["firm_adoption_share"] > np.median(outcomes["firm_adoption_share"])
    box = prim.Prim(x, y).find_box()
    box.inspect()            # fails on raw bool columns under pandas 3 (EMA 3.0.0)
    box.resample(1)          # fails on raw int columns under pandas 3 (EMA 3.0.0)
    assert set(box.box_lims[-1].columns) == set(x.columns)


def test_time_series_outcomes_and_constants():
    m = ema_model(uncertainties=["herders.bass_q_per_year"], levers=["promotion_centres"], reps=2, base_seed=5,
                  scale=SCALE, until=2025, outcomes=["T1"], series=["herder_platform_share", "datasets"],
                  constants={"datacentres.build_months": 9, "link_beijing": True})
    assert {c.name for c in m.constants} >= {"datacentres__build_months", "link_beijing"}
    with SequentialEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=2, policies=1)
    share = outcomes["herder_platform_share__monthly"]
    assert share.shape == (2, 12) and np.isfinite(share).all()
    # each series is the mean over the replications of the runs with the constants in place
    point = {**point_of(experiments.iloc[0], m), "datacentres.build_months": 9, "link_beijing": True}
    runs = evaluate(pd.DataFrame([point]), reps=2, base_seed=5, scale=SCALE, until=2025, workers=1,
                    monthly=False, progress=False)
    assert outcomes["T1"][0] == pytest.approx(runs["T1"].mean(), nan_ok=True)
    with pytest.raises(KeyError, match=r"unknown lever or parameter 'datacentres\.nope'"):
        ema_model(levers=["promotion_centres"], uncertainties=["herders.bass_q_per_year"],
                  constants={"datacentres.nope": 1})
    with pytest.raises(ValueError, match="also sampled"):
        ema_model(levers=["promotion_centres"], uncertainties=["herders.bass_q_per_year"],
                  constants={"promotion_centres": 2})


def test_dask_evaluator_gives_the_sequential_results():
    pytest.importorskip("distributed")
    from studies.ema import DaskEvaluator

    m = ema_model(uncertainties=["herders.bass_q_per_year"], levers=["promotion_centres"], reps=1, base_seed=5,
                  scale=SCALE, until=2025, outcomes=["T1", "herder_platform_share"], series=["datasets"])
    seeded = {"uncertainty_sampling_kwargs": {"rng": 4}, "lever_sampling_kwargs": {"rng": 5}}
    with SequentialEvaluator(m) as ev:
        e1, o1 = ev.perform_experiments(scenarios=3, policies=1, **seeded)
    with DaskEvaluator(m, dask_local=2) as ev:
        e2, o2 = ev.perform_experiments(scenarios=3, policies=1, **seeded)
    pd.testing.assert_frame_equal(prim_ready(e1, m), prim_ready(e2, m))     # (EMA numbers scenarios globally)
    for k in o1:
        np.testing.assert_array_equal(o1[k], o2[k])
