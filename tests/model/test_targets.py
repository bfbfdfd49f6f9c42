"""The 2027 targets are outcomes, not rules: under one fixed lever setting each target is met with
some behavioural parameters (within their priors) and missed with others, and the levers meant
for it move it in the documented direction (paired runs, common random numbers)."""

import json
import tomllib
from pathlib import Path

import pytest

from experiments.target_checks import CASES, GATED, plan_with, with_levers
from model.run import simulate
from model.scenario import parse_scenario
from steppe.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLAN = (ROOT / "scenarios" / "full_plan_003.toml").read_text(encoding="utf-8")


def scenario(text):
    return parse_scenario(text, tomllib.loads(text), "t", "t.toml")


def targets(text, seed=0, scale=0.1):
    return simulate(scenario(text), seed=seed, scale=scale).targets


def test_targets_json_has_every_target(tmp_path):
    assert main(["run", "--scale", "0.05", "--out", str(tmp_path / "o")]) == 0
    t = json.loads((tmp_path / "o" / "targets.json").read_text())
    assert list(t) == [f"T{i}" for i in range(1, 9)]
    for v in t.values():
        assert {"value", "target", "unit", "met", "gap"} <= set(v)
        assert v["met"] in (True, False)
        assert v["value"] is not None                       # every target defined, T6 included
        assert abs(v["gap"] - (v["value"] - v["target"])) < 1e-6


# Under the full plan of seed 003: parameters (within priors) with which each target is met, and
# with which it is missed; experiments/target_checks.py holds the table and prints it.
MET_AND_MISSED = CASES


@pytest.mark.parametrize("tid", sorted(MET_AND_MISSED))
def test_each_target_is_met_with_some_parameters_and_missed_with_others(tid):
    good, bad = MET_AND_MISSED[tid]
    met = targets(with_levers(tid, good))[tid]
    missed = targets(with_levers(tid, bad))[tid]
    assert met["met"] is True, met
    assert missed["met"] is False, missed


@pytest.mark.parametrize("tid", sorted(GATED))
def test_gated_targets_are_decided_by_their_lever(tid):
    """Policy-gated (docs/ODD.md §1.3): with the gating lever set, the target is the same whatever
    the parameters (T3, T7: 0 without the base or pilots; T6: 80 under the approval condition,
    unless cheap green power takes it above)."""
    values = {targets(plan_with(GATED[tid]) + "\n" + extra)[tid]["value"] for extra in ("", *CASES[tid])}
    if tid == "T6":
        assert min(values) >= 80 - 1e-6
    else:
        assert values == {0.0}


# lever meant for the target: (low setting, high setting, target, direction)
LEVER_EFFECTS = [
    ("", "[levers]\nlink_beijing = true\n", "T1", +1),
    ("[levers]\npublic_data_opening = 0.1\n", "[levers]\npublic_data_opening = 0.8\n", "T2", +1),
    ("[levers]\nexchange_service_base = false\n", "[levers]\nexchange_service_base = true\n", "T3", +1),
    ("[levers]\ndemonstration_projects_per_year = 0\n", "[levers]\ndemonstration_projects_per_year = 12\n",
     "T4", +1),
    ("[levers]\nai_plus_programmes_per_year = 0\n", "[levers]\nai_plus_programmes_per_year = 12\n", "T4", +1),
    ("", "[levers]\ndc_planned_build_p_per_year = 20000\n", "T5", +1),
    ("", "[levers]\nlink_beijing = true\nlink_horinger = true\n", "T5", +1),
    ("[levers]\ndc_green_approval = true\ndc_green_power_requirement = 0.5\n",
     "[levers]\ndc_green_approval = true\ndc_green_power_requirement = 0.9\n", "T6", +1),
    ("", "[levers]\ndc_green_approval = true\n", "T6", +1),
    ("", "[levers]\ndataset_commissions_per_industry_per_year = 1\n", "T2", +1),
    ("[levers]\nauthorised_operation_pilots = 0\n", "[levers]\nauthorised_operation_pilots = 2\n", "T7", +1),
    ("[levers]\nexchange_service_base = false\n",
     "[levers]\nexchange_service_base = true\nauthorised_operation_pilots = 3\n", "T8", +1),
]


@pytest.mark.parametrize(("low", "high", "tid", "sign"), LEVER_EFFECTS)
def test_levers_move_their_targets_in_the_documented_direction(low, high, tid, sign):
    diffs = [targets(high, seed)[tid]["value"] - targets(low, seed)[tid]["value"] for seed in (0, 1)]
    assert sum(diffs) * sign > 0, diffs
    assert all(d * sign >= 0 for d in diffs), diffs


def test_security_spending_moves_the_security_link():
    low = targets("[levers]\ndata_security_cny_per_year = 0\n")["T8"]["detail"]["activity"]["security"]
    high = targets("[levers]\ndata_security_cny_per_year = 1e8\n")["T8"]["detail"]["activity"]["security"]
    assert high > low


def test_short_horizon_leaves_met_unknown():
    t = simulate(scenario("until = 2026\n"), seed=0, scale=0.05).targets
    assert all(v["met"] is None for v in t.values())
    assert t["T1"]["evaluated_at"] == "2026-12"


def test_t5_needs_both_clusters():
    t = simulate(scenario("[levers]\ndc_planned_build_p_per_year = 40000\n"), seed=0, scale=0.05).targets["T5"]
    south, edge = t["detail"]["south_p"], t["detail"]["edge_p"]
    assert t["met"] == (t["value"] > 50000 and south >= 40000 and edge > 10000)
