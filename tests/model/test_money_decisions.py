"""Agents decide on money (issue 6): responses with common random numbers, measured against
FACTS, and the accounts of value added, jobs and credit."""

import tomllib

import numpy as np
import pytest

from model.enterprises import ENERGY_INTENSIVE, ration_credit
from model.model import SteppeModel
from model.params import KEY_SECTORS, Parameters
from model.run import simulate
from model.scenario import parse_scenario
from model.settings import SettingError
from model.talent import gravity_elasticities, league_adequacy

SEEDS = (0, 1, 2)


def scenario(text: str):
    return parse_scenario(text, tomllib.loads(text), "t", "t.toml")


def end(text: str, column: str, scale: float = 0.05, seeds=SEEDS, source: str | None = None) -> np.ndarray:
    sc = scenario(text)
    return np.array([simulate(sc, seed=s, scale=scale, source=source).league[column].iloc[-1] for s in seeds])


def benefit_text(factor: float) -> str:
    return ("[parameters.herders]\n"
            f"cost_cut_reference_cny_per_year = {25000.0 * factor}\n"
            f"output_gain_reference_cny_per_year = {27000.0 * factor}\n")


def test_herder_benefit_drives_adoption():
    # At the hand-set values, where the mechanism was designed. At the (stale) posterior central set of
    # 2026-12-01 the response is weaker: base - zero was 0.0085, under the 0.01 asked here (issue 17).
    zero, base, high = (end(benefit_text(k), "herder_platform_share", source="hand-set") for k in (0.0, 1.0, 4.0))
    assert np.all(zero < base) and np.all(base < high)          # in every seed (common draws)
    assert high.mean() - base.mean() > 0.01 and base.mean() - zero.mean() > 0.01


def test_realised_benefit_comes_out_near_seed_000():
    """The reference parameters (25,000 and 27,000) are not the figures adopters realise: these
    come out of who adopts (herd, market access, usefulness of shared data, traceability)."""
    r = simulate(seed=0, scale=0.2).league.iloc[:12]
    cut = r["herder_cost_cut_cny_per_adopter"].mean()
    out = r["herder_output_gain_cny_per_adopter"].mean()
    assert cut == pytest.approx(16000, rel=0.1)
    assert out == pytest.approx(20000, rel=0.1)
    assert r["herder_benefit_cny_per_adopter"].mean() == pytest.approx(cut + out, rel=1e-9)
    # Usefulness of shared data is part of the realised benefit: a lower floor lowers it.
    low = simulate(scenario("[parameters.herders]\nusefulness_floor = 0.2\n"), seed=0,
                   scale=0.2).league.iloc[:12]["herder_benefit_cny_per_adopter"].mean()
    assert low < 0.9 * (cut + out)


def test_device_subsidy_raises_adoption_in_proportion():
    lo, mid, hi = (end(f"[levers]\nherder_device_subsidy_rate = {x}\n", "herder_platform_share")
                   for x in (0.0, 0.5, 1.0))
    assert np.all(lo < mid) and np.all(mid < hi)


def test_credit_quota_binds_then_stops_binding():
    runs = {}
    for q in (1e3, 5e6, 5e8, 5e9):
        sc = scenario(f"[levers]\ncredit_quota_cny_per_year = {q}\n")
        runs[q] = [simulate(sc, seed=s, scale=0.1) for s in SEEDS[:2]]
    for q, rs in runs.items():
        for r in rs:
            by_year = r.league.groupby("year")["enterprise_loans_cny_cum"].last().diff().fillna(
                r.league.groupby("year")["enterprise_loans_cny_cum"].last().iloc[0])
            assert (by_year <= q * (1 + 1e-9)).all()
    refused = {q: sum(r.league["firm_credit_refused"].sum() for r in rs) for q, rs in runs.items()}
    assert refused[5e6] > 0 and refused[5e8] == 0                 # binding, then slack
    level = {q: np.array([r.league["firm_mean_level"].iloc[-1] for r in rs]) for q, rs in runs.items()}
    assert np.all(level[5e8] > level[1e3])                          # credit helps ...
    assert np.array_equal(level[5e8], level[5e9])                   # ... until it stops binding


