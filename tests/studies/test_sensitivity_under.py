"""Sensitivity under the plan: parameters vary while a scenario's levers hold; results under 2024
policy say so; the deep uncertainties are an input set of their own."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from model.problem import PROBLEM, outcomes_of
from model.run import simulate
from steppe.cli import main
from studies import sensitivity as sa
from studies.deep import deep_uncertainties
from studies.points import StudyError, with_parameters

DEEP2 = ["datacentres.build_months", "datacentres.price_elasticity"]


def _study(under):
    inputs, _ = sa.select_inputs("deep", DEEP2)
    return sa.Study("morris", "deep", inputs, ["T1", "T5", "targets_met"], 2, scale=0.02, under=under)


def test_deep_inputs_are_the_deep_uncertainties_over_their_ranges():
    inputs, skipped = sa.select_inputs("deep")
    deep, _ = deep_uncertainties()
    assert [(i.name, i.low, i.high) for i in inputs] == [(d.name, d.low, d.high) for d in deep] and not skipped
    with pytest.raises(StudyError, match="not a deep uncertainty"):
        sa.select_inputs("deep", ["herders.bass_q_per_year", "datacentres.build_months"])


def test_runs_under_the_plan_are_the_plans_runs_with_the_sampled_parameters(tmp_path):
    study = _study("full_plan_003")
    assert study.policy_label() == "under full_plan_003"
    assert _study(None).policy_label() == sa.BASELINE_LABEL
    sa.run_study(study, tmp_path / "plan", workers=1)
    design = json.loads((tmp_path / "plan" / "design.json").read_text())
    assert design["policy"] == "under full_plan_003" and design["key"]["under_sha256"]
    runs = pd.read_parquet(tmp_path / "plan" / "runs.parquet")
    samples = pd.read_csv(tmp_path / "plan" / "samples.csv")
    row = samples.iloc[1]
    sc = with_parameters(study.base_scenario(), {n: row[n] for n in DEEP2})
    run = runs[runs["point_id"] == 1].iloc[0]          # (a row of mixed columns: the seed as a float)
    seed = int(runs.loc[runs["point_id"] == 1, "seed"].iloc[0])
    expected = outcomes_of(simulate(sc, seed=seed, scale=0.02))
    assert all(run[k] == v or (pd.isna(run[k]) and pd.isna(v)) for k, v in expected.items())
    text = sa.summary_text(sa.run_study(_study(None), tmp_path / "base", workers=1), _study(None))
    assert "2024 policy" in text
    assert "deep uncertainties: 2 varied over their ranges as inputs (datacentres.build_months, " \
           "datacentres.price_elasticity); the other 13 at their central values" in text
    base = pd.read_parquet(tmp_path / "base" / "runs.parquet")
    assert (base["public_cost_cny_cum"] < runs["public_cost_cny_cum"]).all()
    # a different --under is another design
    with pytest.raises(StudyError, match="another design"):
        sa.run_study(_study("baseline"), tmp_path / "plan")


def test_under_is_checked(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["sensitivity", "--method", "morris", "--over", "deep", "--under", "no_plan", "--out", str(out)]) == 2
    assert "--under 'no_plan': neither a scenario file nor a library package" in capsys.readouterr().err
    assert main(["sensitivity", "--method", "morris", "--over", "levers", "--under", "full_plan_003",
                 "--inputs", "link_beijing", "ai_plus_programmes_per_year", "--budget", "2", "--out", str(out)]) == 2
    assert "--under with --over levers" in capsys.readouterr().err
    assert not out.exists()
    assert PROBLEM.variable("datacentres.build_months").kind == "integer"
