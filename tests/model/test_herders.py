"""Herder households: the adoption rule, training, connection and the synthetic population."""

import numpy as np
import pytest

from model.counties import load_counties
from model.herders import (
    Herders,
    affordability,
    benefit_cny_per_year,
    literacy_factor,
    monthly_probability,
    platform_hazard_per_year,
    willingness,
    yearly_cost_cny,
)
from model.params import HerderParams

P = HerderParams()


def make(scale=0.2, seed=0, coverage=0.6):
    c = load_counties(P.household_size_persons)
    pastoral = (c["economy"] == "pastoral").to_numpy()
    return Herders.create(c["rural_households"].to_numpy(), pastoral,
                          np.full(len(c), coverage), P, scale, np.random.default_rng(seed)), c


def test_hazard_rises_with_adopting_ties_literacy_and_willingness():
    share = np.array([0.0, 0.5, 1.0])
    lit = np.full(3, 0.5)
    one = np.ones(3)
    h = platform_hazard_per_year(0.03, 0.38, share, literacy_factor(lit, 1.0), one, one)
    assert np.all(np.diff(h) > 0)
    assert h[0] == pytest.approx(0.03)            # reference household, fully willing: plain Bass p
    lit_up = platform_hazard_per_year(0.03, 0.38, share, literacy_factor(lit + 0.2, 1.0), one, one)
    assert np.all(lit_up > h)
    half = platform_hazard_per_year(0.03, 0.38, share, literacy_factor(lit, 1.0), one / 2, one)
    assert np.allclose(half, h / 2)
    cheap = affordability(3000, 0.5, np.full(3, 40000.0), 0.15)
    dear = affordability(3000, 0.0, np.full(3, 40000.0), 0.15)
    assert np.all(cheap > dear) and np.allclose(affordability(3000, 1.0, np.ones(3), 0.15), 1.0)
    assert monthly_probability(np.array([12.0]))[0] == pytest.approx(1 - np.exp(-1))


def test_willingness_follows_net_benefit_and_the_device_subsidy_cuts_the_cost():
    income = np.full(3, 40000.0)
    w = willingness(np.array([-20000.0, 0.0, 20000.0]), income, 0.3)
    assert w[1] == pytest.approx(0.5) and w[0] < 0.5 < w[2]
    assert yearly_cost_cny(P, 1.0) == pytest.approx(P.service_fee_cny_per_year)
    assert yearly_cost_cny(P, 0.0) == pytest.approx(P.service_fee_cny_per_year
                                                    + P.device_cost_cny / P.device_life_years)


def test_benefit_scales_with_herd_market_access_traceability_and_usefulness():
    herd = np.array([0.5, 1.0, 2.0])
    cut, out = benefit_cny_per_year(P, herd, np.ones(3), np.ones(3), np.zeros(3, bool))
    assert np.all(np.diff(cut) > 0) and np.all(np.diff(out) > 0)
    assert cut[1] == pytest.approx(P.cost_cut_reference_cny_per_year)
    assert out[1] == pytest.approx(P.output_gain_reference_cny_per_year)
    _, far = benefit_cny_per_year(P, herd, np.full(3, 0.5), np.ones(3), np.zeros(3, bool))
    _, traced = benefit_cny_per_year(P, herd, np.ones(3), np.ones(3), np.ones(3, bool))
    cut_low, _ = benefit_cny_per_year(P, herd, np.ones(3), np.full(3, 0.5), np.zeros(3, bool))
    assert np.all(far < out) and np.all(traced > out) and np.allclose(cut_low, cut / 2)


def test_population_matches_household_estimates_and_livestock():
    h, c = make(scale=1.0)
    per_county = h.by_county(np.ones(h.n), len(c))
    assert np.allclose(per_county, c["rural_households"], rtol=1e-3, atol=1)
    assert (h.herd_head.sum() * h.weight) == pytest.approx(P.livestock_head, rel=1e-4)
    assert h.literacy.min() >= 0 and h.literacy.max() <= 1


def test_ties_symmetric_without_self_loops_and_mostly_within_county():
    h, _ = make()
    a = h.ties
    assert (a != a.T).nnz == 0
    assert a.diagonal().sum() == 0
    rows = np.repeat(np.arange(h.n), np.diff(a.indptr))
    same = (h.county[rows] == h.county[a.indices]).mean()
    assert same > 0.95
    assert h.degree.mean() == pytest.approx(P.ties_neighbours + P.ties_kin, rel=0.25)


def test_connection_follows_coverage_and_training_raises_literacy():
    h, c = make(coverage=0.5)
    n = len(c)
    rng = np.random.default_rng(1)
    before = h.connected.mean()
    lit_before = h.literacy.copy()
    useful = np.ones(n)
    out = h.step(P, np.full(n, 0.5), np.full(n, 0.9), useful, 120000.0, 0.0, rng)
    assert h.connected.mean() == pytest.approx(0.9, abs=0.03) and h.connected.mean() > before
    trained = h.trained
    assert trained.any() and np.all(h.literacy[trained] > lit_before[trained])
    assert np.all(h.literacy[~trained] == lit_before[~trained])
    assert out["trained"] == pytest.approx(trained.sum() * h.weight)


def test_adopters_only_among_connected_and_never_unadopt():
    h, c = make(coverage=0.3)
    n = len(c)
    rng = np.random.default_rng(2)
    cov = np.full(n, 0.3)
    prev = h.platform.copy()
    for _ in range(24):
        h.step(P, cov, cov, np.ones(n), 0.0, 0.0, rng)
        assert np.all(h.platform[prev])
        assert not np.any(h.platform & ~h.connected)
        assert not np.any(h.trace & ~h.platform)
        prev = h.platform.copy()