def test_credit_is_shared_in_order_within_the_quota():
    loans = np.array([5.0, 3.0, 4.0, 1.0])
    order = np.array([0.9, 0.1, 0.5, 0.7])
    ok = ration_credit(loans, order, 8.0)
    assert ok.tolist() == [False, True, True, True]     # 3 + 4 + 1 = 8 fits, the last in line waits
    assert ration_credit(loans, order, 1e9).all() and not ration_credit(loans, order, 0.5).any()


def test_energy_premium_pushes_upgrades_and_drains_own_funds():
    m = SteppeModel(seed=0, scale=0.1)
    f, p = m.firms, m.params.enterprises
    ei = np.isin(f.sector, ENERGY_INTENSIVE) & f.active
    assert ei.any()
    gain0, gain1 = f.step_gain_cny_per_year(p, 0.0), f.step_gain_cny_per_year(p, 0.1)
    own0, own1 = f.own_funds_cny(p, 0.0), f.own_funds_cny(p, 0.1)
    assert np.all(gain1[ei] > gain0[ei]) and np.all(gain1[~ei] == gain0[~ei])
    assert np.all(own1[ei] < own0[ei]) and np.all(own1[~ei] == own0[~ei])
    # Whole run: the premium is paid (booked as revenue) and the net effect on adoption of
    # energy-intensive firms comes out of the trade-off (here: the drain dominates).
    r0 = simulate(scenario("[levers]\nenergy_price_premium_cny_per_kwh = 0\n"), seed=0, scale=0.1)
    r1 = simulate(scenario("[levers]\nenergy_price_premium_cny_per_kwh = 0.3\n"), seed=0, scale=0.1)
    assert r1.league["energy_premium_revenue_cny_cum"].iloc[-1] > 1e9
    assert r0.league["energy_premium_revenue_cny_cum"].iloc[-1] == 0


def test_training_seats_and_attraction_subsidy_raise_talent():
    base = end("", "talent_adequacy")
    seats = end("[levers]\ntalent_training_seats_per_year = 3000\n", "talent_adequacy")
    lure = end("[levers]\ntalent_attraction_subsidy_cny_per_year = 100000\n", "talent_adequacy")
    assert np.all(seats > base) and np.all(lure > base)


def test_arrivals_rise_with_league_wages_and_the_subsidy():
    def arrivals(wage_factor: float, subsidy: float) -> float:
        m = SteppeModel(seed=0, scale=0.05)
        m.talent.wage *= wage_factor
        return m.talent.step(m.params.talent, m.talent_demand(), 0.0, 0.0, subsidy)["arrivals"]
    base = arrivals(1.0, 0.0)
    assert arrivals(1.1, 0.0) / base == pytest.approx(1.1 ** 1.82, rel=1e-6)
    assert arrivals(1.0, 30000.0) > base


def test_gravity_elasticities_measured_on_simulated_flows_match_facts():
    m = SteppeModel(scenario("[levers]\ntalent_training_seats_per_year = 1000\n"), seed=0, scale=0.1)
    months = []
    for _ in range(36):
        m.step()
        months.append(m.talent.last_flows)
    e = gravity_elasticities(months, m.talent.distance_km, m.talent.amenity)
    assert e["destination_wage"] == pytest.approx(1.82, abs=0.15)
    assert e["origin_wage"] == pytest.approx(-0.83, abs=0.15)
    placed = months[-1]["placed"]
    assert (placed > 0).sum() == len(m.counties)               # graduates go to every county ...
    assert placed.argmax() == m.seat and placed[m.seat] < placed.sum()   # ... most to the seat


