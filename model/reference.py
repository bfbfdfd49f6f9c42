"""Reference implementation of the herder and enterprise adoption submodels, written the
idiomatic Mesa way: one ``Agent`` per household or firm, activated with ``shuffle_do``.

It exists for two checks only: docking (the array submodels and this give the same adoption
curves across seeds, see ``tests/test_docking.py``) and the speed benchmark
(``benchmarks/bench_model.py``). Both implementations start from the same synthetic population
and run in a frozen environment: coverage, data usefulness, talent adequacy and sharing quality
stay at their end-2024 values, and only the adoption rules act. Updating is synchronous in both:
agents decide on last month's state of their ties (``decide``), then all commit (``advance``).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from model.enterprises import DATA, ENERGY_INTENSIVE, TOP, security_relief
from model.herders import platform_usefulness, yearly_cost_cny
from model.levers import Levers
from model.model import SteppeModel


class HerderAgent(mesa.Agent):
    def __init__(self, model: ReferenceModel, literacy: float, income: float, herd_rel: float,
                 access: float, useful: float, connected: bool, platform: bool, trace: bool) -> None:
        super().__init__(model)
        p = model.hp
        self.afford = math.exp(-p.device_cost_cny * (1 - model.levers.herder_device_subsidy_rate)
                               / (p.affordability_scale * income))
        self.literacy, self.income, self.herd_rel = literacy, income, herd_rel
        self.access, self.useful = access, useful
        self.connected, self.platform, self.trace = connected, platform, trace
        self.ties: list[HerderAgent] = []
        self._next = (platform, trace)

    def willingness(self, share: float, trace: bool = False) -> float:
        """Expected net benefit, discounted by doubt until ties show it, as a logistic share: of
        the platform, or (``trace``) of traceability's extra output gain net of its fee."""
        p = self.model.hp
        size = self.herd_rel ** p.benefit_herd_elasticity * self.useful
        output = p.output_gain_reference_cny_per_year * self.access * size
        if trace:
            benefit, cost = output * p.trace_output_premium, p.trace_fee_cny_per_year
        else:
            benefit, cost = p.cost_cut_reference_cny_per_year * size + output, self.model.yearly_cost
        net = benefit * (1 - p.benefit_doubt * (1 - share)) - cost
        x = min(max(net / (p.benefit_logit_scale * self.income), -50.0), 50.0)
        return 1 / (1 + math.exp(-x))

    def decide(self) -> None:
        p = self.model.hp
        n = len(self.ties)
        share = sum(t.platform for t in self.ties) / n if n else 0.0
        trace_share = sum(t.trace for t in self.ties) / n if n else 0.0
        lit = (self.literacy / 0.5) ** p.literacy_exponent
        platform, trace = self.platform, self.trace
        if self.connected and not self.platform:
            hazard = ((p.bass_p_per_year + self.model.q_tie * share) * lit * self.willingness(share)
                      * self.afford)
            if self.random.random() < 1 - math.exp(-hazard / 12):
                platform = True
        if self.platform and not self.trace:
            hazard = ((p.trace_p_per_year + self.model.trace_q_tie * trace_share) * lit
                      * self.willingness(trace_share, trace=True))
            if self.random.random() < 1 - math.exp(-hazard / 12):
                trace = True
        self._next = (platform, trace)

    def advance(self) -> None:
        self.platform, self.trace = self._next


class FirmAgent(mesa.Agent):
    def __init__(self, model: ReferenceModel, sector: int, level: int, employees: float,
                 revenue: float, value_added: float, capability: float, risk: float,
                 talent: float, sharing: float, active: bool) -> None:
        super().__init__(model)
        self.sector, self.level, self.employees, self.revenue = sector, level, employees, revenue
        self.level0, self.value_added = level, value_added
        self.capability, self.risk, self.talent, self.sharing = capability, risk, talent, sharing
        self.active = active
        self.energy_intensive = sector in ENERGY_INTENSIVE
        self.customers: list[FirmAgent] = []
        self._next = level

    def payback(self, net: float) -> float:
        """1 / (1 + payback / required): the cash gain of the step against its net cost."""
        p = self.model.ep
        if self.sector == DATA:
            return 1.0
        gain = self.value_added * p.va_gain_per_step[self.level] * p.gain_captured_share
        if self.energy_intensive:
            kwh = (p.power_kwh_per_employee_year * self.employees
                   * (1 - p.energy_saving_per_step) ** max(self.level - self.level0, 0))
            gain += kwh * p.energy_saving_per_step * p.industrial_power_price_cny_per_kwh
        return 1 / (1 + net / gain / p.payback_required_years) if gain > 0 else 0.0

    def decide(self) -> None:
        m, p = self.model, self.model.ep
        self._next = self.level
        if not self.active or self.level >= TOP:
            return
        cost = p.step_cost_cny[self.level] * (self.employees / 10) ** p.cost_size_elasticity
        net = cost * (1 - m.levers.transformation_subsidy_rate)
        liquidity = self.revenue * p.liquidity_share_of_revenue
        finance = net / (net + liquidity)
        peers = m.peer_above[(self.sector, self.level)]
        risk = self.risk * (1 - p.peer_risk_effect * peers) * (1 - m.security_relief)
        pull = 1.0
        if self.customers:
            pull += p.supply_pull * sum(c.level > self.level for c in self.customers) / len(
                self.customers)
        sharing = (self.sharing / 0.5) ** p.sharing_elasticity if self.level >= 2 else 1.0
        hazard = (p.upgrade_rate_per_year[self.level] * (1 - self.capability) * (1 - finance)
                  * (1 - risk) * self.talent ** p.talent_elasticity * pull * self.payback(net)
                  * sharing)
        if self.random.random() < 1 - math.exp(-hazard / 12):
            self._next = self.level + 1

    def advance(self) -> None:
        self.level = self._next


