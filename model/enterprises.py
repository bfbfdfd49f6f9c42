"""Enterprises, kept as arrays (one entry per legal-entity firm at scale 1).

Firms climb a maturity ladder (none -> basic IT -> cloud/platform -> data-driven -> AI+). The
upgrade hazard is held back by the three barriers of seed 002, each relieved by its own lever:
capability (不会转: promotion centres), finance (不能转: subsidy and credit), risk (不敢转:
demonstration projects, peers, data security). Talent shortage and data-sharing quality in the
firm's county scale the hazard; lead firms pull their suppliers up the ladder.
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
                            price: np.ndarray, sharing: np.ndarray) -> np.ndarray:
    """Base hazard of the firm's level times what each barrier leaves, times the enablers."""
    return base * (1 - capability) * (1 - finance) * (1 - risk) * talent * pull * price * sharing


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

    def upgrade(self, p: EnterpriseParams, *, subsidy_rate: float, centres: int,
                credit_left_cny: float, demos_by_sector: np.ndarray, security_relief: float,
                talent_factor: np.ndarray, sharing_quality: np.ndarray, price_premium: float,
                rng: np.random.Generator) -> dict[str, float]:
        """One month of promotion-centre service and upgrades. Fixed draws per call (CRN)."""
        u_serve, u_up, u_case = rng.random((3, self.n))
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
        credit_open = credit_left_cny > 0
        loan_room = p.loan_to_cost * net * credit_open
        liquidity = self.revenue0_cny * p.liquidity_share_of_revenue + loan_room
        finance = np.divide(net, net + liquidity, out=np.zeros(self.n), where=net > 0)
        capability = self.capability * (1 - p.centre_relief * self.served)
        risk = (self.risk * np.exp(-p.demo_risk_effect * demos_by_sector[self.sector])
                * (1 - p.peer_risk_effect * self.peer_share_above()) * (1 - security_relief))
        talent = talent_factor[self.county] ** p.talent_elasticity
        pull = 1 + p.supply_pull * self.supplier_pull()
        price = np.where(self.energy_intensive,
                         1 + p.price_premium_elasticity * price_premium
                         / p.industrial_power_price_cny_per_kwh, 1.0)
        sharing = np.where(self.level >= 2,
                           (sharing_quality[self.county] / 0.5) ** p.sharing_elasticity, 1.0)
        base = np.asarray(p.upgrade_rate_per_year)[lvl]
        hazard = upgrade_hazard_per_year(base, capability, finance, risk, talent, pull, price,
                                         sharing)
        up = climbing & (u_up < 1 - np.exp(-hazard / 12.0))

        capex = gross[up].sum() * w
        subsidy = capex * subsidy_rate
        loan_wanted = loan_room[up].sum() * w
        loans = min(loan_wanted, max(credit_left_cny, 0.0))
        self.level[up] += 1
        reached_top = up & (self.level == TOP)
        return {
            "capex": capex, "subsidy": subsidy, "loans": loans,
            "own_funds": capex - subsidy - loans,
            "upgrades": up.sum() * w,
            "organic_cases": (reached_top & (u_case < p.organic_case_probability)).sum() * w,
            "energy_premium_revenue": price_premium * p.power_kwh_per_employee_year / 12.0
            * self.employees[self.energy_intensive & self.active].sum() * w,
        }

    def promote_to_top(self, agents: int, rng: np.random.Generator) -> int:
        """AI+ programmes: lift ``agents`` data-driven firms (random, non-data first) to AI+."""
        priority = rng.random(self.n) + np.where(self.is_data, 1.0, 0.0)
        eligible = self.active & (self.level == TOP - 1)
        chosen = np.flatnonzero(eligible)[np.argsort(priority[eligible])[:agents]]
        self.level[chosen] = TOP
        return chosen.size

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
