"""Data centres and the compute market (seed 002, seed 003 lines 15-19).

One Mesa agent per county is a potential compute site; at end-2024 only the south and edge
cluster counties (seed 003 lines 16-17) hold capacity. The market has one rent per P-month for
the league. Each month:

- demand: China's AI compute demand reaches Xilingol through a base share, direct network
  links and the league's rent against the national rent, which follows national supply and demand
  (a yearly change, a deep uncertainty); the price elasticity is below 1, so a cheaper league rent
  fills some idle capacity but earns less; local firms add their demand (compute vouchers raise
  it). Demand goes to sites in proportion to capacity times an
  attraction that falls with latency (distance to Beijing); a site that is full passes its excess
  on to sites with room;
- rent clears: it rises when demand exceeds the normal utilisation of capacity and falls when
  capacity idles, never below the power cost of serving one P;
- accounts: each site's revenue, power, other operating cost and margin;
- investment (quarterly): each site's investors compare the expected return on a new P
  (expected utilisation at the site, realised rent, power, green power and certificates, land)
  with their hurdle rate; they build more the better the return, defer pipeline when it is below
  the hurdle and cancel part of it when margins turn negative.
- publicly led builds (the plan's south/edge split) wait for approval, then need co-investors for
  the part of the capex the league does not pay: a build is financed in proportion to how well
  their expected return clears their required return, so a plan that outruns demand is not
  financed in full (seed 002 line 14).
- green share (seed 003 line 19): investors buy green power where it is cheaper than grid power,
  up to what the county's contractable green supply leaves. Where the approval condition is on, a
  build below the requirement is not approved: investors then buy more green power where that is
  cheaper than certificates, and cover the rest by green-power trading or certificates, at a
  price. Publicly led builds are always held to the requirement.

Over-building therefore shows up as idle capacity, falling rent, losses, deferred and cancelled
pipeline (seed 002 line 14: 「机器堆积得多、利用得少」).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa
import numpy as np

from model.params import DataCentreParams

HOURS_PER_MONTH = 730.0


def sigmoid(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(x / 2.0))


@dataclass
class Build:
    """Capacity under construction at a site."""

    ready_month: int
    p: float
    green: float              # share of its power from contracted green supply
    certified: float          # share covered by green-power trading or certificates (绿电交易、绿证)
    public_led: bool          # decided by the league: never deferred or cancelled by investors
    capex_cny: float          # full capex (the capital the capacity carries)
    private_capex_cny: float  # the part private investors pay, on commissioning


class DataCentre(mesa.Agent):
    """The compute site of one county and its investors."""

    def __init__(self, model: mesa.Model, county_idx: int, cluster: str, capacity_p: float,
                 green_share: float, pue: float, attraction: float, green_mw: float,
                 land_factor: float) -> None:
        super().__init__(model)
        self.county_idx = county_idx
        self.cluster = cluster
        self.capacity_p = capacity_p
        self.green_p = capacity_p * green_share
        self.certified_p = 0.0                # capacity whose green shortfall is covered by certificates
        self.pue_weighted = capacity_p * pue
        self.attraction = attraction          # relative pull of outside demand (latency)
        self.green_mw = green_mw              # green power available to data centres
        self.land_factor = land_factor        # capex multiplier for land and connection
        self.new_capacity_p = 0.0             # commissioned since 2025-01
        self.new_green_p = 0.0
        self.new_certified_p = 0.0
        self.pipeline: list[Build] = []
        self.demand_p = 0.0
        self.served_p = 0.0
        self.margin_cny = 0.0                 # last month's operating margin
        self.expected_return = 0.0            # last quarter's expected return on a new P
        self.chosen_green = green_share       # green share (own + certified) chosen for the last private build
        self.expected_utilisation = 1.0       # investors' expected utilisation of a new P (last quarter)
        self.capex_stock_cny = 0.0            # capital of capacity commissioned (for returns)

    @property
    def pipeline_p(self) -> float:
        return sum(b.p for b in self.pipeline)

    @property
    def utilisation(self) -> float:
        return self.served_p / self.capacity_p if self.capacity_p > 0 else 0.0

    @property
    def pue(self) -> float:
        return self.pue_weighted / self.capacity_p if self.capacity_p > 0 else 0.0

    @property
    def green_share(self) -> float:
        return self.green_p / self.capacity_p if self.capacity_p > 0 else 0.0

    @property
    def certified_share(self) -> float:
        return self.certified_p / self.capacity_p if self.capacity_p > 0 else 0.0

    def green_room_share(self, p: DataCentreParams, build_p: float, month: int) -> float:
        """Highest green share a new build of ``build_p`` can have with the county's contractable
        green power in ``month`` left after the site's green capacity already committed."""
        supply_mw = self.green_mw * (1 + p.green_supply_growth_per_year) ** ((month + 1) / 12)
        used_mw = (self.green_p + sum(b.p * b.green for b in self.pipeline)) * p.it_kw_per_p * p.pue_new / 1000
        need_mw = build_p * p.it_kw_per_p * p.pue_new / 1000
        return min(1.0, max(0.0, supply_mw - used_mw) / need_mw) if need_mw > 0 else 1.0

    def commission(self, month: int, pue_new: float) -> float:
        """Capacity whose construction is finished comes online; returns private capex paid."""
        ready = [b for b in self.pipeline if b.ready_month <= month]
        self.pipeline = [b for b in self.pipeline if b.ready_month > month]
        paid = 0.0
        for b in ready:
            self.capacity_p += b.p
            self.green_p += b.p * b.green
            self.certified_p += b.p * b.certified
            self.pue_weighted += b.p * pue_new
            self.new_capacity_p += b.p
            self.new_green_p += b.p * b.green
            self.new_certified_p += b.p * b.certified
            self.capex_stock_cny += b.capex_cny
            paid += b.private_capex_cny
        return paid