class ReferenceModel(mesa.Model):
    """Adoption only, one agent per household and firm, from a SteppeModel's population."""

    def __init__(self, source: SteppeModel, seed: int) -> None:
        super().__init__(rng=seed)
        self.hp, self.ep = source.params.herders, source.params.enterprises
        self.levers = docking_levers(source.levers)
        ep = self.ep
        self.security_relief = security_relief(ep, self.levers.data_security_cny_per_year)
        h, f = source.herders, source.firms
        self.q_tie, self.trace_q_tie = h.tie_q(self.hp.bass_q_per_year), h.tie_q(self.hp.trace_q_per_year)
        useful = platform_usefulness(self.hp, source.vector("sharing_use"))
        self.yearly_cost = yearly_cost_cny(self.hp, self.levers.herder_device_subsidy_rate)
        herd_rel = h.herd_head / h.herd_head.mean()
        access = source.market_access
        self.herders = [HerderAgent(self, float(h.literacy[i]), float(h.income_cny[i]),
                                    float(herd_rel[i]), float(access[h.county[i]]),
                                    float(useful[h.county[i]]), bool(h.connected[i]),
                                    bool(h.platform[i]), bool(h.trace[i])) for i in range(h.n)]
        for i, agent in enumerate(self.herders):
            agent.ties = [self.herders[j] for j in h.ties.indices[h.ties.indptr[i]:h.ties.indptr[i + 1]]]
        quality = source.vector("sharing_quality")
        self.firms = [FirmAgent(self, int(f.sector[i]), int(f.level[i]), float(f.employees[i]),
                                float(f.revenue0_cny[i]), float(f.va0_cny[i]),
                                float(f.capability[i]), float(f.risk[i]),
                                float(source.adequacy[f.county[i]]), float(quality[f.county[i]]),
                                bool(f.active[i])) for i in range(f.n)]
        s = f.supplies
        for i, agent in enumerate(self.firms):
            agent.customers = [self.firms[j] for j in s.indices[s.indptr[i]:s.indptr[i + 1]]]

    def _peer_shares(self) -> None:
        counts: dict[tuple[int, int], int] = {}
        totals: dict[int, int] = {}
        for a in self.firms:
            if a.active:
                counts[(a.sector, a.level)] = counts.get((a.sector, a.level), 0) + 1
                totals[a.sector] = totals.get(a.sector, 0) + 1
        self.peer_above = {
            (s, lvl): sum(counts.get((s, k), 0) for k in range(lvl + 1, TOP + 1)) / max(totals.get(s, 0), 1)
            for s in range(5) for lvl in range(TOP + 1)}

    def step(self) -> None:
        self._peer_shares()
        herders, firms = self.agents_by_type[HerderAgent], self.agents_by_type[FirmAgent]
        herders.shuffle_do("decide")
        firms.shuffle_do("decide")
        herders.do("advance")
        firms.do("advance")

    def shares(self) -> tuple[float, float, float]:
        """Platform share of households, traceability share, firm share at cloud level+."""
        n = len(self.herders)
        other = [a for a in self.firms if a.active and a.sector != 4]
        return (sum(a.platform for a in self.herders) / n, sum(a.trace for a in self.herders) / n,
                sum(a.level >= 2 for a in other) / len(other))


def docking_levers(levers: Levers) -> Levers:
    """The frozen environment: no centres, credit, training, device support or price premium."""
    from dataclasses import replace

    return replace(levers, promotion_centres=0, credit_quota_cny_per_year=0.0,
                   herder_training_per_year=0.0, herder_device_subsidy_rate=0.0,
                   energy_price_premium_cny_per_kwh=0.0)


def array_adoption_curves(source: SteppeModel, months: int) -> np.ndarray:
    """The array submodels in the same frozen environment: (months, 3) shares as in
    :meth:`ReferenceModel.shares`. Consumes ``source``."""
    lv = docking_levers(source.levers)
    h, f, p = source.herders, source.firms, source.params
    coverage = source.vector("coverage_rural")
    useful = platform_usefulness(p.herders, source.vector("sharing_use"))
    quality = source.vector("sharing_quality")
    ep = p.enterprises
    relief = security_relief(ep, lv.data_security_cny_per_year)
    no_demos = np.zeros(5)
    out = np.empty((months, 3))
    other = f.active & ~f.is_data
    for t in range(months):
        h.step(p.herders, coverage, coverage, useful, 0.0, 0.0, source.streams["herders"],
               source.market_access)
        f.upgrade(ep, subsidy_rate=lv.transformation_subsidy_rate, centres=0, credit_left_cny=0.0,
                  demos_by_sector=no_demos, security_relief=relief, talent_factor=source.adequacy,
                  sharing_quality=quality, price_premium=0.0, rng=source.streams["enterprises"])
        out[t] = (h.platform.mean(), h.trace.mean(), (f.level[other] >= 2).mean())
    return out


def reference_adoption_curves(source: SteppeModel, months: int, seed: int) -> np.ndarray:
    ref = ReferenceModel(source, seed)
    out = np.empty((months, 3))
    for t in range(months):
        ref.step()
        out[t] = ref.shares()
    return out
