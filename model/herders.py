"""Herder households, kept as arrays (one entry per household at scale 1).

Each month a household may be connected (as its county's coverage grows), trained (herder
training lever), adopt the livestock digital platform, and, once on the platform, adopt
traceability/e-commerce. Households decide on money: the platform's expected yearly benefit (a
cost cut plus an output gain, both scaling with the herd; the output gain also with market access
and traceability; both with the usefulness of the county's shared data) against its yearly cost
(the device net of subsidy spread over its life, plus service fees). A household doubts part of
the benefit until its ties show it (social learning). The net benefit sets the household's
willingness (logistic in net benefit / income); adoption follows a Bass-type hazard on the
household's social ties, scaled by literacy, willingness and the cash constraint of paying for
the device up front (affordability). Platform users take up traceability/e-commerce the same way,
on its extra output gain net of its fee. Adopters realise the benefit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from model.networks import bass_tie_factor, mean_clustering, neighbour_share, social_ties
from model.params import HerderParams


def literacy_factor(literacy: np.ndarray, exponent: float) -> np.ndarray:
    """(literacy / 0.5)^exponent: 1 for a household of middling literacy."""
    return ((literacy / 0.5) ** exponent).astype(np.float32)


def platform_hazard_per_year(p: float, q: float, tie_share: np.ndarray, literacy_f: np.ndarray,
                             willingness: np.ndarray, afford: np.ndarray) -> np.ndarray:
    """Bass hazard ``p + q * share of adopting ties``, scaled by the literacy factor (1 for a
    household of middling literacy), the household's willingness (0-1, from net benefit) and
    its cash constraint (affordability of the device up front, 1 when free)."""
    return (p + q * tie_share) * literacy_f * willingness * afford


def affordability(device_cost_cny: float, subsidy_rate: float, income_cny: np.ndarray,
                  scale: float) -> np.ndarray:
    """exp(-up-front net device cost / (scale * income)): 1 when the device is free."""
    return np.exp(-device_cost_cny * (1.0 - subsidy_rate) / (scale * income_cny))


def trace_hazard_per_year(p: float, q: float, tie_share: np.ndarray, literacy_f: np.ndarray,
                          willingness: np.ndarray) -> np.ndarray:
    """Traceability/e-commerce among platform users: the same form, no device needed; the
    willingness comes from the extra output gain net of the traceability fee."""
    return (p + q * tie_share) * literacy_f * willingness


def logistic_willingness(gain_cny: np.ndarray, tie_share: np.ndarray, doubt: float, cost_cny: float,
                         inv_income_scale: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-(gain (1 - doubt (1 - tie share)) - cost) / (scale x income))), with
    ``inv_income_scale`` = 1 / (scale x income); computed in place on one temporary."""
    x = tie_share * np.float32(doubt)
    x += np.float32(1.0 - doubt)
    x *= gain_cny
    x -= np.float32(cost_cny)
    x *= inv_income_scale
    np.clip(x, -50.0, 50.0, out=x)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    return np.reciprocal(x, out=x)


def market_access(p: HerderParams, distance_beijing_km: np.ndarray) -> np.ndarray:
    """County market access for livestock products: (distance / league mean)^-elasticity."""
    d = np.asarray(distance_beijing_km, float)
    return (d / d.mean()) ** -p.market_access_elasticity


def herd_size_factor(p: HerderParams, herd_rel: np.ndarray) -> np.ndarray:
    """(herd / league mean herd)^benefit_herd_elasticity."""
    return (herd_rel ** p.benefit_herd_elasticity).astype(np.float32)