@dataclass
class ComputeMarket:
    """League-level state of the compute market: the rent and demand history."""

    rent_cny_per_p_month: float
    demand_history: list[float] = field(default_factory=list)
    deferred_p: float = 0.0       # cumulative P-quarters of private pipeline deferred by a quarter
    cancelled_p: float = 0.0      # cumulative P of private pipeline cancelled
    planned_p: float = 0.0        # cumulative P of publicly led builds decided
    unfinanced_p: float = 0.0     # cumulative P of publicly led builds co-investors did not finance
    private_p: float = 0.0        # cumulative P of private builds decided


def china_demand_p(p: DataCentreParams, month: int) -> float:
    """China's AI compute demand in ``month`` (months since 2025-01; mid-2024 = 725,000 P)."""
    return p.china_demand_p_2024 * (1 + p.china_demand_growth_per_year) ** ((month + 6) / 12)


def national_rent_cny_per_p_month(p: DataCentreParams, month: int) -> float:
    """National rent of one P in ``month`` (months since 2025-01; -1 is end-2024)."""
    return p.rent_cny_per_p_month * (1 + p.national_rent_change_per_year) ** ((month + 1) / 12)


def external_demand_p(p: DataCentreParams, month: int, link_beijing: bool, link_horinger: bool,
                      rent_cny_per_p_month: float) -> float:
    """Outside demand for Xilingol's compute at the league's rent."""
    links = 1 + p.link_beijing_boost * link_beijing + p.link_horinger_boost * link_horinger
    price = (national_rent_cny_per_p_month(p, month) / rent_cny_per_p_month) ** p.price_elasticity
    return china_demand_p(p, month) * p.league_demand_share * links * price


def power_cost_cny_per_p_month(p: DataCentreParams, price_cny_per_kwh: float, green: float,
                               pue: float, certified: float = 0.0) -> float:
    """Power bill of one P in use: grid price plus the green premium of a green share ``green``
    (premium at zero share plus a firming cost rising with the share), plus certificates for a
    share ``certified``."""
    kwh = p.it_kw_per_p * pue * HOURS_PER_MONTH
    return kwh * (price_cny_per_kwh + green * p.green_premium_cny_per_kwh
                  + p.green_firming_cny_per_kwh * green**2 / 2 + certified * p.green_certificate_cny_per_kwh)


def chosen_green_share(p: DataCentreParams, requirement: float, room: float, approval: bool) -> tuple[float, float]:
    """(own green share, certified share) of a new build, at least cost. Unprompted, investors buy
    green power up to where its marginal cost reaches the grid price. Under the approval condition
    they must reach ``requirement``: own green power as long as its marginal cost is below a
    certificate's, certificates for the rest. Own green power never exceeds the county's
    contractable supply left (``room``)."""
    market = min(1.0, max(0.0, -p.green_premium_cny_per_kwh / p.green_firming_cny_per_kwh))
    if not approval:
        return min(market, room), 0.0
    worth = (p.green_certificate_cny_per_kwh - p.green_premium_cny_per_kwh) / p.green_firming_cny_per_kwh
    own = min(room, max(market, min(requirement, worth)))
    return own, max(0.0, requirement - own)


