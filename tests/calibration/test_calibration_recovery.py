"""Recovery: synthetic observations from known parameters, calibrate on them with ABC-SMC, and
the known values must fall inside the 90% posterior intervals (small budget; the full study is
the slow test below)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from calibration.abc import Progress, Runner, Settings, identifiability, run_abc, weighted_quantile
from calibration.space import scalar_space, scenario_with
from calibration.targets import Target, TargetSet, measure_run
from model.run import simulate

TRUTH = {"herders.bass_q_per_year": 0.48, "talent.adequacy_initial": 0.62}


def synthetic_targets(truth: dict[str, float], scale: float, seeds: range) -> TargetSet:
    """Targets whose observed values are the mean measures of runs at ``truth``, with a tolerance
    of twice their seed-to-seed spread (at least 0.005)."""
    shapes = [
        ("platform_rise", "herder_platform_share", "change"),
        ("platform_end", "herder_platform_share", "end"),
        ("talent_end", "talent_adequacy", "end"),
        ("talent_start", "talent_adequacy", "start"),
    ]
    proto = [Target(id=i, kind="figure", label=i, table="league", column=c, statistic=s,
                    window=("2025-01", "2027-12"), tolerance=1.0, source="synthetic", note="synthetic",
                    observed=0.0) for i, c, s in shapes]
    runs = [measure_run(proto, simulate(scenario_with(truth), seed=s, scale=scale, source="hand-set")) for s in seeds]
    out = []
    for t in proto:
        v = np.array([r[t.id] for r in runs])
        out.append(Target(**{**t.__dict__, "observed": float(v.mean()),
                             "tolerance": max(2 * float(v.std(ddof=1)), 0.005)}))
    return TargetSet(tuple(out), "<synthetic>", "", 2027)


def recover(tmp_path, truth, scale, population, generations, budget_runs):
    space = scalar_space().subset(list(truth))
    targets = synthetic_targets(truth, scale, range(900, 904))
    settings = Settings(scale=scale, population=population, max_generations=generations, min_epsilon=0.3,
                        budget_runs=budget_runs, budget_minutes=None, seed=3)
    runner = Runner(workers=1)
    post, facts = run_abc(space, targets, settings, runner, tmp_path, lambda s: None,
                          Progress(time.monotonic(), budget_runs, None, 0))
    return space, post, facts


def test_known_parameters_fall_in_the_90_percent_posterior_intervals(tmp_path):
    space, post, facts = recover(tmp_path, TRUTH, scale=0.02, population=30, generations=3, budget_runs=400)
    assert facts["generations"] >= 2
    assert facts["epsilons"][-1] < facts["epsilons"][0]       # the fit tightened
    for name, value in TRUTH.items():
        lo, hi = weighted_quantile(post[name].to_numpy(), post["weight"].to_numpy(), [0.05, 0.95])
        assert lo <= value <= hi, (name, value, lo, hi)
    ident = identifiability(space, post).set_index("parameter")
    # the initial talent adequacy is what talent_start measures: the data pin it down
    assert ident.loc["talent.adequacy_initial", "width_ratio"] < 0.5


@pytest.mark.slow
def test_recovery_full_study(tmp_path):
    truth = {"herders.bass_q_per_year": 0.3, "herders.bass_p_per_year": 0.04, "talent.adequacy_initial": 0.85,
             "talent.out_rate_per_year": 0.02}
    _, post, _ = recover(tmp_path, truth, scale=0.1, population=100, generations=6, budget_runs=5000)
    for name, value in truth.items():
        lo, hi = weighted_quantile(post[name].to_numpy(), post["weight"].to_numpy(), [0.05, 0.95])
        assert lo <= value <= hi, (name, value, lo, hi)
