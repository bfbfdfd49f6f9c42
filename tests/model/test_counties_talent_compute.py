"""Talent flows between counties and out of the league. (County and compute tests moved to
test_counties.py and test_compute_market.py; this file keeps its name until the talent rewrite lands.)"""

import numpy as np
import pytest

from model.model import SteppeModel
from model.params import TalentParams


@pytest.fixture
def model():
    return SteppeModel(seed=0, scale=0.05)


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