def allocate_demand(demand: float, capacity: np.ndarray, attraction: np.ndarray) -> np.ndarray:
    """Capacity served per site: demand goes to sites in proportion to capacity x attraction;
    what a full site cannot take goes to sites with room, in proportion to their room."""
    w = capacity * attraction
    if w.sum() <= 0:
        return np.zeros_like(capacity)
    first = np.minimum(demand * w / w.sum(), capacity)
    excess = demand - first.sum()
    room = capacity - first
    if excess > 0 and room.sum() > 0:
        first = first + min(excess, room.sum()) * room / room.sum()
    return np.minimum(first, capacity)


def demand_growth_per_year(history: list[float]) -> float:
    """Yearly growth of demand over the past year (annualised from a shorter history)."""
    if len(history) < 2 or history[0] <= 0:
        return 0.0
    back = min(12, len(history) - 1)
    past = history[-1 - back]
    return (history[-1] / past) ** (12 / back) - 1 if past > 0 else 0.0


def invest_quarter(sites: list[DataCentre], market: ComputeMarket, p: DataCentreParams, month: int, *,
                   demand_p: float, price: float, green_requirement: float, green_approval: bool) -> None:
    """Each site's investors: expected return on a new P against their hurdle rate; build more
    the further it clears the hurdle, nothing far below it, and then cancel part of their private
    pipeline and defer the rest by a quarter."""
    growth = demand_growth_per_year(market.demand_history)
    expected_demand = demand_p * (1 + growth) ** (p.build_months / 12)
    attraction = np.array([s.attraction for s in sites])
    planned = np.array([s.capacity_p + s.pipeline_p for s in sites])
    denom = float((planned * attraction).sum())
    hurdle = 1 / p.payback_years
    stop = hurdle - 2 * p.return_spread
    for s in sites:
        u_exp = min(1.0, expected_demand * s.attraction / denom) if denom > 0 else 1.0
        probe = max(s.capacity_p + s.pipeline_p, p.site_min_build_p) * p.invest_share_per_quarter
        green, certified = chosen_green_share(p, green_requirement, s.green_room_share(p, probe, month),
                                              green_approval)
        margin = (u_exp * (market.rent_cny_per_p_month
                           - power_cost_cny_per_p_month(p, price, green, p.pue_new, certified))
                  - p.opex_cny_per_p_month)
        capex = p.capex_cny_per_p * s.land_factor
        r = 12 * margin / capex
        s.expected_return, s.chosen_green, s.expected_utilisation = r, green + certified, u_exp
        build = probe * max(0.0, sigmoid((r - hurdle) / p.return_spread) - sigmoid(-2.0)) / (1 - sigmoid(-2.0))
        if build > 1e-6:
            market.private_p += build
            s.pipeline.append(Build(month + p.build_months, build, green, certified, False, build * capex,
                                    build * capex))
        private = [b for b in s.pipeline if not b.public_led]
        if r < stop and private:
            cancel = p.cancel_share_per_quarter * (1 - math.exp((r - stop) / p.return_spread))
            for b in private:
                gone = b.p * cancel
                market.cancelled_p += gone
                market.deferred_p += b.p - gone
                b.capex_cny *= 1 - cancel
                b.private_capex_cny *= 1 - cancel
                b.p -= gone
                b.ready_month += 3
            s.pipeline = [b for b in s.pipeline if b.p > 1e-9]


def financed_share(p: DataCentreParams, site: DataCentre, rent: float, price: float, green: float,
                   certified: float) -> float:
    """Share of a publicly led build at ``site`` that co-investors finance: a logistic in how far
    their expected return on their part of the capex (the league pays ``public_capex_share``)
    clears their required return."""
    own = 1 - p.public_capex_share
    if own <= 0:
        return 1.0
    margin = (site.expected_utilisation * (rent - power_cost_cny_per_p_month(p, price, green, p.pue_new, certified))
              - p.opex_cny_per_p_month)
    r = 12 * margin / (p.capex_cny_per_p * site.land_factor * own)
    return sigmoid((r - p.planned_min_return_per_year) / p.return_spread)


