"""The data industry: data-firm revenue and entry, data products, high-quality datasets,
application cases, authorised-operation pilots and the data chain 生采存算用易治安.

Counts the 2027 targets T1-T4, T7 and T8 are read from. Products and datasets are drawn as
Poisson counts from rates that rise with the number of data-driven firms, data-sharing quality
and public-data opening. Counts are drawn by inverting the distribution at a fixed number of
uniform numbers a month, so scenarios with different rates still share every draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from model.enterprises import Enterprises
from model.params import CHAIN_LINKS, KEY_SECTORS, DataEconomyParams, EnterpriseParams


def poisson_draw(u: float | np.ndarray, mean: float | np.ndarray) -> np.ndarray:
    """Poisson count(s) at uniform number(s) ``u`` (inverse CDF)."""
    return np.maximum(stats.poisson.ppf(u, mean), 0.0)


def binom_draw(u: float, n: int, prob: float) -> float:
    return float(max(stats.binom.ppf(u, n, prob), 0.0))


PUBLIC_DOMAINS = ("health", "transport", "ecology", "weather_water")   # seed 003 line 32
DATASET_DOMAINS = KEY_SECTORS + PUBLIC_DOMAINS


@dataclass
class DataEconomy:
    base_revenue: np.ndarray          # per firm: revenue at level multiplier 1, demand 1, talent 1
    demand0_cny: float
    products_unlisted: float = 0.0
    products_listed: float = 0.0
    datasets: np.ndarray = field(default_factory=lambda: np.zeros(len(DATASET_DOMAINS)))
    cases: float = 0.0
    pending_cases: list[tuple[int, float]] = field(default_factory=list)   # (month done, count)

    @classmethod
    def create(cls, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
               talent_factor: np.ndarray) -> DataEconomy:
        mult = np.asarray(p.revenue_level_multiplier)[firms.level0]
        talent = talent_factor[firms.county] ** ep.talent_elasticity
        return cls(base_revenue=firms.revenue0_cny / (mult * talent),
                   demand0_cny=firms.digital_spending_cny(ep))

    def revenue_cny_per_year(self, firms: Enterprises, p: DataEconomyParams,
                             ep: EnterpriseParams, talent_factor: np.ndarray, month: int) -> float:
        """Yearly revenue run-rate of active data firms in ``month`` (months since 2025-01;
        -1 is end-2024)."""
        market = (1 + p.market_growth_per_year) ** ((month + 1) / 12)
        demand = market * firms.digital_spending_cny(ep) / self.demand0_cny
        mult = np.asarray(p.revenue_level_multiplier)[firms.level]
        talent = talent_factor[firms.county] ** ep.talent_elasticity
        rev = self.base_revenue * mult * demand ** p.demand_elasticity * talent
        return float((rev * (firms.is_data & firms.active)).sum() * firms.weight)

    def enter(self, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
              talent_factor: np.ndarray, rng: np.random.Generator) -> float:
        """Potential data firms enter as local digital demand grows; returns entrants."""
        u = rng.random(firms.n)
        demand = firms.digital_spending_cny(ep) / self.demand0_cny
        hazard = (p.entry_rate_per_year * demand ** p.demand_elasticity
                  * talent_factor[firms.county] ** ep.talent_elasticity)
        new = firms.is_data & ~firms.active & (u < 1 - np.exp(-hazard / 12))
        firms.active |= new
        return new.sum() * firms.weight

    def produce(self, firms: Enterprises, p: DataEconomyParams, *, quality: float, opening: float,
                exchange_base: bool, pilots: int, rng: np.random.Generator) -> None:
        """One month of data products, listings and datasets (fixed draws: one per stream)."""
        boost = 1 + p.opening_product_boost * opening
        data_driven = firms.active & (firms.level >= 3)
        makers = (data_driven & firms.is_data).sum() * firms.weight
        u = rng.random(2 + len(DATASET_DOMAINS))
        new_products = poisson_draw(u[0], p.products_per_firm_year / 12 * makers * quality / 0.5 * boost)
        listing = binom_draw(u[1], int(self.products_unlisted + new_products), 1 / p.listing_months)
        self.products_unlisted += new_products
        if exchange_base:
            self.products_unlisted -= listing
            self.products_listed += listing
        by_sector = np.bincount(firms.sector[data_driven], minlength=len(KEY_SECTORS) + 1)[
            :len(KEY_SECTORS)] * firms.weight
        firm_rate = by_sector / (by_sector + p.dataset_firm_saturation)
        public_rate = np.full(len(PUBLIC_DOMAINS), opening * (1 + p.pilot_dataset_boost * (pilots > 0)))
        rates = np.concatenate([firm_rate * boost, public_rate])
        self.datasets += poisson_draw(u[2:], p.datasets_per_year / 12 * quality * rates)

    def add_cases(self, month: int, now: float = 0.0, later: tuple[int, float] | None = None
                  ) -> None:
        """Record application cases: ``now`` at once, ``later=(months, count)`` when done."""
        self.cases += now
        if later and later[1] > 0:
            self.pending_cases.append((month + later[0], later[1]))
        done = [c for m, c in self.pending_cases if m <= month]
        self.pending_cases = [(m, c) for m, c in self.pending_cases if m > month]
        self.cases += sum(done)

    def chain_links(self, firms: Enterprises, p: DataEconomyParams, *, compute_p: float,
                    exchange_base: bool, pilots: int, security_cny: float) -> np.ndarray:
        """Which links of 生采存算用易治安 are established: enough active data firms at cloud
        level or above, plus the institution or capacity the link needs."""
        ok = firms.is_data & firms.active & (firms.level >= 2)
        counts = np.bincount(firms.link[ok], minlength=len(CHAIN_LINKS)) * firms.weight
        links = counts >= p.chain_min_firms
        needs = {"storage": compute_p > 0, "computing": compute_p >= p.chain_compute_min_p,
                 "trading": exchange_base, "governance": pilots > 0,
                 "security": security_cny >= p.security_min_cny_per_year}
        for name, cond in needs.items():
            links[CHAIN_LINKS.index(name)] &= cond
        return links
