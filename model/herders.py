"""Herder households, kept as arrays (one entry per household at scale 1).

Each month a household may be connected (as its county's coverage grows), trained (herder
training lever), adopt the livestock digital platform, and, once on the platform, adopt
traceability/e-commerce. Adoption follows a Bass-type hazard on the household's social ties,
scaled by literacy, affordability of the device and the usefulness of the county's shared data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from model.networks import neighbour_share, social_ties
from model.params import HerderParams


def literacy_factor(literacy: np.ndarray, exponent: float) -> np.ndarray:
    """(literacy / 0.5)^exponent: 1 for a household of middling literacy."""
    return ((literacy / 0.5) ** exponent).astype(np.float32)


def platform_hazard_per_year(p: float, q: float, tie_share: np.ndarray, literacy_f: np.ndarray,
                             afford: np.ndarray, usefulness: np.ndarray) -> np.ndarray:
    """Bass hazard ``p + q * share of adopting ties``, scaled by the literacy factor,
    affordability and data usefulness (each 1 for a reference household)."""
    return (p + q * tie_share) * literacy_f * afford * usefulness


def trace_hazard_per_year(p: float, q: float, tie_share: np.ndarray, literacy_f: np.ndarray,
                          usefulness: np.ndarray) -> np.ndarray:
    """Traceability/e-commerce among platform users: the same form, no device needed."""
    return (p + q * tie_share) * literacy_f * usefulness


def affordability(device_cost_cny: float, subsidy_rate: float, income_cny: np.ndarray,
                  scale: float) -> np.ndarray:
    """exp(-net device cost / (scale * income)): 1 when the device is free."""
    return np.exp(-device_cost_cny * (1.0 - subsidy_rate) / (scale * income_cny))


def platform_usefulness(p: HerderParams, sharing_use: np.ndarray) -> np.ndarray:
    """Usefulness of the platform in each county: the floor where nobody uses shared data, 1
    where everybody does (seed 004's loop reaches herders here)."""
    return p.usefulness_floor + (1 - p.usefulness_floor) * sharing_use


def monthly_probability(hazard_per_year: np.ndarray) -> np.ndarray:
    return 1.0 - np.exp(-hazard_per_year / 12.0)


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
    literacy_f: np.ndarray | None = None            # cached literacy factor, updated on training
    afford: tuple[float, np.ndarray] | None = None  # cached (subsidy rate, affordability)

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

    @property
    def n(self) -> int:
        return self.county.size

    def step(self, p: HerderParams, coverage_before: np.ndarray, coverage_after: np.ndarray,
             usefulness: np.ndarray, training_per_year: float, device_subsidy_rate: float,
             rng: np.random.Generator) -> dict[str, float]:
        """One month. Draws a fixed number of random numbers whatever the state, so that runs
        with the same seed share their draws (common random numbers). Returns money and counts
        in households (weighted)."""
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
        if self.afford is None or self.afford[0] != device_subsidy_rate:
            self.afford = (device_subsidy_rate, affordability(
                p.device_cost_cny, device_subsidy_rate, self.income_cny, p.affordability_scale
            ).astype(np.float32))

        useful = usefulness.astype(np.float32)[self.county]
        share = neighbour_share(self.ties, self.platform, self.degree)
        hazard = platform_hazard_per_year(p.bass_p_per_year, p.bass_q_per_year, share,
                                          self.literacy_f, self.afford[1], useful)
        adopt = self.connected & ~self.platform & (u_platform < monthly_probability(hazard))
        trace_share = neighbour_share(self.ties, self.trace, self.degree)
        trace_hazard = trace_hazard_per_year(p.trace_p_per_year, p.trace_q_per_year, trace_share,
                                             self.literacy_f, useful)
        take_trace = self.platform & ~self.trace & (u_trace < monthly_probability(trace_hazard))

        self.platform |= adopt
        self.trace |= take_trace
        new = adopt.sum() * self.weight
        return {
            "trained": newly_trained.sum() * self.weight,
            "new_adopters": new,
            "device_spend": new * p.device_cost_cny,
            "device_subsidy": new * p.device_cost_cny * device_subsidy_rate,
            "benefit": self.platform.sum() * self.weight * p.benefit_cny_per_year / 12.0,
        }

    def by_county(self, values: np.ndarray, n_counties: int) -> np.ndarray:
        """Weighted count of ``values`` per county."""
        return np.bincount(self.county, weights=values, minlength=n_counties) * self.weight
