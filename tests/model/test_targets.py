"""The 2027 targets: shape of targets.json, rules of met/missed, levers that reach them."""

import json
import tomllib

from model.run import simulate
from model.scenario import parse_scenario
from steppe.cli import main


def scenario(text):
    return parse_scenario(text, tomllib.loads(text), "t", "t.toml")


def test_targets_json_has_every_target(tmp_path):
    assert main(["run", "--scale", "0.05", "--out", str(tmp_path / "o")]) == 0
    t = json.loads((tmp_path / "o" / "targets.json").read_text())
    assert list(t) == [f"T{i}" for i in range(1, 9)]
    for v in t.values():
        assert {"value", "target", "unit", "met", "gap"} <= set(v)
        assert v["met"] in (True, False)
        if v["value"] is not None:
            assert abs(v["gap"] - (v["value"] - v["target"])) < 1e-6


def test_institutional_levers_reach_their_targets():
    off = simulate(scenario(""), seed=0, scale=0.1).targets
    on = simulate(scenario(
        "[levers]\nexchange_service_base = true\nauthorised_operation_pilots = 1\n"
        "public_data_opening = 0.6\ndata_security_cny_per_year = 3e7\n"), seed=0, scale=0.1).targets
    assert off["T3"]["value"] == 0 and not off["T3"]["met"]
    assert off["T7"]["value"] == 0 and on["T7"]["met"]
    assert on["T3"]["value"] > 0
    assert on["T8"]["value"] > off["T8"]["value"]


def test_planned_build_and_links_raise_compute():
    off = simulate(scenario(""), seed=0, scale=0.05).targets["T5"]
    on = simulate(scenario("[levers]\ndc_planned_build_p_per_year = 20000\nlink_beijing = true\n"),
                  seed=0, scale=0.05).targets["T5"]
    assert on["value"] > off["value"] + 20000


def test_short_horizon_leaves_met_unknown():
    t = simulate(scenario("until = 2026\n"), seed=0, scale=0.05).targets
    assert all(v["met"] is None for v in t.values())
    assert t["T1"]["evaluated_at"] == "2026-12"


def test_t5_needs_both_clusters():
    t = simulate(scenario("[levers]\ndc_planned_build_p_per_year = 40000\n"), seed=0, scale=0.05).targets["T5"]
    south, edge = t["detail"]["south_p"], t["detail"]["edge_p"]
    assert t["met"] == (t["value"] > 50000 and south >= 40000 and edge > 10000)
