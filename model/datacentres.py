"""Data centres: one Mesa agent per compute site of the south and edge clusters (seed 003).

Each site has intelligent compute capacity in P (dense FP16), a green-power share, PUE,
utilisation and a pipeline of capacity under construction. Demand comes from outside (China's
AI compute demand, the share reaching Xilingol raised by direct network links and cheap power)
and from local firms (by maturity level, raised by compute vouchers). Each quarter investors
build towards expected demand when the margin pays back the capex; publicly led builds add
capacity regardless of demand, which then shows up as low utilisation.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.params import DataCentreParams

HOURS_PER_MONTH = 730.0


class DataCentre(mesa.Agent):
    """A compute site in one county."""

    def __init__(self, model: mesa.Model, county_idx: int, cluster: str, capacity_p: float,
                 green_share: float, pue: float) -> None:
        super().__init__(model)
        self.county_idx = county_idx
        self.cluster = cluster
        self.capacity_p = capacity_p
        self.green_p = capacity_p * green_share
        self.pue_weighted = capacity_p * pue
        self.new_capacity_p = 0.0
        self.new_green_p = 0.0
        self.pipeline: list[tuple[int, float, float]] = []   # (ready month, P, green share)
        self.demand_p = 0.0
        self.served_p = 0.0
        self.price_cny_per_kwh = 0.0

    @property
    def pipeline_p(self) -> float:
        return sum(p for _, p, _ in self.pipeline)

    @property
    def utilisation(self) -> float:
        return self.served_p / self.capacity_p if self.capacity_p > 0 else 0.0

    @property
    def pue(self) -> float:
        return self.pue_weighted / self.capacity_p if self.capacity_p > 0 else 0.0

    def commission(self, month: int, pue_new: float) -> None:
        """Capacity whose construction is finished comes online."""
        ready = [x for x in self.pipeline if x[0] <= month]
        self.pipeline = [x for x in self.pipeline if x[0] > month]
        for _, p, green in ready:
            self.capacity_p += p
            self.green_p += p * green
            self.pue_weighted += p * pue_new
            self.new_capacity_p += p
            self.new_green_p += p * green

    def serve(self, demand_p: float) -> None:
        self.demand_p = demand_p
        self.served_p = min(demand_p, self.capacity_p)


def external_demand_p(p: DataCentreParams, month: int, link_beijing: bool, link_horinger: bool,
                      price_cny_per_kwh: float) -> float:
    """China's AI compute demand reaching Xilingol in ``month`` (months since 2025-01)."""
    years_since_2024 = (month + 6) / 12
    china = p.china_demand_p_2024 * (1 + p.china_demand_growth_per_year) ** years_since_2024
    links = 1 + p.link_beijing_boost * link_beijing + p.link_horinger_boost * link_horinger
    price = (p.market_power_price_cny_per_kwh / price_cny_per_kwh) ** p.price_elasticity
    return china * p.league_demand_share * links * price


def monthly_margin_cny_per_p(p: DataCentreParams, utilisation: float, price: float) -> float:
    """Operating margin of one P of capacity at a utilisation, before capital cost."""
    power = p.it_kw_per_p * p.pue_new * HOURS_PER_MONTH * price * utilisation
    return utilisation * p.rent_cny_per_p_month - p.opex_cny_per_p_month - power


def allocate(total: float, weights: np.ndarray) -> np.ndarray:
    s = weights.sum()
    return total * weights / s if s > 0 else np.zeros_like(weights)


def cluster_weights(south: np.ndarray, south_share: float) -> np.ndarray:
    """Per-site weights giving the south cluster ``south_share`` of a build, split evenly."""
    return np.where(south, south_share / max(south.sum(), 1), (1 - south_share) / max((~south).sum(), 1))


def step_fleet(sites: list[DataCentre], p: DataCentreParams, month: int, *, local_demand_p: float,
               link_beijing: bool, link_horinger: bool, price: float, green_requirement: float,
               planned_p_per_year: float, demand_history: list[float]) -> dict[str, float]:
    """One month for all sites; returns demand, revenue and capital booked."""
    for s in sites:
        s.commission(month, p.pue_new)
    ext = external_demand_p(p, month, link_beijing, link_horinger, price)
    cap = np.array([s.capacity_p for s in sites])
    south = np.array([s.cluster == "south" for s in sites])
    ext_by_site = (allocate(ext * p.south_demand_share, cap * south)
                   + allocate(ext * (1 - p.south_demand_share), cap * ~south))
    local_by_site = allocate(local_demand_p, cap)
    for s, e, loc in zip(sites, ext_by_site, local_by_site, strict=True):
        s.serve(e + loc)
        s.price_cny_per_kwh = price
    served = sum(s.served_p for s in sites)
    total_demand = ext + local_demand_p
    local_served = local_demand_p * min(1.0, served / total_demand) if total_demand > 0 else 0.0
    demand_history.append(total_demand)

    green = p.market_green_share + p.green_compliance * max(0.0, green_requirement - p.market_green_share)
    premium = 1 + p.green_capex_premium * max(0.0, green_requirement - p.market_green_share)
    capex_private = capex_public = 0.0
    if month % 3 == 0:
        past = demand_history[-13] if len(demand_history) > 12 else demand_history[0]
        growth = total_demand / past if past > 0 else 1.0
        if len(demand_history) <= 12:
            growth **= 12 / max(len(demand_history) - 1, 1)
        expected = total_demand * growth ** (p.build_months / 12)
        planned = cap.sum() + sum(s.pipeline_p for s in sites)
        gap = expected * (1 + p.headroom) - planned
        util = min(1.0, expected / (planned + max(gap, 0.0))) if planned + gap > 0 else 0.0
        pays = monthly_margin_cny_per_p(p, util, price) * 12 * p.payback_years >= (
            p.capex_cny_per_p * premium)
        if gap > 0 and pays:
            build = gap * p.invest_share_per_quarter
            for s, b in zip(sites, allocate(build, cluster_weights(south, p.south_demand_share)),
                            strict=True):
                s.pipeline.append((month + p.build_months, b, green))
            capex_private += build * p.capex_cny_per_p * premium
    if planned_p_per_year > 0:
        build = planned_p_per_year / 12
        for s, b in zip(sites, allocate(build, cluster_weights(south, p.planned_south_share)),
                        strict=True):
            s.pipeline.append((month + p.build_months, b, green))
        capex = build * p.capex_cny_per_p * premium
        capex_public += capex * p.public_capex_share
        capex_private += capex * (1 - p.public_capex_share)
    return {
        "external_demand_p": ext, "local_demand_p": local_demand_p, "served_p": served,
        "local_served_p": local_served,
        "revenue_cny": served * p.rent_cny_per_p_month,
        "capex_private": capex_private, "capex_public": capex_public,
    }
