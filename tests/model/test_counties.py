"""Counties: infrastructure coverage and the data-sharing loop of seed 004, driven by agents."""

import tomllib

import numpy as np
import pytest

from model.counties import build_infrastructure
from model.model import SteppeModel
from model.params import CountyParams
from model.run import simulate
from model.scenario import parse_scenario


@pytest.fixture
def model():
    return SteppeModel(seed=0, scale=0.05)


def scenario(text):
    return parse_scenario(text, tomllib.loads(text), "t", "t.toml")


def settle(county, p, opening, potential, quality, months=240):
    county.sharing_quality, county.sharing_use = quality, 0.5
    county.sharing_use = 1 / (1 + np.exp(-p.sharing_use_steepness * (quality - p.sharing_use_midpoint)))
    for _ in range(months):
        county.update_sharing(p, opening, potential)
    return county.sharing_quality


def test_sharing_loop_is_a_vicious_circle_that_depends_on_potential_users(model):
    p = CountyParams()
    banner = next(c for c in model.counties if c.county_id == "abag")
    # few potential users: only the low state; many: only the high state
    assert settle(banner, p, 0.2, potential=0.12, quality=0.8) < 0.3
    assert settle(banner, p, 0.2, potential=0.40, quality=0.1) > 0.6
    # in between both states are stable: where a county starts decides (the vicious circle)
    low = settle(banner, p, 0.2, potential=0.24, quality=0.15)
    high = settle(banner, p, 0.2, potential=0.24, quality=0.7)
    assert low < 0.3 < 0.6 < high
    # opening lifts a low county out, and quality stays a share
    lifted = settle(banner, p, 0.8, potential=0.16, quality=0.15)
    assert 0.5 < lifted < 1


def test_counties_start_from_different_levels_set_by_their_agents():
    m = SteppeModel(seed=0, scale=0.1)
    q = m.vector("sharing_quality")
    pot = m.vector("sharing_potential")
    assert q.max() - q.min() > 0.2
    # the seat and the agro-pastoral banners (more coverage, platform users) start above the pastoral ones
    pastoral = np.array([c.pastoral for c in m.counties])
    assert q[~pastoral].mean() > q[pastoral].mean() + 0.1
    assert pot[~pastoral].mean() > pot[pastoral].mean()


LIFT = """
[levers]
public_data_opening = 0.7
herder_device_subsidy_rate = 1.0
herder_training_per_year = 30000
infra_budget_cny_per_year = 2e8
infra_pastoral_share = 0.8
"""


def lowest_county_path(text: str, seed: int) -> tuple[str, np.ndarray]:
    r = simulate(scenario("until = 2030\n" + text), seed=seed, scale=0.1)
    c = r.counties
    first = c[c["date"] == c["date"].min()].set_index("county_id")["sharing_users"]
    low = str(first.idxmin())
    return low, c[c["county_id"] == low]["sharing_quality"].to_numpy()


@pytest.mark.parametrize("seed", [0, 1])
def test_low_use_county_stays_low_without_levers_and_recovers_with_them(seed):
    p = CountyParams()
    name, base = lowest_county_path("", seed)
    name2, lifted = lowest_county_path(LIFT, seed)
    assert name == name2                                    # same county: levers start in 2025
    assert base[-1] < p.sharing_use_midpoint and base[-1] <= base[0] + 0.02    # stuck low to 2030
    assert lifted[-1] > p.sharing_use_midpoint + 0.15 and lifted[-1] > base[-1] + 0.2


def test_the_divide_comes_from_agents():
    """Levers that act only on herders (device subsidy, training) change the counties' data
    quality through their use of shared data; the old county equation ignored agents."""
    text = "[levers]\nherder_device_subsidy_rate = 1.0\nherder_training_per_year = 40000\n"
    base = simulate(scenario(""), seed=0, scale=0.1).counties
    herd = simulate(scenario(text), seed=0, scale=0.1).counties
    last = base["date"].max()
    b = base[base["date"] == last].set_index("county_id")
    h = herd[herd["date"] == last].set_index("county_id")
    assert (h["sharing_users"] - b["sharing_users"]).max() > 0.01
    assert (h["sharing_quality"] - b["sharing_quality"]).max() > 0.01


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
