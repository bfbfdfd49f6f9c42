"""The Digital Steppe model: a ``mesa.Model`` whose :meth:`SteppeModel.step` is the whole
monthly schedule, in order, in one place.

Counties and data centres are Mesa agents; herder households and enterprises are arrays with
sparse networks. Every random draw comes from a stream spawned from the run's seed, one stream
per submodel, and each submodel draws the same amount of numbers every month whatever the lever
settings, so that two scenarios run with one seed share their random numbers (common random
numbers) wherever their levers do not differ.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from model import datacentres as dc
from model.accounts import Ledger
from model.counties import SEAT, County, build_infrastructure, load_counties, sharing_potential, spin_up_sharing
from model.dataeconomy import DATASET_DOMAINS, DataEconomy
from model.enterprises import Enterprises, security_relief
from model.herders import Herders, market_access, platform_usefulness
from model.indicators import Recorder
from model.levers import Levers
from model.params import KEY_SECTORS, SECTORS
from model.scenario import BASE_YEAR, Scenario
from model.settings import SettingError
from model.talent import TalentMarket

# Appending a stream keeps the others' draws (SeedSequence children are fixed by their index).
STREAMS = ("herders_init", "enterprises_init", "herders", "enterprises", "data_products", "cases", "pilots",
           "datasets")
MIN_SCALE, MAX_SCALE = 0.01, 10.0
MAX_SEED = 2**63 - 1


def spawn_streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per submodel, spawned from the run's seed in a fixed order."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


def due_this_month(per_year: float, month: int) -> int:
    """Whole items (projects, programmes) started this month so that ``per_year`` spread evenly."""
    return math.floor((month + 1) * per_year / 12 + 1e-9) - math.floor(month * per_year / 12 + 1e-9)


class SteppeModel(mesa.Model):
    """Xilingol's digital economy, one step per month from January 2025."""

    def __init__(self, scenario: Scenario | None = None, seed: int = 0, scale: float = 1.0) -> None:
        if not MIN_SCALE <= scale <= MAX_SCALE:
            raise ValueError(f"scale {scale!r} is out of range; allowed [{MIN_SCALE}, {MAX_SCALE}]")
        super().__init__(rng=seed)
        self.config = scenario or Scenario()
        self.seed, self.scale = seed, scale
        self.params = p = self.config.parameters
        self.timeline: list[Levers] = self.config.lever_timeline()
        self.streams = spawn_streams(seed)
        self.month = 0
        self.ledger = Ledger()

        self.county_table = load_counties(p.herders.household_size_persons)
        self.counties = [County(self, row, i, p.counties) for i, row in self.county_table.iterrows()]
        self.seat = next(c.idx for c in self.counties if c.county_id == SEAT)
        ct = self.county_table
        pastoral = (ct["economy"] == "pastoral").to_numpy()
        self.herders = Herders.create(ct["rural_households"].to_numpy(), pastoral,
                                      self.vector("coverage_rural"), p.herders, scale,
                                      self.streams["herders_init"])
        self.market_access = market_access(p.herders, ct["distance_beijing_km"].to_numpy())
        self.firms = Enterprises.create(ct["firm_weight"].to_numpy(), self.seat, p.enterprises,
                                        p.dataeconomy.entrant_pool_share,
                                        p.dataeconomy.entrant_revenue_share, scale,
                                        self.streams["enterprises_init"])
        self._starts: np.ndarray | None = None
        spin_up_sharing(self.counties, p.counties, Levers().public_data_opening, self.sharing_potential())
        demand = self.talent_demand()
        self.talent = TalentMarket.create(demand, list(ct["economy"]),
                                          ct["seat_lat"].to_numpy(), ct["seat_lon"].to_numpy(),
                                          ct["distance_beijing_km"].to_numpy(), self.seat, p.talent,
                                          area_km2=ct["area_km2"].to_numpy())
        self.adequacy = self.talent.adequacy(demand)
        self.data = DataEconomy.create(self.firms, p.dataeconomy, p.enterprises, self.adequacy)
        self.sites = self._create_sites()
        self.market = dc.ComputeMarket(p.datacentres.rent_cny_per_p_month)
        self.demos_done = np.zeros(len(SECTORS))
        self.pending_demos: list[tuple[int, int]] = []   # (month done, sector)
        self.demo_counter = 0
        self.ai_carry = 0.0
        self.loans_this_year = 0.0
        self.last_herders: dict[str, float] = {}
        self.last_firms: dict[str, float] = {}
        self.recorder = Recorder(self)
        self.recorder.record_initial()
        self.herders.realise(p.herders, platform_usefulness(p.herders, self.vector("sharing_use")),
                             self.market_access)
        self._calibrate_value_added()

    # -- set-up helpers -----------------------------------------------------------------------
    def _create_sites(self) -> list[dc.DataCentre]:
        """One potential compute site per county; end-2024 capacity only in the two clusters,
        split evenly between their counties (no county figures). The league's green generating
        capacity (FACTS) is split by area, the cluster counties weighted by ``green_cluster_factor``
        (seed 003 lines 16-17 name them for their green power)."""
        p = self.params.datacentres
        ct = self.county_table
        in_cluster = ct["compute_cluster"].isin(["south", "edge"]).to_numpy()
        weight = ct["area_km2"].to_numpy() * np.where(in_cluster, p.green_cluster_factor, 1.0)
        green_mw = float(ct["green_power_mw"].sum()) * weight / weight.sum()
        dist = ct["distance_beijing_km"].to_numpy()
        attraction = (dist / dist.mean()) ** -p.latency_elasticity
        totals = {"south": p.initial_south_p, "edge": p.initial_edge_p}
        members = {k: sum(c.cluster == k for c in self.counties) for k in totals}
        sites = []
        for c in self.counties:
            cap = totals[c.cluster] / members[c.cluster] if c.cluster in totals else 0.0
            site = dc.DataCentre(self, c.idx, c.cluster, cap, p.initial_green_share, p.pue_existing,
                                 float(attraction[c.idx]), float(green_mw[c.idx]) * p.green_available_share,
                                 1 + p.land_capex_premium_pastoral * c.pastoral)
            site.capex_stock_cny = cap * p.capex_cny_per_p
            sites.append(site)
        return sites

    def households_by_county(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Households (weighted) per county, of all or of those where ``mask`` holds. Households
        are stored county by county, so a segmented sum is enough (much faster than bincount)."""
        h = self.herders
        if self._starts is None:
            assert np.all(np.diff(h.county) >= 0), "herders must be sorted by county"
            self._starts = np.searchsorted(h.county, np.arange(len(self.counties)))
        if mask is None:
            return np.diff(np.append(self._starts, h.n)) * h.weight
        return np.add.reduceat(mask, self._starts, dtype=np.int64) * h.weight

    def sharing_potential(self) -> np.ndarray:
        """Potential users of shared data per county, from the agents (see ``counties``)."""
        n, h, f = len(self.counties), self.herders, self.firms
        households = self.households_by_county()
        platform = self.households_by_county(h.platform) / households
        connected = self.households_by_county(h.connected) / households
        firms = np.maximum(np.bincount(f.county[f.active], minlength=n), 1)
        data_driven = np.bincount(f.county[f.active & (f.level >= 3)], minlength=n) / firms
        return sharing_potential(self.params.counties, platform, data_driven,
                                 connected * self.vector("gov_level"))

    def _calibrate_value_added(self) -> None:
        """Match the league's value added to GDP at the start (FACTS 2023): a constant part
        outside the model, herder households (income, with the benefit today's platform users
        realise), the data industry (its revenue times its value-added share) and the other
        firms (in proportion to revenue)."""
        ep, h = self.params.enterprises, self.herders
        self.gdp_outside_cny = ep.league_gdp_cny * ep.gdp_share_outside_model
        herders = h.income_total_now_cny()
        data = ep.core_va_share_of_revenue * self.recorder.initial_scale_cny
        firms = ep.league_gdp_cny - self.gdp_outside_cny - herders - data
        if firms <= 0:
            raise SettingError(
                "parameters.enterprises.gdp_share_outside_model: with these settings herders and the "
                f"data industry alone exceed the GDP left to the model ({firms / 1e9:.3g} bn CNY for "
                "firms); lower it or the herder benefit")
        self.va_per_revenue = self.firms.set_value_added(firms)

    def vector(self, attr: str) -> np.ndarray:
        """A county attribute as an array in county order."""
        return np.array([getattr(c, attr) for c in self.counties], dtype=float)

    def talent_demand(self) -> np.ndarray:
        return self.firms.by_county(self.firms.digital_staff_demand(self.params.enterprises),
                                    len(self.counties))

    @property
    def year(self) -> int:
        return BASE_YEAR + self.month // 12

    @property
    def levers(self) -> Levers:
        return self.timeline[self.month]

    # -- the monthly schedule ------------------------------------------------------------------
    def step(self) -> None:
        """One month, in this order: infrastructure and data sharing; talent; herders;
        enterprises (centres, upgrades, AI+ programmes, demonstrations); the data industry;
        data centres; public costs; indicators."""
        lv, p, y, m = self.levers, self.params, self.year, self.month
        book = self.ledger.book
        cost = self.ledger.public_cost

        # 1. Counties: coverage and the data-sharing loop
        coverage_before = self.vector("coverage_rural")
        league_spent, own_spent = build_infrastructure(
            self.counties, p.counties, lv.infra_budget_cny_per_year, lv.infra_pastoral_share)
        for c, potential in zip(self.counties, self.sharing_potential(), strict=True):
            c.update_sharing(p.counties, lv.public_data_opening, float(potential))
        coverage_after = self.vector("coverage_rural")
        quality = self.vector("sharing_quality")
        book(y, "county_infra_league", league_spent)
        book(y, "county_infra_own", own_spent)
        cost(y, "infra_budget_cny_per_year", league_spent)

        # 2. Talent market
        demand = self.talent_demand()
        enrolled = self.lever_months_ago(p.talent.course_months).talent_training_seats_per_year
        t = self.talent.step(p.talent, demand, lv.talent_training_seats_per_year, enrolled,
                             lv.talent_attraction_subsidy_cny_per_year)
        self.adequacy = self.talent.adequacy(demand)
        self.last_talent = t
        cost(y, "talent_training_seats_per_year", t["training_cost"])
        cost(y, "talent_attraction_subsidy_cny_per_year", t["subsidy_cost"])

        # 3. Herder households
        usefulness = platform_usefulness(p.herders, self.vector("sharing_use"))
        h = self.herders.step(p.herders, coverage_before, coverage_after, usefulness,
                              lv.herder_training_per_year, lv.herder_device_subsidy_rate,
                              self.streams["herders"], self.market_access)
        self.last_herders = h
        cost(y, "herder_training_per_year", h["trained"] * p.herders.training_cost_cny_per_household)
        cost(y, "herder_device_subsidy_rate", h["device_subsidy"])
        book(y, "herder_device_spend", h["device_spend"])
        book(y, "herder_device_subsidy", h["device_subsidy"])
        book(y, "herder_device_own", h["device_spend"] - h["device_subsidy"])
        book(y, "herder_benefit", h["benefit"])
        book(y, "herder_cost_cut", h["cost_cut"])
        book(y, "herder_output_gain", h["output_gain"])
        book(y, "herder_service_fees", h["service_fees"])

        # 4. Enterprises
        ep = p.enterprises
        if m % 12 == 0:
            self.loans_this_year = 0.0
        credit_left = lv.credit_quota_cny_per_year * (m % 12 + 1) / 12 - self.loans_this_year
        security = lv.data_security_cny_per_year
        relief = security_relief(ep, security)
        self._finish_demos()
        e = self.firms.upgrade(ep, subsidy_rate=lv.transformation_subsidy_rate,
                               centres=lv.promotion_centres, credit_left_cny=credit_left,
                               demos_by_sector=self.demos_done, security_relief=relief,
                               talent_factor=self.adequacy, sharing_quality=quality,
                               price_premium=lv.energy_price_premium_cny_per_kwh,
                               rng=self.streams["enterprises"])
        self.loans_this_year += e["loans"]
        programmes = due_this_month(lv.ai_plus_programmes_per_year, m)
        self.ai_carry += programmes * self.scale
        lifted = int(self.ai_carry)
        ai = self.firms.promote_to_top(lifted, self.streams["enterprises"], ep,
                                       lv.transformation_subsidy_rate)
        self.ai_carry -= lifted
        self.last_firms = e
        demos = due_this_month(lv.demonstration_projects_per_year, m)
        for _ in range(demos):
            self.pending_demos.append((m + ep.demo_months, self.demo_counter % len(KEY_SECTORS)))
            self.demo_counter += 1
        book(y, "enterprise_capex", e["capex"] + ai["capex"])
        book(y, "enterprise_subsidy", e["subsidy"] + ai["subsidy"])
        book(y, "enterprise_loans", e["loans"])
        book(y, "enterprise_own_funds", e["own_funds"] + ai["own_funds"])
        book(y, "enterprise_ai_plus_capex", ai["capex"])
        book(y, "energy_premium_revenue", e["energy_premium_revenue"])
        cost(y, "transformation_subsidy_rate", e["subsidy"] + ai["subsidy"])
        cost(y, "credit_quota_cny_per_year", e["loans"] * ep.credit_public_cost_share)
        cost(y, "promotion_centres", lv.promotion_centres * ep.centre_cost_cny_per_year / 12)
        cost(y, "demonstration_projects_per_year", demos * ep.demo_cost_cny)
        cost(y, "ai_plus_programmes_per_year", programmes * ep.ai_programme_cost_cny)
        cost(y, "energy_price_premium_cny_per_kwh", -e["energy_premium_revenue"])
        cost(y, "data_security_cny_per_year", security / 12)

        # 5. The data industry: entry, pilots, products and datasets, cases from projects
        dp = p.dataeconomy
        self.data.enter(self.firms, dp, ep, self.adequacy, self.streams["enterprises"])
        mean_quality = float(quality.mean())
        pilots = self.data.pilots_step(self.firms, dp, pilots_in_force=lv.authorised_operation_pilots,
                                       quality=mean_quality, rng=self.streams["pilots"])
        self.data.produce(self.firms, dp, quality=mean_quality,
                          opening=lv.public_data_opening, exchange_base=lv.exchange_service_base,
                          pilots=pilots, rng=self.streams["data_products"])
        demo_sectors = [(self.demo_counter - demos + j) % len(KEY_SECTORS) for j in range(demos)]
        self.data.projects_step(self.firms, dp, ep, self.adequacy, m, demo_sectors=demo_sectors,
                                programmes=programmes, rng=self.streams["cases"])
        commissions = due_this_month(len(DATASET_DOMAINS) * lv.dataset_commissions_per_industry_per_year, m)
        self.data.commission_step(self.firms, dp, ep, self.adequacy, quality, m, launches=commissions,
                                  rng=self.streams["datasets"])
        cost(y, "dataset_commissions_per_industry_per_year", commissions * dp.dataset_cost_cny)
        cost(y, "public_data_opening", lv.public_data_opening * dp.opening_cost_cny_per_year / 12)
        cost(y, "authorised_operation_pilots",
             lv.authorised_operation_pilots * dp.pilot_cost_cny_per_year / 12)
        cost(y, "exchange_service_base",
             lv.exchange_service_base * dp.exchange_base_cost_cny_per_year / 12)

        # 6. Data centres and the compute market
        dcp = p.datacentres
        local = self.firms.compute_demand_p(ep) * (1 + dcp.voucher_elasticity * lv.compute_voucher_rate)
        rent = self.market.rent_cny_per_p_month
        d = dc.step_fleet(self.sites, self.market, dcp, m, local_demand_p=local,
                          link_beijing=lv.link_beijing, link_horinger=lv.link_horinger,
                          price=lv.dc_electricity_price_cny_per_kwh,
                          green_requirement=lv.dc_green_power_requirement,
                          green_approval=lv.dc_green_approval,
                          planned_p_per_year=lv.dc_planned_build_p_per_year)
        self.last_compute = d
        kwh = sum(s.served_p * s.pue for s in self.sites) * dcp.it_kw_per_p * dc.HOURS_PER_MONTH
        price_gap = dcp.market_power_price_cny_per_kwh - lv.dc_electricity_price_cny_per_kwh
        book(y, "dc_capex", d["capex_private"] + d["capex_public"])
        book(y, "dc_capex_private", d["capex_private"])
        book(y, "dc_capex_public", d["capex_public"])
        cost(y, "dc_planned_build_p_per_year", d["capex_public"])
        cost(y, "dc_electricity_price_cny_per_kwh", max(price_gap, 0.0) * kwh)
        cost(y, "compute_voucher_rate", lv.compute_voucher_rate * d["local_served_p"] * rent)
        cost(y, "link_beijing", lv.link_beijing * dcp.link_cost_cny_per_year / 12)
        cost(y, "link_horinger", lv.link_horinger * dcp.link_cost_cny_per_year / 12)

        # 5b. The data chain, once this month's compute rent is known
        firm_revenue = self.data.firm_revenue_cny(self.firms, dp, ep, self.adequacy, m)
        self.data_industry_cny = (firm_revenue.sum() * self.firms.weight + 12 * d["revenue_cny"]
                                  + self.data.product_revenue_cny(dp))
        self.data.update_links(firm_revenue, self.firms, dp, compute_revenue_cny=12 * d["revenue_cny"],
                               security_cny=security, scale_cny=self.data_industry_cny,
                               scale0_cny=self.recorder.initial_scale_cny)

        # 7. Indicators
        self.recorder.record()
        self.month += 1

    def _finish_demos(self) -> None:
        done = [s for when, s in self.pending_demos if when <= self.month]
        self.pending_demos = [(w, s) for w, s in self.pending_demos if w > self.month]
        for s in done:
            self.demos_done[s] += 1

    def lever_months_ago(self, months: int) -> Levers:
        """Levers in force ``months`` ago; before 2025, the end-2024 policy (the defaults)."""
        back = self.month - months
        return self.timeline[back] if back >= 0 else Levers()

    def pilots_operating(self) -> int:
        """Authorised-operation pilots operating (set up, with an operator, not failed)."""
        return self.data.pilots_operating

    def fleet_pue(self) -> float:
        cap = sum(s.capacity_p for s in self.sites)
        return sum(s.pue_weighted for s in self.sites) / cap if cap > 0 else 0.0

    def run(self) -> None:
        """Run every month of the scenario's horizon."""
        while self.month < self.config.months:
            self.step()
