"""The data industry: data-firm revenue and entry, data products and their listing, high-quality
datasets, application cases from projects, authorised-operation pilots and the data chain
生采存算用易治安 (seed 003).

Counts the 2027 targets T1-T4, T7 and T8 are read from. Every count is an expected number of
real events, whatever the run's scale: rates are computed from weighted (league-level) sums and
each count is drawn by inverting its distribution at a fixed number of uniform numbers a month,
so scenarios with different rates still share every draw (common random numbers).

- Cases come from projects that succeed or fail: demonstration projects, AI+ programmes and
  firms' own AI+ projects. A project's host firm is drawn among eligible firms; it succeeds with
  a chance that rises with the host's capability and its county's talent adequacy.
- An authorised-operation pilot needs an operator (a qualified data-element firm), data of
  sufficient quality and a set-up time; it stalls while either is missing and can fail at the
  end of set-up (then set-up starts again with another operator).
- High-quality datasets (T2) form unprompted in the plan's eight industries (seed 003 line 32) as
  data-driven firms of an industry (or, in the four public domains, opening and pilots) make them,
  and by the plan's dataset programme: the league commissions datasets per industry from platform
  or leading firms of that industry (data firms for the public domains); a commission needs a
  data-driven host and passes quality acceptance with a chance that rises with the host's
  capability, its county's talent adequacy and data-sharing quality.
- Products are developed by data-driven data firms; they are listed as buyers (data-driven
  firms) ask for them, through the Xilingol service base when it runs, otherwise (more slowly)
  through the regional exchange in Hohhot, which does not count for T3.
- A chain link is established when the yearly activity of its firms (revenue; for 存/算 also
  compute rent, for 易 trade through exchanges, for 治 operating pilots) reaches a threshold, and
  lapses when it falls well below; 安 compares security spending with the data volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from model.enterprises import TOP, Enterprises
from model.params import CHAIN_LINKS, DATA_CATEGORIES, KEY_SECTORS, DataEconomyParams, EnterpriseParams

PUBLIC_DOMAINS = ("health", "transport", "ecology", "weather_water")   # seed 003 line 32
# The plan's eight industries (seed 003 line 32): 现代能源、工业制造、农牧业、文化旅游 are the model's four
# enterprise key sectors; 医疗卫生、交通运输、生态环保、气象水利 are public domains.
DATASET_DOMAINS = KEY_SECTORS + PUBLIC_DOMAINS
DATASET_DOMAINS_ZH = ("现代能源", "工业制造", "农牧业", "文化旅游", "医疗卫生", "交通运输", "生态环保", "气象水利")
MAX_PROJECTS_PER_MONTH = 16      # launches a month that get their own uniforms (levers allow 10)
MAX_COMMISSIONS_PER_MONTH = 4    # dataset commissions a month with their own uniforms (lever allows 32/year)
MAX_PILOTS = 10                  # the lever's upper bound
DATA_ELEMENT = DATA_CATEGORIES.index("data_element")
SECURITY, STORAGE, COMPUTING = (CHAIN_LINKS.index(x) for x in ("security", "storage", "computing"))
TRADING, GOVERNANCE = CHAIN_LINKS.index("trading"), CHAIN_LINKS.index("governance")


def poisson_draw(u: float | np.ndarray, mean: float | np.ndarray) -> np.ndarray:
    """Poisson count(s) at uniform number(s) ``u``: the smallest k with P(X <= k) >= u
    (inverse CDF through ``scipy.special.pdtr``; vectorised over a grid of k)."""
    u, mean = np.broadcast_arrays(np.asarray(u, float), np.asarray(mean, float))
    top = int(np.ceil(mean.max(initial=0.0) + 12 * np.sqrt(mean.max(initial=0.0)) + 12))
    k = np.arange(top + 1)
    cdf = special.pdtr(k, mean[..., None])
    return (cdf < u[..., None]).sum(axis=-1).astype(float)


def binom_draw(u: float, n: int, prob: float) -> float:
    """Binomial count at uniform ``u`` (inverse CDF through ``scipy.special.bdtr``)."""
    if n <= 0 or prob <= 0:
        return 0.0
    if prob >= 1:
        return float(n)
    k = np.arange(n + 1)
    cdf = special.bdtr(k, n, prob)
    return float(min((cdf < u).sum(), n))


@dataclass
class Project:
    kind: str          # "demonstration" or "ai_plus"
    done_month: int
    sector: int        # -1: any sector
    u_host: float
    u_success: float


@dataclass
class Commission:
    """A dataset commissioned by the league's dataset programme."""

    domain: int        # index into DATASET_DOMAINS
    done_month: int
    u_host: float
    u_success: float