def planned_builds(sites: list[DataCentre], market: ComputeMarket, p: DataCentreParams, month: int,
                   planned_p_per_year: float, green_requirement: float, price: float) -> float:
    """Publicly led builds: the plan's south/edge split, within a cluster by the sites' pull; held
    to the green requirement; approved after ``approval_months``, built in ``build_months``, and
    only as far as co-investors finance them (never deferred or cancelled once financed). Returns
    the public share of their capex (paid at decision)."""
    if planned_p_per_year <= 0:
        return 0.0
    attraction = np.array([s.attraction for s in sites])
    south = np.array([s.cluster == "south" for s in sites])
    edge = np.array([s.cluster == "edge" for s in sites])
    w = attraction * (south * p.planned_south_share / max(attraction[south].sum(), 1e-12)
                      + edge * (1 - p.planned_south_share) / max(attraction[edge].sum(), 1e-12))
    public = 0.0
    for s, share in zip(sites, w, strict=True):
        if share <= 0:
            continue
        decided = planned_p_per_year / 12 * share
        green, certified = chosen_green_share(p, green_requirement, s.green_room_share(p, decided, month), True)
        b = decided * financed_share(p, s, market.rent_cny_per_p_month, price, green, certified)
        market.planned_p += decided
        market.unfinanced_p += decided - b
        capex = b * p.capex_cny_per_p * s.land_factor
        s.pipeline.append(Build(month + p.approval_months + p.build_months, b, green, certified, True, capex,
                                capex * (1 - p.public_capex_share)))
        public += capex * p.public_capex_share
    return public


def step_fleet(sites: list[DataCentre], market: ComputeMarket, p: DataCentreParams, month: int, *,
               local_demand_p: float, link_beijing: bool, link_horinger: bool, price: float,
               green_requirement: float, green_approval: bool, planned_p_per_year: float) -> dict[str, float]:
    """One month of the compute market for all sites; returns demand, revenue, margins and
    capital paid (private capex on commissioning, public share on decision)."""
    capex_private = sum(s.commission(month, p.pue_new) for s in sites)
    rent = market.rent_cny_per_p_month
    ext = external_demand_p(p, month, link_beijing, link_horinger, rent)
    local = local_demand_p * (national_rent_cny_per_p_month(p, month) / rent) ** p.price_elasticity
    total = ext + local
    cap = np.array([s.capacity_p for s in sites])
    attraction = np.array([s.attraction for s in sites])
    served_by_site = allocate_demand(total, cap, attraction)
    revenue = power = opex = 0.0
    for s, d in zip(sites, served_by_site, strict=True):
        s.served_p = float(d)
        rev = s.served_p * rent
        pw = s.served_p * power_cost_cny_per_p_month(p, price, s.green_share, s.pue or p.pue_new, s.certified_share)
        ox = s.capacity_p * p.opex_cny_per_p_month
        s.margin_cny = rev - pw - ox
        revenue, power, opex = revenue + rev, power + pw, opex + ox
    served = float(sum(s.served_p for s in sites))
    capacity = float(cap.sum())
    market.demand_history.append(total)

    # The rent clears: up when demand is above normal utilisation of capacity, down when idle.
    pressure = total / (p.normal_utilisation * capacity) if capacity > 0 else 2.0
    floor = power_cost_cny_per_p_month(p, price, 0.0, p.pue_new)
    market.rent_cny_per_p_month = max(floor, rent * pressure ** p.rent_adjustment_per_month)

    if month % 3 == 0:
        invest_quarter(sites, market, p, month, demand_p=total, price=price,
                       green_requirement=green_requirement, green_approval=green_approval)
    capex_public = planned_builds(sites, market, p, month, planned_p_per_year, green_requirement, price)
    capex_stock = sum(s.capex_stock_cny for s in sites)
    margin = revenue - power - opex
    return {
        "external_demand_p": ext, "local_demand_p": local, "served_p": served,
        "rent_cny_per_p_month": rent,
        "local_served_p": local * min(1.0, served / total) if total > 0 else 0.0,
        "revenue_cny": revenue, "power_cny": power, "opex_cny": opex, "margin_cny": margin,
        "return_on_capex": 12 * margin / capex_stock if capex_stock > 0 else 0.0,
        "capex_private": capex_private, "capex_public": capex_public,
    }
