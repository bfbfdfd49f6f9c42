"""The Python API: model.simulate(levers=..., parameters=...), and every way in validates alike
(numpy scalars accepted, near-bound values snapped, everything else refused with the message of
the scenario-file path)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import model
from model.levers import Levers
from model.params import EnterpriseParams, HerderParams, Parameters
from model.problem import PROBLEM
from model.run import point_of
from model.run import simulate as run_simulate
from model.scenario import Scenario, ScenarioError, load_scenario
from model.settings import SettingError

SCALE = 0.05


def test_import_model_is_cheap():
    code = "import sys, model; print(sorted(m for m in ('mesa', 'pandas', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_simulate_a_point_returns_tables_and_targets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = model.simulate(levers={"promotion_centres": np.int64(3), "link_beijing": np.True_},
                       parameters={"herders.bass_q_per_year": 0.45}, seed=2, scale=SCALE, until=2026)
    assert len(r.league) == 24 and r.scenario.until == 2026
    assert set(r.targets) == {f"T{i}" for i in range(1, 9)} and r.targets["T4"]["met"] is None
    assert r.scenario.levers.promotion_centres == 3 and r.scenario.levers.link_beijing is True
    assert r.scenario.parameters.herders.bass_q_per_year == 0.45
    assert not any(tmp_path.iterdir())                     # nothing written
    same = run_simulate(PROBLEM.scenario({"promotion_centres": 3, "link_beijing": True,
                                          "herders.bass_q_per_year": 0.45}, until=2026), seed=2, scale=SCALE)
    assert r.league.equals(same.league)


def test_parameters_in_every_form_agree():
    # a whole Parameters object names every parameter, so no source value applies to it: compare with
    # the hand-set source (the default source fills the parameters a mapping leaves out)
    a = PROBLEM.point({"herders.bass_q_per_year": 0.45}, source="hand-set")
    b = PROBLEM.point(point_of(None, {"herders": {"bass_q_per_year": 0.45}}), source="hand-set")
    p = dataclasses.replace(Parameters(), herders=HerderParams(bass_q_per_year=0.45))
    c = PROBLEM.point(point_of(None, p))
    assert a.parameters == b.parameters == c.parameters


def test_near_bound_values_are_snapped_and_numpy_scalars_accepted():
    assert Levers(infra_pastoral_share=1.0000000000000002).infra_pastoral_share == 1.0
    assert Levers(infra_pastoral_share=-1e-17).infra_pastoral_share == 0.0
    assert Levers(promotion_centres=np.float64(3.0000000000000004)).promotion_centres == 3
    lv = Levers(promotion_centres=np.int64(4), link_beijing=np.bool_(True), compute_voucher_rate=np.float32(0.25))
    assert type(lv.promotion_centres) is int and lv.link_beijing is True and type(lv.compute_voucher_rate) is float
    s = PROBLEM.scenario({"herders.bass_q_per_year": 0.6000000000000001})   # SALib's 0.6
    assert s.parameters.herders.bass_q_per_year == 0.6


@pytest.mark.parametrize(("values", "message"), [
    ({"promotion_centres": 3.7}, "promotion_centres: 3.7 is not allowed; expected a whole number in [0, 30] (centres)"),
    ({"transformation_subsidy_rate": 5.0}, "transformation_subsidy_rate: 5.0 is out of range; allowed a number in "
                                           "[0, 0.6] (share of capex)"),
    ({"link_beijing": "yes"}, "link_beijing: 'yes' is not allowed; expected true or false"),
    ({"infra_pastoral_share": 1.001}, "infra_pastoral_share: 1.001 is out of range"),
])
def test_every_entry_point_refuses_alike(tmp_path, values, message):
    (key, value), = values.items()
    toml = tmp_path / "bad.toml"
    toml.write_text(f"[levers]\n{key} = {value!r}\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(toml)
    with pytest.raises(SettingError) as from_api:
        model.simulate(levers=values, scale=SCALE)
    with pytest.raises(SettingError) as direct:
        Levers(**values)
    for exc in (from_file, from_api, direct):
        assert message in str(exc.value)
    assert str(from_file.value).startswith(str(toml))
    assert str(direct.value).startswith("levers.")


def test_parameter_groups_and_scenarios_validate_on_construction():
    with pytest.raises(SettingError, match=r"parameters.herders.bass_q_per_year: 0.9 is out of range"):
        HerderParams(bass_q_per_year=0.9)
    with pytest.raises(SettingError, match="shares sum to 2"):
        EnterpriseParams(sector_shares=(0.5, 0.5, 0.5, 0.5))
    with pytest.raises(SettingError, match="non-decreasing"):
        EnterpriseParams(step_cost_cny=(1e5, 5e4, 6e5, 2e6))
    with pytest.raises(SettingError, match=r"parameters\.herders: expected a HerderParams, not dict"):
        Parameters(herders={"bass_q_per_year": 0.45})
    with pytest.raises(SettingError, match="until 2040"):
        Scenario(until=2040)
    with pytest.raises(SettingError, match=r"promotion_centres: 3\.7"):
        Scenario(changes=((3, {"promotion_centres": 3.7}),))


def test_lever_timing_is_a_variable_of_the_space():
    s = PROBLEM.scenario({"promotion_centres": 5, "promotion_centres__start": "2026-07"})
    timeline = s.lever_timeline()
    assert timeline[17].promotion_centres == Levers().promotion_centres and timeline[18].promotion_centres == 5
    assert PROBLEM.scenario({"promotion_centres": 5, "promotion_centres__start": np.int64(18)}).changes == s.changes
    with pytest.raises(SettingError, match="outside the run"):
        PROBLEM.scenario({"promotion_centres": 5, "promotion_centres__start": "2028-01"})
    with pytest.raises(SettingError, match="whole number in \\[0, 35\\]"):
        PROBLEM.scenario({"promotion_centres": 5, "promotion_centres__start": 40})


def test_vector_from_unit_gives_valid_vectors():
    from model.problem import vector_from_unit

    rng = np.random.default_rng(0)
    vectors = [v for v in PROBLEM.uncertainties if v.kind == "vector"]
    assert {"increasing", "decreasing", "simplex"} <= {v.constraint for v in vectors}
    for v in vectors:
        group = type(getattr(Parameters(), v.group))
        for _ in range(50):
            vec = vector_from_unit(v, rng.random(v.size))
            assert group(**{v.key: vec}) is not None       # raises if the constraint is broken
            assert all(v.low <= x <= v.high for x in vec)