@dataclass
class DataEconomy:
    base_revenue: np.ndarray          # per firm: revenue at level multiplier 1, demand 1, talent 1
    demand0_cny: float
    buyers0: float                    # data-driven non-data firms at end-2024 (weighted)
    products_unlisted: float = 0.0
    products_listed: float = 0.0      # through the Xilingol service base (T3)
    products_listed_elsewhere: float = 0.0
    datasets: np.ndarray = field(default_factory=lambda: np.zeros(len(DATASET_DOMAINS)))
    commissions: list[Commission] = field(default_factory=list)
    commissions_launched: int = 0
    datasets_commissioned: float = 0.0      # commissioned datasets that passed acceptance
    commissions_failed: float = 0.0
    cases: float = 0.0
    cases_by_kind: dict[str, float] = field(default_factory=lambda: {
        "demonstration": 0.0, "ai_plus": 0.0, "own": 0.0})
    projects_failed: float = 0.0
    projects: list[Project] = field(default_factory=list)
    pilot_state: np.ndarray = field(default_factory=lambda: np.zeros(MAX_PILOTS, np.int8))
    pilot_progress: np.ndarray = field(default_factory=lambda: np.zeros(MAX_PILOTS))
    pilots_failed: float = 0.0
    pilot_stalled_months: float = 0.0
    links: np.ndarray = field(default_factory=lambda: np.zeros(len(CHAIN_LINKS), bool))
    link_activity: np.ndarray = field(default_factory=lambda: np.zeros(len(CHAIN_LINKS)))

    IDLE, SETUP, OPERATING = 0, 1, 2

    @classmethod
    def create(cls, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
               talent_factor: np.ndarray) -> DataEconomy:
        mult = np.asarray(p.revenue_level_multiplier)[firms.level0]
        talent = talent_factor[firms.county] ** p.talent_revenue_elasticity
        return cls(base_revenue=firms.revenue0_cny / (mult * talent),
                   demand0_cny=firms.digital_spending_cny(ep), buyers0=cls.buyers(firms))

    # -- revenue and entry ---------------------------------------------------------------------
    @staticmethod
    def buyers(firms: Enterprises) -> float:
        """Potential buyers of data products: active data-driven (level >= 3) non-data firms."""
        return float((firms.active & ~firms.is_data & (firms.level >= 3)).sum() * firms.weight)

    def firm_revenue_cny(self, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
                         talent_factor: np.ndarray, month: int) -> np.ndarray:
        """Yearly revenue run-rate of each active data firm (0 for others) in ``month``."""
        market = (1 + p.market_growth_per_year) ** ((month + 1) / 12)
        demand = market * firms.digital_spending_cny(ep) / self.demand0_cny
        mult = np.asarray(p.revenue_level_multiplier)[firms.level]
        talent = talent_factor[firms.county] ** p.talent_revenue_elasticity
        rev = self.base_revenue * mult * demand ** p.demand_elasticity * talent
        return rev * (firms.is_data & firms.active)

    def revenue_cny_per_year(self, firms: Enterprises, p: DataEconomyParams,
                             ep: EnterpriseParams, talent_factor: np.ndarray, month: int) -> float:
        """Yearly revenue run-rate of active data firms in ``month`` (months since 2025-01;
        -1 is end-2024)."""
        return float(self.firm_revenue_cny(firms, p, ep, talent_factor, month).sum() * firms.weight)

    def enter(self, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
              talent_factor: np.ndarray, rng: np.random.Generator) -> float:
        """Potential data firms enter as local digital demand grows; returns entrants."""
        u = rng.random(firms.n)
        demand = firms.digital_spending_cny(ep) / self.demand0_cny
        hazard = (p.entry_rate_per_year * demand ** p.demand_elasticity
                  * talent_factor[firms.county] ** p.talent_entry_elasticity)
        new = firms.is_data & ~firms.active & (u < 1 - np.exp(-hazard / 12))
        firms.active |= new
        return new.sum() * firms.weight

    # -- products and datasets -----------------------------------------------------------------
    def product_revenue_cny(self, p: DataEconomyParams) -> float:
        """Yearly trading revenue of listed products (through the base or elsewhere)."""
        return (self.products_listed + self.products_listed_elsewhere) * p.product_revenue_cny_per_year

    def produce(self, firms: Enterprises, p: DataEconomyParams, *, quality: float, opening: float,
                exchange_base: bool, pilots: int, rng: np.random.Generator) -> None:
        """One month of data products, listings and datasets (fixed draws)."""
        boost = 1 + p.opening_product_boost * opening
        data_driven = firms.active & (firms.level >= 3)
        makers = (data_driven & firms.is_data).sum() * firms.weight
        u = rng.random(2 + len(DATASET_DOMAINS))
        new_products = float(poisson_draw(u[0], p.products_per_firm_year / 12 * makers * quality / 0.5 * boost))
        demand = (self.buyers(firms) / self.buyers0) ** p.buyer_elasticity if self.buyers0 > 0 else 1.0
        rate = min(1.0, demand / p.listing_months * (1.0 if exchange_base else p.listing_without_base_share))
        listing = binom_draw(u[1], int(self.products_unlisted + new_products), rate)
        self.products_unlisted += new_products - listing
        if exchange_base:
            self.products_listed += listing
        else:
            self.products_listed_elsewhere += listing
        by_sector = np.bincount(firms.sector[data_driven], minlength=len(KEY_SECTORS) + 1)[
            :len(KEY_SECTORS)] * firms.weight
        firm_rate = by_sector / (by_sector + p.dataset_firm_saturation)
        public_rate = np.full(len(PUBLIC_DOMAINS), opening * (1 + p.pilot_dataset_boost * (pilots > 0)))
        rates = np.concatenate([firm_rate * boost, public_rate])
        self.datasets += poisson_draw(u[2:], p.datasets_per_year / 12 * quality * rates)

    # -- cases from projects -------------------------------------------------------------------
    def success_chance(self, firms: Enterprises, i: int, p: DataEconomyParams, ep: EnterpriseParams,
                       talent_factor: np.ndarray) -> float:
        """Chance a project hosted by firm ``i`` succeeds: higher with its capability (1 - its
        barrier, relieved by a promotion centre) and its county's talent adequacy."""
        barrier = firms.capability[i] * (1 - ep.centre_relief * firms.served[i])
        return float(p.project_success_max * (1 - barrier)
                     * talent_factor[firms.county[i]] ** p.talent_project_elasticity)

    def projects_step(self, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
                      talent_factor: np.ndarray, month: int, *, demo_sectors: list[int],
                      programmes: int, rng: np.random.Generator) -> None:
        """Launch this month's projects, finish those due, and draw firms' own cases."""
        u = rng.random(1 + 2 * MAX_PROJECTS_PER_MONTH)
        launches = [("demonstration", ep.demo_months, s) for s in demo_sectors]
        launches += [("ai_plus", ep.ai_programme_months, -1)] * programmes
        if len(launches) > MAX_PROJECTS_PER_MONTH:
            raise ValueError(f"{len(launches)} projects launched in one month; at most {MAX_PROJECTS_PER_MONTH}")
        for j, (kind, months, sector) in enumerate(launches):
            self.projects.append(Project(kind, month + months, sector, u[1 + 2 * j], u[2 + 2 * j]))
        due = [x for x in self.projects if x.done_month <= month]
        self.projects = [x for x in self.projects if x.done_month > month]
        for x in due:
            if x.kind == "demonstration":
                eligible = np.flatnonzero(firms.active & (firms.sector == x.sector) & (firms.level >= 2))
            else:
                eligible = np.flatnonzero(firms.active & (firms.level == TOP))
            ok = eligible.size > 0 and x.u_success < self.success_chance(
                firms, int(eligible[min(int(x.u_host * eligible.size), eligible.size - 1)]), p, ep, talent_factor)
            if ok:
                self.cases += 1
                self.cases_by_kind[x.kind] += 1
            else:
                self.projects_failed += 1
        top = firms.active & (firms.level == TOP)
        barrier = firms.capability * (1 - ep.centre_relief * firms.served)
        chance = (1 - barrier) * talent_factor[firms.county] ** p.talent_project_elasticity
        mean = p.own_case_rate_per_firm_year / 12 * p.project_success_max * float(chance[top].sum()) * firms.weight
        own = float(poisson_draw(u[0], mean))
        self.cases += own
        self.cases_by_kind["own"] += own

    def commission_step(self, firms: Enterprises, p: DataEconomyParams, ep: EnterpriseParams,
                        talent_factor: np.ndarray, quality_by_county: np.ndarray, month: int, *,
                        launches: int, rng: np.random.Generator) -> None:
        """The dataset programme: launch this month's commissions (industries in turn), and judge
        those due. A commission for an enterprise industry goes to a data-driven firm of that
        industry, one for a public domain to a data-driven data firm; it fails without such a host.
        Acceptance: project success at the host x (county sharing quality / ``dataset_quality_min``,
        at most 1). Draws a fixed number of uniforms a month (common random numbers)."""
        u = rng.random(2 * MAX_COMMISSIONS_PER_MONTH)
        if launches > MAX_COMMISSIONS_PER_MONTH:
            raise ValueError(f"{launches} dataset commissions in one month; at most {MAX_COMMISSIONS_PER_MONTH}")
        for j in range(launches):
            domain = self.commissions_launched % len(DATASET_DOMAINS)
            self.commissions.append(Commission(domain, month + p.dataset_build_months, u[2 * j], u[2 * j + 1]))
            self.commissions_launched += 1
        due = [c for c in self.commissions if c.done_month <= month]
        self.commissions = [c for c in self.commissions if c.done_month > month]
        capable = firms.active & (firms.level >= 3)
        for c in due:
            if c.domain < len(KEY_SECTORS):
                eligible = np.flatnonzero(capable & (firms.sector == c.domain) & ~firms.is_data)
            else:
                eligible = np.flatnonzero(capable & firms.is_data)
            ok = False
            if eligible.size > 0:
                host = int(eligible[min(int(c.u_host * eligible.size), eligible.size - 1)])
                quality = min(1.0, float(quality_by_county[firms.county[host]]) / p.dataset_quality_min)
                ok = c.u_success < self.success_chance(firms, host, p, ep, talent_factor) * quality
            if ok:
                self.datasets[c.domain] += 1
                self.datasets_commissioned += 1
            else:
                self.commissions_failed += 1

    # -- authorised-operation pilots -------------------------------------------------------------
    def operators(self, firms: Enterprises) -> float:
        """Qualified operators: active data-element firms at data-driven level or above."""
        return float((firms.active & (firms.category == DATA_ELEMENT) & (firms.level >= 3)).sum() * firms.weight)

    def pilots_step(self, firms: Enterprises, p: DataEconomyParams, *, pilots_in_force: int,
                    quality: float, rng: np.random.Generator) -> int:
        """Pilots set up, stall, fail or operate; returns pilots operating."""
        u = rng.random(MAX_PILOTS)
        operators = self.operators(firms)
        for i in range(MAX_PILOTS):
            if i >= pilots_in_force:
                self.pilot_state[i], self.pilot_progress[i] = self.IDLE, 0.0
                continue
            if self.pilot_state[i] == self.IDLE:
                self.pilot_state[i], self.pilot_progress[i] = self.SETUP, 0.0
            if self.pilot_state[i] != self.SETUP:
                continue
            if operators >= i + 1 and quality >= p.pilot_quality_min:
                self.pilot_progress[i] += 1
            else:
                self.pilot_stalled_months += 1
            if self.pilot_progress[i] >= p.pilot_setup_months:
                if u[i] < p.pilot_success_probability:
                    self.pilot_state[i] = self.OPERATING
                else:
                    self.pilots_failed += 1
                    self.pilot_progress[i] = 0.0
        return self.pilots_operating

    @property
    def pilots_operating(self) -> int:
        return int((self.pilot_state == self.OPERATING).sum())

    # -- the data chain --------------------------------------------------------------------------
    def update_links(self, firm_revenue: np.ndarray, firms: Enterprises, p: DataEconomyParams, *,
                     compute_revenue_cny: float, security_cny: float, scale_cny: float,
                     scale0_cny: float) -> np.ndarray:
        """Activity of each link of 生采存算用易治安 (CNY/year; 安 as a ratio to what the data
        volume needs); a link forms at 1 and lapses below ``chain_lapse_ratio``."""
        ok = firms.is_data & firms.active & (firms.level >= 2)
        revenue = np.bincount(firms.link[ok], weights=firm_revenue[ok], minlength=len(CHAIN_LINKS)) * firms.weight
        revenue[STORAGE] += compute_revenue_cny / 2
        revenue[COMPUTING] += compute_revenue_cny / 2
        revenue[TRADING] += self.product_revenue_cny(p)
        revenue[GOVERNANCE] += self.pilots_operating * p.pilot_activity_cny_per_year
        activity = revenue / p.chain_min_revenue_cny_per_year
        need = p.security_share_of_data_volume * max(scale_cny, scale0_cny)
        activity[SECURITY] = (revenue[SECURITY] + security_cny) / need
        self.links = np.where(self.links, activity >= p.chain_lapse_ratio, activity >= 1.0)
        self.link_activity = activity
        return self.links
