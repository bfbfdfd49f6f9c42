"""Enterprises, kept as arrays (one entry per legal-entity firm at scale 1).

Firms climb a maturity ladder (none -> basic IT -> cloud/platform -> data-driven -> AI+). The
upgrade hazard is held back by the three barriers of seed 002, each relieved by its own lever:
capability (不会转: promotion centres), finance (不能转: subsidy and credit), risk (不敢转:
demonstration projects, peers, data security). Talent shortage and data-sharing quality in the
firm's county scale the hazard; lead firms pull their suppliers up the ladder.

Firms decide on money. Each step raises a firm's value added (after a lag); the firm keeps a
share of the gain as cash and, if energy-intensive, saves power; a step whose payback (net capex
over that yearly cash gain) is long is less likely to be taken. Capex is paid from own funds
(a share of revenue, less the energy-price premium), subsidy and loans. Firms that need a loan
to go ahead apply; the month's credit quota is shared among applicants (in a random order drawn
each month) and a refused firm faces its finance barrier unrelieved. Each step sheds routine
jobs and creates digital ones (seed 002 line 34).
Core digital firms (the data industry) are part of the same arrays (sector ``data_digital``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from model.networks import supply_chains
from model.params import CHAIN_LINKS, DATA_CATEGORIES, SECTORS, EnterpriseParams

DATA = SECTORS.index("data_digital")
ENERGY_INTENSIVE = (SECTORS.index("energy_mining"), SECTORS.index("manufacturing_chem"))
TOP = 4
# Assumption (no data): how census categories of core digital firms map onto the data chain
# 生采存算用易治安; rows follow DATA_CATEGORIES, columns CHAIN_LINKS.
CATEGORY_LINKS = np.array([
    [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],     # digital product manufacturing
    [0.0, 0.2, 0.3, 0.3, 0.0, 0.0, 0.0, 0.2],     # digital product services
    [0.15, 0.0, 0.0, 0.2, 0.5, 0.0, 0.0, 0.15],   # digital technology application
    [0.0, 0.2, 0.0, 0.0, 0.2, 0.3, 0.3, 0.0],     # data-element driven
])
assert CATEGORY_LINKS.shape == (len(DATA_CATEGORIES), len(CHAIN_LINKS))


def step_cost_cny(p: EnterpriseParams, level: np.ndarray, employees: np.ndarray,
                  size_factor: np.ndarray | None = None) -> np.ndarray:
    """Capex of the next step up the ladder for each firm (0 at the top); ``size_factor`` is
    (employees / 10)^elasticity, passed in when already known."""
    costs = np.append(np.asarray(p.step_cost_cny), 0.0)
    if size_factor is None:
        size_factor = (employees / 10.0) ** p.cost_size_elasticity
    return costs[level] * size_factor


def security_relief(p: EnterpriseParams, budget_cny_per_year: float) -> float:
    """Share of the risk barrier removed by data-security spending (saturating)."""
    return p.security_relief_max * budget_cny_per_year / (budget_cny_per_year + p.security_half_cny_per_year)


def upgrade_hazard_per_year(base: np.ndarray, capability: np.ndarray, finance: np.ndarray,
                            risk: np.ndarray, talent: np.ndarray, pull: np.ndarray,
                            payback: np.ndarray, sharing: np.ndarray) -> np.ndarray:
    """Base hazard of the firm's level times what each barrier leaves, times the enablers and the
    payback factor."""
    return base * (1 - capability) * (1 - finance) * (1 - risk) * talent * pull * payback * sharing


def payback_factor(net_cost_cny: np.ndarray, gain_cny_per_year: np.ndarray,
                   required_years: float) -> np.ndarray:
    """1 / (1 + payback / required payback): 1/2 when the step pays back in the required years,
    0 when it never does."""
    payback = np.divide(net_cost_cny, gain_cny_per_year, out=np.full(net_cost_cny.shape, np.inf),
                        where=gain_cny_per_year > 0)
    return 1.0 / (1.0 + payback / required_years)


def finance_barrier(net_cost_cny: np.ndarray, funds_cny: np.ndarray) -> np.ndarray:
    """Share of the step the firm cannot fund: net / (net + funds) (0 for a free step)."""
    return np.divide(net_cost_cny, net_cost_cny + funds_cny, out=np.zeros(net_cost_cny.shape),
                     where=net_cost_cny > 0)


def ration_credit(loans_cny: np.ndarray, order: np.ndarray, credit_left_cny: float) -> np.ndarray:
    """Approve applicants in ``order`` (a random key) while their loans fit in the credit left:
    the quota is shared among applicants; returns the approved mask (same length as loans)."""
    if loans_cny.size == 0:
        return np.zeros(0, bool)
    rank = np.argsort(order, kind="stable")
    fits = np.cumsum(loans_cny[rank]) <= credit_left_cny * (1 + 1e-12)
    approved = np.zeros(loans_cny.size, bool)
    approved[rank] = fits
    return approved


@dataclass
class Enterprises:
    """Struct of arrays; ``weight`` firms per array entry (1 / scale)."""

    county: np.ndarray
    sector: np.ndarray
    category: np.ndarray      # data category (-1 for other firms)
    link: np.ndarray          # data-chain link (-1 for other firms)
    employees: np.ndarray
    revenue0_cny: np.ndarray  # end-2024 yearly revenue
    level0: np.ndarray
    level: np.ndarray
    capability: np.ndarray    # barrier 0-1
    risk: np.ndarray          # barrier 0-1
    served: np.ndarray        # reached by a promotion centre
    is_lead: np.ndarray
    active: np.ndarray        # potential data-firm entrants start inactive
    supplies: sparse.csr_array
    n_customers: np.ndarray
    weight: float

    def __post_init__(self) -> None:
        """Constants of the population, computed once: the hot path reuses them every month."""
        self.energy_intensive = np.isin(self.sector, ENERGY_INTENSIVE)
        self.supplier_rows = np.repeat(np.arange(self.n), np.diff(self.supplies.indptr))
        self.size_factor: np.ndarray | None = None
        self.va0_cny = np.zeros(self.n)            # starting value added (set by set_value_added)
        self.va_uplift = np.zeros(self.n)          # realised share gained since the start (lagged)

    def set_value_added(self, total_cny: float) -> float:
        """Give non-digital firms a starting value added in proportion to revenue, summing (at
        weight) to ``total_cny``; returns the value added per CNY of revenue."""
        other = ~self.is_data
        ratio = total_cny / (self.revenue0_cny[other].sum() * self.weight)
        self.va0_cny = np.where(other, self.revenue0_cny * ratio, 0.0)
        return float(ratio)

    @classmethod
    def create(cls, firm_weight: np.ndarray, seat: int, p: EnterpriseParams,
               entrant_share: float, entrant_size: float, scale: float, rng: np.random.Generator) -> Enterprises:
        """Synthesise firms so that weighted league totals match the census figures."""
        n_counties = firm_weight.size
        shares = firm_weight / firm_weight.sum()
        cats = np.asarray(p.core_digital_by_category)
        n_data_full = cats.sum()
        n_other_full = p.legal_entities - n_data_full
        weight = 1.0 / scale

        def count(x: float) -> int:
            return max(round(x * scale), 1)

        n_sec = [count(n_other_full * s) for s in p.sector_shares]
        n_cat = [count(c) for c in cats]
        n_data = sum(n_cat)
        n_entr = round(n_data * entrant_share)
        sector = np.concatenate([np.full(k, s) for s, k in enumerate(n_sec)]
                                + [np.full(n_data + n_entr, DATA)]).astype(np.int8)
        n_other = sum(n_sec)
        n = sector.size
        category = np.full(n, -1, np.int8)
        cat_data = np.concatenate([np.full(k, c) for c, k in enumerate(n_cat)])
        category[n_other:n_other + n_data] = cat_data
        category[n_other + n_data:] = rng.choice(cat_data, n_entr)
        is_data = sector == DATA

        county = rng.choice(n_counties, n, p=shares).astype(np.int16)
        data_shares = shares.copy()
        data_shares[seat] = 0
        data_shares = data_shares / data_shares.sum() * (1 - p.data_firms_seat_share)
        data_shares[seat] = p.data_firms_seat_share
        county[is_data] = rng.choice(n_counties, is_data.sum(), p=data_shares)

        link = np.full(n, -1, np.int8)
        cum = np.cumsum(CATEGORY_LINKS, axis=1)
        u = rng.random(n)
        link[is_data] = (u[is_data, None] > cum[category[is_data]]).sum(axis=1)

        sig = p.size_sigma
        size = rng.lognormal(-sig**2 / 2, sig, n)                    # mean 1
        per_head = rng.lognormal(-p.revenue_sigma**2 / 2, p.revenue_sigma, n)
        incumbents = np.zeros(n, bool)
        incumbents[n_other:n_other + n_data] = True
        entrants = is_data & ~incumbents
        # Every firm has at least one person; the rest of its staff scales with its size draw so
        # that the league's core digital employment is matched exactly.
        extra_data = p.core_digital_employees / weight - incumbents.sum()
        employees = 1 + np.where(is_data, size * extra_data / size[incumbents].sum(),
                                 size * (p.employees_mean_other - 1))
        employees[entrants] = 1 + (employees[entrants] - 1) * entrant_size
        revenue = employees * per_head * p.revenue_per_employee_cny
        revenue[is_data] *= p.core_digital_revenue_cny / (revenue[incumbents].sum() * weight)

        is_lead = np.zeros(n, bool)
        industrial = np.flatnonzero(np.isin(sector, [0, 1, 2]))
        service = np.flatnonzero(sector == 3)
        for pool, k in ((industrial, count(p.above_scale_industrial)),
                        (service, count(p.above_scale_service))):
            is_lead[pool[np.argsort(-employees[pool])[:k]]] = True

        level = np.where(is_data, rng.choice(5, n, p=np.asarray(p.level_shares_data)),
                         rng.choice(5, n, p=np.asarray(p.level_shares_other))).astype(np.int8)
        level[entrants] = 2
        c = p.barrier_concentration
        capability = rng.beta(p.capability_barrier_mean * c, (1 - p.capability_barrier_mean) * c, n)
        risk = rng.beta(p.risk_barrier_mean * c, (1 - p.risk_barrier_mean) * c, n)
        capability[is_data] *= p.data_firm_capability_factor
        supplies = supply_chains(county, is_lead, ~is_data, p.supplier_share,
                                 p.customers_per_supplier, p.supplier_same_county, rng)
        return cls(county=county, sector=sector, category=category, link=link,
                   employees=employees.astype(np.float32), revenue0_cny=revenue,
                   level0=level.copy(), level=level, capability=capability.astype(np.float32),
                   risk=risk.astype(np.float32), served=np.zeros(n, bool), is_lead=is_lead,
                   active=~entrants, supplies=supplies,
                   n_customers=np.asarray(supplies.sum(axis=1), dtype=np.float32), weight=weight)

    @property
    def n(self) -> int:
        return self.county.size

    @property
    def is_data(self) -> np.ndarray:
        return self.sector == DATA

    def peer_share_above(self) -> np.ndarray:
        """For each firm: share of active firms in its sector above its level."""
        cells = self.sector[self.active].astype(np.int64) * (TOP + 2) + self.level[self.active]
        counts = np.bincount(cells, minlength=len(SECTORS) * (TOP + 2)).reshape(len(SECTORS), TOP + 2)
        above = counts[:, ::-1].cumsum(axis=1)[:, ::-1][:, 1:]      # firms at level > l
        total = np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        return (above / total)[self.sector, self.level]

    def supplier_pull(self) -> np.ndarray:
        """Share of each supplier's lead customers that sit above its level."""
        rows = self.supplier_rows
        higher = np.bincount(rows, weights=self.level[self.supplies.indices] > self.level[rows],
                             minlength=self.n)
        return np.divide(higher, self.n_customers, out=np.zeros(self.n),
                         where=self.n_customers > 0)

    def power_kwh_per_year(self, p: EnterpriseParams) -> np.ndarray:
        """Power use of active energy-intensive firms (0 for others); each step above the
        starting level saves ``energy_saving_per_step`` of it."""
        steps = np.maximum(self.level.astype(np.int16) - self.level0, 0)
        kept = (1 - p.energy_saving_per_step) ** np.arange(TOP + 1)
        use = p.power_kwh_per_employee_year * self.employees * kept[steps]
        return np.where(self.energy_intensive & self.active, use, 0.0)

    def step_gain_cny_per_year(self, p: EnterpriseParams, price_premium: float,
                               kwh: np.ndarray | None = None) -> np.ndarray:
        """Cash a firm gains each year from its next step: its kept share of the value-added gain,
        plus the power it saves (at the industrial price plus premium). ``kwh``: power use, if known."""
        gains = np.append(np.asarray(p.va_gain_per_step), 0.0)[self.level]
        va = self.va0_cny * gains * p.gain_captured_share
        kwh = self.power_kwh_per_year(p) if kwh is None else kwh
        return va + kwh * (p.energy_saving_per_step * (p.industrial_power_price_cny_per_kwh + price_premium))

    def own_funds_cny(self, p: EnterpriseParams, price_premium: float,
                      kwh: np.ndarray | None = None) -> np.ndarray:
        """Cash a firm can put into one step: a share of revenue, less a year of the energy-price
        premium (a cost on the margins of energy-intensive firms), never below 0."""
        own = self.revenue0_cny * p.liquidity_share_of_revenue
        if price_premium == 0:
            return own
        kwh = self.power_kwh_per_year(p) if kwh is None else kwh
        return np.maximum(own - price_premium * kwh, 0.0)

    def upgrade(self, p: EnterpriseParams, *, subsidy_rate: float, centres: int,
                credit_left_cny: float, demos_by_sector: np.ndarray, security_relief: float,
                talent_factor: np.ndarray, sharing_quality: np.ndarray, price_premium: float,
                rng: np.random.Generator) -> dict[str, float]:
        """One month of promotion-centre service, upgrades and value-added gains. Fixed draws
        per call (CRN). Loans go only to firms that need one to go ahead, within
        ``credit_left_cny``."""
        u_serve, u_up, u_case, u_credit = rng.random((4, self.n))
        w = self.weight
        unserved = self.active & ~self.served & ~self.is_data
        n_unserved = unserved.sum()
        capacity = centres * p.centre_firms_per_year / 12.0 / w
        self.served |= unserved & (u_serve < (min(1.0, capacity / n_unserved) if n_unserved else 0))

        climbing = self.active & (self.level < TOP)
        lvl = np.minimum(self.level, TOP - 1)
        if self.size_factor is None:
            self.size_factor = (self.employees / 10.0) ** p.cost_size_elasticity
        gross = step_cost_cny(p, self.level, self.employees, self.size_factor)
        net = gross * (1 - subsidy_rate)
        kwh = self.power_kwh_per_year(p)
        own = self.own_funds_cny(p, price_premium, kwh)
        loan = p.loan_to_cost * net
        capability = self.capability * (1 - p.centre_relief * self.served)
        risk = (self.risk * np.exp(-p.demo_risk_effect * demos_by_sector[self.sector])
                * (1 - p.peer_risk_effect * self.peer_share_above()) * (1 - security_relief))
        talent = talent_factor[self.county] ** p.talent_elasticity
        pull = 1 + p.supply_pull * self.supplier_pull()
        gain = self.step_gain_cny_per_year(p, price_premium, kwh)
        # Core digital firms' gain is their market (model.dataeconomy), not a value-added step:
        # climbing is their trade, so no payback factor holds them back.
        payback = np.where(self.is_data, 1.0, payback_factor(net, gain, p.payback_required_years))
        sharing = np.where(self.level >= 2,
                           (sharing_quality[self.county] / 0.5) ** p.sharing_elasticity, 1.0)
        base = np.asarray(p.upgrade_rate_per_year)[lvl]
        rest = base * (1 - capability) * (1 - risk) * talent * pull * payback * sharing
        p_own = 1 - np.exp(-rest * (1 - finance_barrier(net, own)) / 12.0)
        up = climbing & (u_up < p_own)
        if credit_left_cny > 0:
            p_loan = 1 - np.exp(-rest * (1 - finance_barrier(net, own + loan)) / 12.0)
            applicants = np.flatnonzero(climbing & ~up & (u_up < p_loan))
            approved = applicants[ration_credit(loan[applicants] * w, u_credit[applicants],
                                                credit_left_cny)]
        else:   # no credit this month: firms that would need a loan do not apply
            applicants = approved = np.zeros(0, np.int64)
        up[approved] = True

        capex = gross[up].sum() * w
        subsidy = capex * subsidy_rate
        loans = loan[approved].sum() * w
        energy_revenue = price_premium * kwh.sum() * w / 12.0
        self.level[up] += 1
        self.update_value_added(p)
        reached_top = up & (self.level == TOP)
        return {
            "capex": capex, "subsidy": subsidy, "loans": loans,
            "own_funds": capex - subsidy - loans,
            "upgrades": up.sum() * w,
            "applicants": applicants.size * w, "refused": (applicants.size - approved.size) * w,
            "organic_cases": (reached_top & (u_case < p.organic_case_probability)).sum() * w,
            "energy_premium_revenue": energy_revenue,
        }

    def update_value_added(self, p: EnterpriseParams) -> None:
        """Move each firm's realised gain one month towards what its steps since the start give."""
        cum = np.concatenate([[0.0], np.cumsum(p.va_gain_per_step)])
        target = cum[self.level] - cum[self.level0]
        self.va_uplift += (target - self.va_uplift) * (1 - np.exp(-1.0 / p.va_lag_months))

    def value_added_cny(self) -> np.ndarray:
        """Yearly value added of each non-digital firm now (0 for core digital firms)."""
        return self.va0_cny * (1 + self.va_uplift)

    def jobs_changed(self, p: EnterpriseParams) -> tuple[np.ndarray, np.ndarray]:
        """(routine jobs lost, digital jobs created) by each non-digital firm since the start."""
        other = ~self.is_data & self.active
        steps = np.where(other, np.maximum(self.level.astype(np.int16) - self.level0, 0), 0)
        staff_now = self.employees.astype(float)
        lost = staff_now * p.routine_jobs_lost_per_step * steps
        staff = np.asarray(p.digital_staff_per_firm)
        created = np.where(other, (staff[self.level] - staff[self.level0]) * staff_now / 10.0, 0.0)
        return lost, created

    def promote_to_top(self, agents: int, rng: np.random.Generator, p: EnterpriseParams,
                       subsidy_rate: float) -> dict[str, float]:
        """AI+ programmes: lift ``agents`` data-driven firms (random, non-data first) to AI+.
        Returns the count lifted and the capex of their steps, financed by the transformation
        subsidy and the firms' own funds."""
        priority = rng.random(self.n) + np.where(self.is_data, 1.0, 0.0)
        eligible = self.active & (self.level == TOP - 1)
        chosen = np.flatnonzero(eligible)[np.argsort(priority[eligible])[:agents]]
        capex = float(step_cost_cny(p, self.level[chosen], self.employees[chosen]).sum()) * self.weight
        self.level[chosen] = TOP
        return {"lifted": chosen.size, "capex": capex, "subsidy": capex * subsidy_rate,
                "own_funds": capex * (1 - subsidy_rate)}

    def digital_staff_demand(self, p: EnterpriseParams) -> np.ndarray:
        """Digital talent each firm needs: all staff of data firms, level-based elsewhere."""
        staff = np.asarray(p.digital_staff_per_firm)[self.level] * self.employees / 10.0
        return np.where(self.is_data, self.employees, staff) * self.active

    def compute_demand_p(self, p: EnterpriseParams) -> float:
        size = (self.employees / 10.0) ** p.cost_size_elasticity
        return float((np.asarray(p.compute_p_per_firm)[self.level] * size * self.active).sum()
                     * self.weight)

    def digital_spending_cny(self, p: EnterpriseParams) -> float:
        """Yearly spending of non-data firms on digital goods and services."""
        share = np.asarray(p.digital_spend_share)[self.level]
        return float((self.revenue0_cny * share * ~self.is_data).sum() * self.weight)

    def by_county(self, values: np.ndarray, n_counties: int) -> np.ndarray:
        return np.bincount(self.county, weights=values, minlength=n_counties) * self.weight
