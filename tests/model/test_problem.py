"""The problem definition lists every lever and prior-carrying parameter once, and reads a run."""

from __future__ import annotations

import dataclasses
import json
import math

from model.levers import Levers
from model.problem import PROBLEM, outcomes_of


def test_every_lever_is_declared_once_with_its_group():
    names = [v.name for v in PROBLEM.levers]
    assert names == [f.name for f in dataclasses.fields(Levers)]
    assert all(v.group for v in PROBLEM.levers)


def test_uncertainties_are_the_parameters_with_a_prior():
    names = {v.name for v in PROBLEM.uncertainties}
    assert "herders.bass_q_per_year" in names
    assert "herders.livestock_head" not in names          # a sourced fact, no prior
    assert all(v.prior is not None for v in PROBLEM.uncertainties)


def test_problem_is_json_ready():
    text = json.dumps(PROBLEM.as_dict(), ensure_ascii=False)
    assert '"T1"' in text and "数据产业" in text


def test_outcomes_of_a_run(baseline_small):
    out = outcomes_of(baseline_small)
    assert set(o.name for o in PROBLEM.outcomes) <= set(out)
    assert out["T5"] == baseline_small.targets["T5"]["value"]
    assert out["T6_met"] in (0.0, 1.0) and not math.isnan(out["T1"])
