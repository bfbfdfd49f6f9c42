"""Whole-run invariants: shares in [0, 1], money and people conserved, capacities non-negative."""

import numpy as np
import pytest

from model.model import SteppeModel
from model.scenario import Scenario, parse_scenario

SHARE_COLUMNS = ["herder_connected_share", "herder_platform_share", "herder_trace_share",
                 "firm_adoption_share", "firm_shallow_share_of_adopters", "sharing_quality_mean",
                 "sharing_use_mean", "compute_utilisation", "digital_index_seat", "digital_index_min"]


def test_league_shares_stay_within_unit_interval(baseline_small):
    lg = baseline_small.league
    for col in SHARE_COLUMNS:
        assert lg[col].between(0, 1).all(), col
    levels = lg[[f"firm_level_{i}_share" for i in range(5)]].sum(axis=1)
    assert np.allclose(levels, 1.0)
    cty = baseline_small.counties
    for col in ["coverage_rural", "herder_platform_share", "firm_adoption_share", "sharing_quality",
                "talent_adequacy", "digital_index"]:
        assert cty[col].between(0, 1).all(), col


def test_compute_and_data_counts_are_consistent(baseline_small):
    lg = baseline_small.league
    assert (lg["compute_idle_p"] >= -1e-9).all() and (lg["compute_rent_cny_per_p_month"] > 0).all()
    assert np.allclose(lg["compute_idle_p"], lg["compute_capacity_p"] * (1 - lg["compute_utilisation"]))
    assert np.allclose(lg["cases"], lg["cases_demonstration"] + lg["cases_ai_plus"] + lg["cases_own"])
    assert (lg["data_products_developed"] >= lg["data_products_listed"] + lg["data_products_listed_elsewhere"]).all()
    for col in ["cases", "projects_failed", "pilots_failed", "compute_cancelled_p_cum", "compute_deferred_p_cum"]:
        assert lg[col].is_monotonic_increasing, col
    assert lg["green_share_new"].between(0, 1).all()


def test_capacities_and_stocks_never_negative(baseline_small):
    lg = baseline_small.league
    for col in ["compute_capacity_p", "compute_pipeline_p", "talent_pool", "data_products_listed",
                "datasets", "cases"]:
        assert (lg[col] >= 0).all(), col
    for col in ["compute_capacity_p", "datasets", "cases", "herders_trained", "public_cost_cny_cum"]:
        assert lg[col].is_monotonic_increasing, col


FULL_LEVERS = """
[levers]
transformation_subsidy_rate = 0.3
credit_quota_cny_per_year = 5e8
herder_device_subsidy_rate = 0.5
talent_attraction_subsidy_cny_per_year = 50000
dc_planned_build_p_per_year = 5000
compute_voucher_rate = 0.3
energy_price_premium_cny_per_kwh = 0.05
dc_electricity_price_cny_per_kwh = 0.3
ai_plus_programmes_per_year = 20
"""


@pytest.fixture(scope="module")
def busy_model():
    import tomllib
    sc = parse_scenario(FULL_LEVERS, tomllib.loads(FULL_LEVERS), "busy", "busy.toml")
    m = SteppeModel(sc, seed=1, scale=0.1)
    households = m.herders.n
    pools = [m.talent.pool.sum()]
    flows = []
    for _ in range(sc.months):
        m.step()
        pools.append(m.talent.pool.sum())
        flows.append(m.last_talent)
    assert m.herders.n == households
    return m, pools, flows


def test_money_adds_up(busy_model):
    m, _, _ = busy_model
    led = m.ledger
    close = {"rel": 1e-9, "abs": 1e-6}
    for year in (2025, 2026, 2027):
        capex = led.flow("enterprise_capex", year)
        assert capex > 0 and led.flow("enterprise_ai_plus_capex", year) > 0
        assert capex == pytest.approx(led.flow("enterprise_own_funds", year) + led.flow("enterprise_subsidy", year)
                                      + led.flow("enterprise_loans", year), **close)
        assert led.flow("enterprise_own_funds", year) >= 0 and led.flow("enterprise_loans", year) > 0
        assert led.flow("dc_capex", year) == pytest.approx(led.flow("dc_capex_private", year)
                                                           + led.flow("dc_capex_public", year), **close)
        assert led.flow("herder_device_spend", year) == pytest.approx(
            led.flow("herder_device_own", year) + led.flow("herder_device_subsidy", year), **close)
        assert led.flow("herder_benefit", year) == pytest.approx(
            led.flow("herder_cost_cut", year) + led.flow("herder_output_gain", year), **close)
        assert led.public[(year, "transformation_subsidy_rate")] == pytest.approx(
            led.flow("enterprise_subsidy", year), **close)
        assert led.public[(year, "infra_budget_cny_per_year")] == pytest.approx(
            led.flow("county_infra_league", year), **close)
        assert led.public[(year, "dc_planned_build_p_per_year")] == pytest.approx(
            led.flow("dc_capex_public", year), **close)
        assert led.public[(year, "credit_quota_cny_per_year")] == pytest.approx(
            led.flow("enterprise_loans", year) * m.params.enterprises.credit_public_cost_share, **close)
        assert led.flow("enterprise_loans", year) <= 5e8 * (1 + 1e-12)
    rows = led.lever_rows([2025, 2026, 2027])
    assert sum(r["cost_cny"] for r in rows) == pytest.approx(led.public_total(), rel=1e-9)


def test_output_and_jobs_add_up(busy_model):
    m, _, _ = busy_model
    f, h = m.firms, m.herders
    row = m.recorder.league[-1]
    gdp = (m.gdp_outside_cny + f.value_added_cny().sum() * f.weight + h.income_now_cny().sum() * h.weight
           + row["digital_industrialisation_cny_per_year"])
    assert row["gdp_cny_per_year"] == pytest.approx(gdp, rel=1e-9)
    lost, created = f.jobs_changed(m.params.enterprises)
    staff0 = f.employees.astype(float)[~f.is_data & f.active].sum()
    staff_now = staff0 - lost.sum() + created.sum()
    assert (staff_now - staff0) * f.weight == pytest.approx(row["jobs_net_change"], rel=1e-9)
    assert np.all(np.isfinite(f.value_added_cny())) and np.all(f.value_added_cny() >= 0)


def test_people_conserved_over_the_run(busy_model):
    _, pools, flows = busy_model
    inflow = sum(f["retained"] + f["arrivals"] for f in flows)
    outflow = sum(f["departures"] + f["attrition"] for f in flows)
    assert pools[-1] - pools[0] == pytest.approx(inflow - outflow, rel=1e-9)


def test_defaults_scenario_equals_empty_file():
    a = Scenario()
    b = parse_scenario("", {}, "x", "x.toml")
    assert a.levers == b.levers and a.parameters == b.parameters
