"""Enterprises: census totals, the barrier rule, the levers that relieve each barrier."""

import dataclasses

import numpy as np
import pytest
from scipy import sparse

from model.counties import load_counties
from model.enterprises import DATA, Enterprises, step_cost_cny, upgrade_hazard_per_year
from model.params import EnterpriseParams

P = EnterpriseParams()


def make(scale=1.0, seed=0):
    c = load_counties(2.35)
    seat = int(np.flatnonzero(c["county_id"] == "xilinhot")[0])
    f = Enterprises.create(c["firm_weight"].to_numpy(), seat, P, 0.6, 0.4, scale,
                           np.random.default_rng(seed))
    f.set_value_added(60e9)
    return f


def test_league_totals_match_census():
    f = make()
    incumbents = f.is_data & f.active
    assert incumbents.sum() == 693
    assert np.bincount(f.category[incumbents]).tolist() == [7, 164, 331, 191]
    assert f.employees[incumbents].sum() == pytest.approx(4362, rel=1e-5)
    assert f.employees.min() >= 1
    assert f.revenue0_cny[incumbents].sum() == pytest.approx(25.04e8, rel=1e-6)
    assert f.active.sum() == pytest.approx(19000, abs=5)
    assert f.is_lead.sum() == 262 + 69
    assert np.all(f.link[incumbents] >= 0) and np.all(f.link[~f.is_data] == -1)


def test_barriers_each_hold_the_hazard_back():
    one = np.ones(3)
    free = upgrade_hazard_per_year(0.3 * one, 0 * one, 0 * one, 0 * one, one, one, one, one)
    held = upgrade_hazard_per_year(0.3 * one, np.array([0.5, 0, 0]), np.array([0, 0.5, 0]),
                                   np.array([0, 0, 0.5]), one, one, one, one)
    assert np.allclose(held, free / 2)
    costs = step_cost_cny(P, np.array([0, 1, 4]), np.array([10.0, 10.0, 10.0]))
    assert costs.tolist() == [P.step_cost_cny[0], P.step_cost_cny[1], 0.0]


def upgrades(f, rng_seed=0, months=12, **kw):
    base = dict(subsidy_rate=0.0, centres=0, credit_left_cny=0.0, demos_by_sector=np.zeros(5),
                security_relief=0.0, talent_factor=np.ones(13), sharing_quality=np.full(13, 0.5),
                price_premium=0.0)
    base.update(kw)
    rng = np.random.default_rng(rng_seed)
    total = {"upgrades": 0.0, "loans": 0.0, "capex": 0.0, "subsidy": 0.0, "own_funds": 0.0}
    for _ in range(months):
        out = f.upgrade(P, rng=rng, **base)
        for k in total:
            total[k] += out[k]
    return total


@pytest.mark.parametrize("lever", [
    {"subsidy_rate": 0.4}, {"centres": 10}, {"credit_left_cny": 1e12},
    {"demos_by_sector": np.full(5, 10.0)}, {"security_relief": 0.3},
])
def test_each_lever_raises_upgrades_with_common_draws(lever):
    low = upgrades(make(scale=0.3))
    high = upgrades(make(scale=0.3), **lever)
    assert high["upgrades"] > low["upgrades"]


def test_talent_shortage_holds_upgrades_back():
    short = upgrades(make(scale=0.3), talent_factor=np.full(13, 0.4))
    full = upgrades(make(scale=0.3))
    assert short["upgrades"] < full["upgrades"]


def test_money_adds_up_and_loans_stay_within_credit():
    out = upgrades(make(scale=0.3), subsidy_rate=0.3, credit_left_cny=5e6, months=1)
    assert out["loans"] <= 5e6 + 1e-6
    assert out["capex"] == pytest.approx(out["own_funds"] + out["subsidy"] + out["loans"])
    assert out["subsidy"] == pytest.approx(0.3 * out["capex"])


def test_supplier_pull_counts_customers_above():
    f = make(scale=0.05)
    n = f.n
    ties = sparse.csr_array((np.ones(2, np.float32), ([0, 0], [1, 2])), shape=(n, n))
    f = dataclasses.replace(f, supplies=ties, n_customers=np.asarray(ties.sum(axis=1), dtype=np.float32))
    f.level[:3] = [1, 3, 0]
    pull = f.supplier_pull()
    assert pull[0] == pytest.approx(0.5) and pull[1:].sum() == 0


def test_ai_programmes_lift_data_driven_firms_to_top():
    f = make(scale=0.3)
    before = (f.level == 4).sum()
    eligible = f.active & (f.level == 3)
    cost = step_cost_cny(P, f.level, f.employees)
    out = f.promote_to_top(5, np.random.default_rng(0), P, 0.2)
    lifted = eligible & (f.level == 4)
    assert out["lifted"] == 5 and (f.level == 4).sum() == before + 5
    assert out["capex"] == pytest.approx(cost[lifted].sum() * f.weight) and out["capex"] > 0
    assert out["capex"] == pytest.approx(out["subsidy"] + out["own_funds"])
    assert out["subsidy"] == pytest.approx(0.2 * out["capex"])
    assert np.all(f.sector[f.level == 4] >= 0) and DATA == 4
