"""Counties (coverage, the data-sharing loop), talent flows and data centres."""

import numpy as np
import pytest

from model import datacentres as dc
from model.counties import build_infrastructure
from model.model import SteppeModel
from model.params import CountyParams, DataCentreParams, TalentParams


@pytest.fixture
def model():
    return SteppeModel(seed=0, scale=0.05)


def run_sharing(county, p, opening, months=120):
    for _ in range(months):
        county.update_sharing(p, opening)
    return county.sharing_quality


def test_sharing_loop_has_a_vicious_circle_and_opening_lifts_it_out(model):
    p = CountyParams()
    banner = next(c for c in model.counties if c.county_id == "abag")
    seat = next(c for c in model.counties if c.county_id == "xilinhot")
    low = run_sharing(banner, p, opening=0.0)
    high = run_sharing(seat, p, opening=0.0)
    assert low < 0.2 < 0.6 < high                        # two stable states: bistable loop
    banner.sharing_quality, banner.sharing_use = 0.42, banner.use_target(p)
    lifted = run_sharing(banner, p, opening=0.6)
    assert lifted > 0.5 and banner.sharing_trend > 0              # out of the circle, still rising
    assert run_sharing(banner, p, opening=0.6, months=240) < 1    # and quality stays a share


def test_infrastructure_spends_no_more_than_needed_and_coverage_stays_a_share(model):
    p = CountyParams()
    need = sum(c.uncovered_households * c.connect_cost_cny for c in model.counties)
    spent, _ = build_infrastructure(model.counties, p, 1e13, 0.0)
    assert spent <= need + 1 and spent > 0
    assert all(0 <= c.coverage_rural <= 1 + 1e-12 for c in model.counties)
    spent2, _ = build_infrastructure(model.counties, p, 1e13, 0.5)
    assert spent2 == pytest.approx(0.0, abs=1e-3)        # nothing left to cover: nothing spent


def test_pastoral_targeting_moves_coverage_to_pastoral_banners():
    p = CountyParams()
    out = {}
    for share in (0.0, 1.0):
        m = SteppeModel(seed=0, scale=0.05)
        build_infrastructure(m.counties, p, 2e8, share)
        out[share] = np.mean([c.coverage_rural for c in m.counties if c.pastoral])
    assert out[1.0] > out[0.0]


def test_talent_people_are_conserved(model):
    t, p = model.talent, TalentParams()
    demand = model.talent_demand()
    for _ in range(24):
        before = t.pool.sum()
        flows = t.step(p, demand, 500.0, 500.0, 50000.0)
        change = t.pool.sum() - before
        assert change == pytest.approx(flows["retained"] + flows["arrivals"] - flows["departures"]
                                       - flows["attrition"], rel=1e-9, abs=1e-9)
        assert np.all(t.pool >= 0)


def test_attraction_subsidy_and_training_raise_the_pool():
    p = TalentParams()
    pools = []
    for seats, subsidy in ((0.0, 0.0), (2000.0, 0.0), (0.0, 100000.0)):
        m = SteppeModel(seed=0, scale=0.05)
        d = m.talent_demand()
        for _ in range(12):
            m.talent.step(p, d, seats, seats, subsidy)
        pools.append(m.talent.pool.sum())
    assert pools[1] > pools[0] and pools[2] > pools[0]


def test_higher_wage_draws_movers():
    m = SteppeModel(seed=0, scale=0.05)
    p = TalentParams()
    d = m.talent_demand()
    base = m.talent.pool.copy()
    m.talent.wage[3] *= 1.5
    m.talent.step(p, d, 0.0, 0.0, 0.0)
    m2 = SteppeModel(seed=0, scale=0.05)
    m2.talent.step(p, d, 0.0, 0.0, 0.0)
    assert m.talent.pool[3] - base[3] > m2.talent.pool[3] - base[3]


def test_links_and_cheap_power_raise_external_demand():
    p = DataCentreParams()
    plain = dc.external_demand_p(p, 12, False, False, 0.36)
    assert dc.external_demand_p(p, 12, True, False, 0.36) > plain
    assert dc.external_demand_p(p, 12, False, True, 0.36) > plain
    assert dc.external_demand_p(p, 12, False, False, 0.25) > plain
    assert dc.external_demand_p(p, 24, False, False, 0.36) > plain


def run_fleet(planned, months=36, requirement=0.8):
    m = SteppeModel(seed=0, scale=0.05)
    p = DataCentreParams()
    hist: list[float] = []
    util = []
    for month in range(months):
        out = dc.step_fleet(m.sites, p, month, local_demand_p=100.0, link_beijing=False,
                            link_horinger=False, price=0.36, green_requirement=requirement,
                            planned_p_per_year=planned, demand_history=hist)
        cap = sum(s.capacity_p for s in m.sites)
        util.append(out["served_p"] / cap)
        assert all(s.capacity_p >= 0 and s.served_p <= s.capacity_p + 1e-9 for s in m.sites)
    return m, util


def test_capacity_without_demand_shows_as_low_utilisation():
    _, util_plain = run_fleet(0.0)
    m, util_built = run_fleet(20000.0)
    assert util_built[-1] < 0.6 * util_plain[-1]
    new = sum(s.new_capacity_p for s in m.sites)
    green = sum(s.new_green_p for s in m.sites)
    assert new > 0 and green / new >= 0.8 - 1e-9