def test_graduate_retention_at_start_and_one_adequacy_definition():
    m = SteppeModel(seed=0, scale=0.05)
    t = m.talent.step(m.params.talent, m.talent_demand(), 0.0, 1200.0, 0.0)
    assert t["retained"] / t["graduates"] == pytest.approx(m.params.talent.graduate_retention, rel=0.02)
    pool, demand = np.array([5.0, 20.0, 0.0]), np.array([10.0, 10.0, 0.0])
    assert league_adequacy(pool, demand) == pytest.approx(0.75)   # the surplus county does not count
    r = simulate(scenario("[levers]\ntalent_training_seats_per_year = 10000\n"
                          "talent_attraction_subsidy_cny_per_year = 200000\n"), seed=0, scale=0.05)
    assert r.league["talent_adequacy"].max() <= 1.0 and r.counties["talent_adequacy"].max() <= 1.0


def test_value_added_matches_gdp_at_start_and_adds_up():
    m = SteppeModel(seed=0, scale=0.1)
    p = m.params.enterprises
    row = m.recorder.economy_columns(m.recorder.initial_scale_cny)
    assert row["gdp_cny_per_year"] == pytest.approx(p.league_gdp_cny, rel=1e-9)
    m.run()
    lg = m.recorder.league[-1]
    f, h = m.firms, m.herders
    parts = (m.gdp_outside_cny + f.value_added_cny().sum() * f.weight
             + h.income_now_cny().sum() * h.weight + lg["digital_industrialisation_cny_per_year"])
    assert lg["gdp_cny_per_year"] == pytest.approx(parts, rel=1e-9)
    assert lg["gdp_cny_per_year"] > p.league_gdp_cny                  # upgrades raise value added
    assert 0 < lg["core_digital_share_gdp"] < lg["digital_economy_share_gdp"] < 1


def test_upgrades_raise_value_added_after_a_lag():
    m = SteppeModel(seed=0, scale=0.1)
    f, p = m.firms, m.params.enterprises
    i = int(np.flatnonzero(~f.is_data & (f.level == 1))[0])
    f.level[i] = 2
    f.update_value_added(p)
    first = f.va_uplift[i]
    for _ in range(120):
        f.update_value_added(p)
    assert 0 < first < 0.2 * p.va_gain_per_step[1]
    assert f.va_uplift[i] == pytest.approx(p.va_gain_per_step[1], rel=1e-3)


def test_jobs_by_sector_and_county_add_up_to_the_league():
    r = simulate(scenario("[levers]\ntransformation_subsidy_rate = 0.4\n"), seed=0, scale=0.1)
    lg = r.league.iloc[-1]
    last = r.counties[r.counties["date"] == r.counties["date"].max()]
    for kind in ("routine_lost", "digital_created"):
        total = lg[f"jobs_{kind}"]
        assert total > 0
        assert last[f"jobs_{kind}"].sum() == pytest.approx(total, rel=1e-9)
        assert sum(lg[f"jobs_{kind}_{s}"] for s in KEY_SECTORS) == pytest.approx(total, rel=1e-9)
    assert lg["jobs_net_change"] == pytest.approx(lg["jobs_digital_created"] - lg["jobs_routine_lost"])


def test_ai_plus_programmes_book_capex():
    r0 = simulate(scenario(""), seed=0, scale=0.1)
    r1 = simulate(scenario("[levers]\nai_plus_programmes_per_year = 30\n"), seed=0, scale=0.1)
    assert r1.league["enterprise_capex_cny_cum"].iloc[-1] > r0.league["enterprise_capex_cny_cum"].iloc[-1]


@pytest.mark.parametrize(("key", "value"), [
    ("level_shares_other", [1, 0, 0, 0, 0]),
    ("digital_spend_share", [0, 0, 0, 0, 0]),
])
def test_validation_rejects_settings_that_cannot_run(key, value):
    with pytest.raises(SettingError, match=r"parameters\.enterprises\.digital_spend_share"):
        Parameters().with_overrides({"enterprises": {key: value}}, "parameters")


def test_traceability_is_taken_up_on_its_own_gain_net_of_its_fee():
    cheap = end("[parameters.herders]\ntrace_fee_cny_per_year = 0\ntrace_output_premium = 0.5\n",
                "herder_trace_share")
    dear = end("[parameters.herders]\ntrace_fee_cny_per_year = 3000\ntrace_output_premium = 0.0\n",
               "herder_trace_share")
    assert np.all(cheap > dear)