def benefit_cny_per_year(p: HerderParams, herd_rel: np.ndarray, access: np.ndarray,
                         usefulness: np.ndarray, trace: np.ndarray,
                         size_f: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(cost cut, output gain) per household and year if on the platform. ``herd_rel`` is the herd
    over the league mean (or pass its ``size_f`` = herd_size_factor, cached); ``access`` and
    ``usefulness`` are per household (county values)."""
    size = (herd_size_factor(p, herd_rel) if size_f is None else size_f) * usefulness
    cost_cut = p.cost_cut_reference_cny_per_year * size
    output = p.output_gain_reference_cny_per_year * size * access * (1 + p.trace_output_premium * trace)
    return cost_cut, output


def yearly_cost_cny(p: HerderParams, subsidy_rate: float) -> float:
    """Yearly cost of being on the platform: device net of subsidy over its life, plus fees."""
    return p.device_cost_cny * (1.0 - subsidy_rate) / p.device_life_years + p.service_fee_cny_per_year


def willingness(perceived_net_cny: np.ndarray, income_cny: np.ndarray, scale: float) -> np.ndarray:
    """Logistic in net benefit / (scale x income): 1/2 at zero net benefit (the plain form of
    :func:`logistic_willingness`)."""
    x = np.clip(perceived_net_cny / (scale * income_cny), -50.0, 50.0)
    return 1.0 / (1.0 + np.exp(-x))


def platform_usefulness(p: HerderParams, sharing_use: np.ndarray) -> np.ndarray:
    """Usefulness of the platform in each county: the floor where nobody uses shared data, 1
    where everybody does (seed 004's loop reaches herders here)."""
    return p.usefulness_floor + (1 - p.usefulness_floor) * sharing_use


def monthly_probability(hazard_per_year: np.ndarray) -> np.ndarray:
    return 1.0 - np.exp(-hazard_per_year / 12.0)


def bass_population_curve(share0: float, p: float, q: float, months: int) -> np.ndarray:
    """Population-level Bass curve in the model's monthly steps (complete mixing): each month a
    non-adopter adopts with probability ``1 - exp(-(p + q F) / 12)``, F the adopting share at the
    start of the month. Returns F at months 0..``months``."""
    out = np.empty(months + 1)
    out[0] = share0
    for t in range(months):
        out[t + 1] = out[t] + (1 - out[t]) * (1 - np.exp(-(p + q * out[t]) / 12))
    return out


def bass_network_curve(ties: sparse.csr_array, degree: np.ndarray, adopted: np.ndarray, p: float,
                       q_tie: float, months: int, rng: np.random.Generator) -> np.ndarray:
    """The model's Bass kernel alone on a network: each month a non-adopter adopts with
    probability ``1 - exp(-(p + q_tie f) / 12)``, f the share of its ties that have adopted
    (synchronous, as in :meth:`Herders.step`). Returns the adopting share at months 0..``months``."""
    x = adopted.copy()
    out = np.empty(months + 1)
    out[0] = x.mean()
    for t in range(months):
        u = rng.random(x.size, dtype=np.float32)
        x |= u < monthly_probability(p + q_tie * neighbour_share(ties, x, degree))
        out[t + 1] = x.mean()
    return out


@dataclass
class Herders:
    """Struct of arrays; ``weight`` households per array entry (1 / scale)."""

    county: np.ndarray        # int16, county index
    herd_head: np.ndarray     # float32, livestock head
    income_cny: np.ndarray    # float32, household disposable income per year
    literacy: np.ndarray      # float32, digital literacy 0-1
    connected: np.ndarray     # bool
    trained: np.ndarray       # bool
    platform: np.ndarray      # bool, livestock digital platform
    trace: np.ndarray         # bool, traceability / e-commerce
    ties: sparse.csr_array
    degree: np.ndarray
    weight: float
    tie_stats: tuple[float, float] | None = None   # cached (mean degree, mean clustering) of ``ties``
    literacy_f: np.ndarray | None = None   # cached literacy factor, updated on training
    herd_rel: np.ndarray | None = None     # cached herd / league mean herd
    size_f: np.ndarray | None = None       # cached herd_size_factor (and the base_* arrays, see _cache)
    income_total_cny: float = 0.0          # base income of all entries (unweighted sum), cached
    benefit_by_county: np.ndarray | None = None      # realised benefit per county (weighted, CNY/year)
    afford: tuple[float, np.ndarray] | None = None  # cached (subsidy rate, affordability)
    realised: tuple[np.ndarray, np.ndarray] | None = None  # (adopters, yearly benefit they realise)

    @classmethod
    def create(cls, households: np.ndarray, pastoral: np.ndarray, coverage: np.ndarray,
               p: HerderParams, scale: float, rng: np.random.Generator) -> Herders:
        """Synthesise households per county (``households`` at full scale)."""
        n_per = np.maximum(np.rint(households * scale), 1).astype(np.int64)
        county = np.repeat(np.arange(households.size), n_per).astype(np.int16)
        n = county.size
        weight = float(households.sum() / n)
        herd_rel = np.where(pastoral[county], p.herd_factor_pastoral, 1.0) * rng.lognormal(
            -p.herd_sigma**2 / 2, p.herd_sigma, n)
        herd = herd_rel * p.livestock_head / (herd_rel.sum() * weight)
        mean_income = p.income_cny_per_capita * p.household_size_persons
        income = mean_income * np.sqrt(herd_rel) / np.sqrt(herd_rel).mean()
        mean_lit = p.literacy_mean + np.where(pastoral[county], p.literacy_pastoral_offset, 0.0)
        a = mean_lit * p.literacy_concentration
        literacy = rng.beta(a, p.literacy_concentration - a)
        connected = rng.random(n) < coverage[county]
        lit_weight = literacy / literacy.mean()
        platform = connected & (rng.random(n) < p.platform_initial_share * lit_weight)
        trace = platform & (rng.random(n) < p.trace_initial_share)
        ties = social_ties(county, p.ties_neighbours, p.ties_kin, p.ties_cross_share, rng)
        degree = np.asarray(ties.sum(axis=1), dtype=np.float32)
        return cls(county=county, herd_head=herd.astype(np.float32),
                   income_cny=income.astype(np.float32), literacy=literacy.astype(np.float32),
                   connected=connected, trained=np.zeros(n, bool), platform=platform,
                   trace=trace, ties=ties, degree=degree, weight=weight)

    def tie_q(self, q_per_year: float) -> float:
        """Per-tie imitation rate on this network for a population-level ``q_per_year`` (FACTS):
        q times :func:`model.networks.bass_tie_factor` of the ties' mean degree and clustering."""
        if self.tie_stats is None:
            self.tie_stats = (float(self.degree.mean()), mean_clustering(self.ties))
        return q_per_year * bass_tie_factor(*self.tie_stats, q_per_year)

    @property
    def n(self) -> int:
        return self.county.size

    def step(self, p: HerderParams, coverage_before: np.ndarray, coverage_after: np.ndarray,
             usefulness: np.ndarray, training_per_year: float, device_subsidy_rate: float,
             rng: np.random.Generator, market_access_c: np.ndarray | None = None) -> dict[str, float]:
        """One month. Draws a fixed number of random numbers whatever the state, so that runs
        with the same seed share their draws (common random numbers). ``usefulness`` and
        ``market_access_c`` are per county (access 1 everywhere when not given). Returns money
        (CNY this month) and counts in households (weighted); ``benefit`` is what adopters
        realise this month (cost cut + output gain)."""
        u_connect, u_train, u_platform, u_trace = rng.random((4, self.n), dtype=np.float32)

        gain = (coverage_after - coverage_before) / np.maximum(1.0 - coverage_before, 1e-12)
        self.connected |= u_connect < gain[self.county]

        untrained = ~self.trained
        n_untrained = untrained.sum()
        wanted = training_per_year / 12.0 / self.weight
        p_train = min(1.0, wanted / n_untrained) if n_untrained else 0.0
        newly_trained = untrained & (u_train < p_train)
        self.trained |= newly_trained
        if self.literacy_f is None:
            self.literacy_f = literacy_factor(self.literacy, p.literacy_exponent)
        if newly_trained.any():
            idx = np.flatnonzero(newly_trained)
            self.literacy[idx] += p.training_literacy_gain * (1 - self.literacy[idx])
            self.literacy_f[idx] = literacy_factor(self.literacy[idx], p.literacy_exponent)
        self._cache(p, market_access_c)
        useful = usefulness.astype(np.float32)[self.county]
        share = neighbour_share(self.ties, self.platform, self.degree)
        # Expected benefit (cost cut + output gain, no traceability yet) discounted by doubt until
        # ties show it, net of the yearly cost; full-size arrays are cheaper than gathers here.
        will = logistic_willingness(useful * self.base_benefit, share, p.benefit_doubt,
                                    yearly_cost_cny(p, device_subsidy_rate), self.inv_income_scale)
        if self.afford is None or self.afford[0] != device_subsidy_rate:
            self.afford = (device_subsidy_rate, affordability(
                p.device_cost_cny, device_subsidy_rate, self.income_cny, p.affordability_scale
            ).astype(np.float32))
        hazard = platform_hazard_per_year(p.bass_p_per_year, self.tie_q(p.bass_q_per_year), share,
                                          self.literacy_f, will, self.afford[1])
        adopt = self.connected & ~self.platform & (u_platform < monthly_probability(hazard))
        trace_share = neighbour_share(self.ties, self.trace, self.degree)
        trace_will = logistic_willingness(useful * self.base_out * np.float32(p.trace_output_premium),
                                          trace_share, p.benefit_doubt, p.trace_fee_cny_per_year,
                                          self.inv_income_scale)
        trace_hazard = trace_hazard_per_year(p.trace_p_per_year, self.tie_q(p.trace_q_per_year), trace_share,
                                             self.literacy_f, trace_will)
        take_trace = self.platform & ~self.trace & (u_trace < monthly_probability(trace_hazard))

        self.platform |= adopt
        self.trace |= take_trace
        new = adopt.sum() * self.weight
        on, cut, out = self.realise(p, usefulness, market_access_c)
        return {
            "trained": newly_trained.sum() * self.weight,
            "new_adopters": new,
            "adopters": on.size * self.weight,
            "device_spend": new * p.device_cost_cny,
            "device_subsidy": new * p.device_cost_cny * device_subsidy_rate,
            "service_fees": on.size * self.weight * p.service_fee_cny_per_year / 12.0,
            "cost_cut": float(cut.sum()) * self.weight / 12.0,
            "output_gain": float(out.sum()) * self.weight / 12.0,
            "benefit": float(cut.sum() + out.sum()) * self.weight / 12.0,
        }

    def _cache(self, p: HerderParams, market_access_c: np.ndarray | None) -> None:
        """Constants of the population, computed once: herd size factor, the cost-cut and
        output-gain parts of the benefit before data usefulness, income scale of willingness."""
        if self.size_f is None:
            self.herd_rel = (self.herd_head / self.herd_head.mean()).astype(np.float32)
            self.size_f = herd_size_factor(p, self.herd_rel)
            self.income_total_cny = float(self.income_cny.astype(float).sum())
            access = np.ones(self.n, np.float32) if market_access_c is None else (
                np.asarray(market_access_c, np.float32)[self.county])
            self.base_cut = self.size_f * np.float32(p.cost_cut_reference_cny_per_year)
            self.base_out = self.size_f * np.float32(p.output_gain_reference_cny_per_year) * access
            self.base_benefit = self.base_cut + self.base_out
            self.inv_income_scale = (1.0 / (p.benefit_logit_scale * self.income_cny)).astype(np.float32)

    def realise(self, p: HerderParams, usefulness: np.ndarray,
                market_access_c: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Set the yearly benefit each adopter realises now (and its county totals); returns
        (adopters, cost cuts, output gains) of the adopters. Same as :func:`benefit_cny_per_year`."""
        self._cache(p, market_access_c)
        on = np.flatnonzero(self.platform)
        cc = self.county[on]
        useful = np.asarray(usefulness, float)[cc]
        cut = self.base_cut[on] * useful                       # float64 from here: money adds up
        out = self.base_out[on] * useful * (1 + p.trace_output_premium * self.trace[on])
        self.realised = (on, cut + out)
        self.benefit_by_county = np.bincount(cc, weights=cut + out, minlength=usefulness.size) * self.weight
        return on, cut, out

    @property
    def realised_benefit_cny(self) -> np.ndarray:
        """Yearly benefit each household realises now (0 for non-adopters)."""
        out = np.zeros(self.n)
        if self.realised is not None:
            out[self.realised[0]] = self.realised[1]
        return out

    def income_now_cny(self) -> np.ndarray:
        """Yearly household income now: the base income plus the benefit an adopter realises."""
        return self.income_cny.astype(float) + self.realised_benefit_cny

    def income_total_now_cny(self) -> float:
        """Weighted league total of :meth:`income_now_cny`, without a pass over all households."""
        extra = 0.0 if self.benefit_by_county is None else float(self.benefit_by_county.sum())
        return self.income_total_cny * self.weight + extra

    def by_county(self, values: np.ndarray, n_counties: int) -> np.ndarray:
        """Weighted count of ``values`` per county."""
        return np.bincount(self.county, weights=values, minlength=n_counties) * self.weight
