"""Responses with common random numbers: more of a supportive lever never lowers adoption."""

import tomllib

import numpy as np
import pytest

from model.run import simulate
from model.scenario import parse_scenario

SEEDS = (0, 1, 2)


def end_value(levers: str, column: str) -> np.ndarray:
    text = f"[levers]\n{levers}\n"
    sc = parse_scenario(text, tomllib.loads(text), "r", "r.toml")
    return np.array([simulate(sc, seed=s, scale=0.1).league[column].iloc[-1] for s in SEEDS])


@pytest.mark.parametrize(("low", "high", "column"), [
    ("transformation_subsidy_rate = 0.0", "transformation_subsidy_rate = 0.4", "firm_adoption_share"),
    ("herder_training_per_year = 0", "herder_training_per_year = 30000", "herder_platform_share"),
    ("infra_budget_cny_per_year = 0", "infra_budget_cny_per_year = 3e8", "herder_platform_share"),
    ("talent_training_seats_per_year = 0", "talent_training_seats_per_year = 3000", "firm_adoption_share"),
    ("promotion_centres = 0", "promotion_centres = 10", "firm_adoption_share"),
    ("herder_device_subsidy_rate = 0", "herder_device_subsidy_rate = 1", "herder_platform_share"),
])
def test_more_support_never_lowers_adoption(low, high, column):
    lo, hi = end_value(low, column), end_value(high, column)
    assert hi.mean() > lo.mean()
    assert np.all(hi >= lo - 0.01)      # common seeds: no replication reverses by more than noise


def test_levers_that_do_not_touch_herders_leave_their_path_identical():
    a = end_value("", "herder_platform_share")
    b = end_value("exchange_service_base = true\nai_plus_programmes_per_year = 10", "herder_platform_share")
    assert np.array_equal(a, b)
