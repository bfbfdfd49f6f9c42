"""Counties: the 13 county-level units as Mesa agents.

A county holds infrastructure coverage of its rural households, its digital-government level
and the data-sharing loop of seed 004, its budget, green-power capacity and compute-cluster
membership. Talent pools and wages live in :mod:`model.talent`.

The data-sharing loop (seed 004: 「使用少—更新慢—不好用—更不用」) runs through the county's
agents: its potential users are herder households on the platform, data-driven firms and
connected residents using online government services; the share of them who actually use shared
data (``sharing_use``) follows data quality; quality is renewed in proportion to the users and to
public-data opening, and decays without them. Counties with few potential users (low coverage,
few platform adopters, few data-driven firms) have only a low state: the vicious circle; levers
that add users or open data can lift them out.
"""

from __future__ import annotations

import math
from importlib import resources

import mesa
import numpy as np
import pandas as pd

from model.params import CountyParams

BEIJING_LAT_LON = (39.9042, 116.4074)
LEAGUE_WIND_MW = 11960.0   # FACTS: league wind installed capacity 2022
SEAT = "xilinhot"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def load_counties(household_size: float) -> pd.DataFrame:
    """County table from ``model/data`` with the derived columns the model uses.

    Rural households = rural population / household size (FACTS.md method); the rural share is
    the 2020 census urban/rural split where known, else the documented estimate in
    ``county_assumptions.csv``. Green-power capacity splits league wind capacity by area
    (estimate: no county figures found)."""
    data = resources.files("model") / "data"
    with (data / "counties.csv").open(encoding="utf-8") as f:
        c = pd.read_csv(f)
    with (data / "county_assumptions.csv").open(encoding="utf-8") as f:
        a = pd.read_csv(f)
    c = c.merge(a, on="county_id", validate="one_to_one")
    census_rural = 1 - c["urban_population_2020"] / c["population"]
    c["rural_share"] = census_rural.fillna(c["rural_share"])
    c["rural_households"] = c["population"] * c["rural_share"] / household_size
    c["area_per_household_km2"] = c["area_km2"] / c["rural_households"]
    c["distance_beijing_km"] = [haversine_km(la, lo, *BEIJING_LAT_LON)
                                for la, lo in zip(c["seat_lat"], c["seat_lon"], strict=True)]
    c["green_power_mw"] = LEAGUE_WIND_MW * c["area_km2"] / c["area_km2"].sum()
    c["firm_weight"] = c["population"] * (2 - c["rural_share"])
    return c.reset_index(drop=True)


class County(mesa.Agent):
    """One county-level unit."""

    def __init__(self, model: mesa.Model, row: pd.Series, idx: int, p: CountyParams) -> None:
        super().__init__(model)
        self.idx = idx
        self.county_id: str = row["county_id"]
        self.name_zh: str = row["name_zh"]
        self.name_en: str = row["name_en"]
        self.economy: str = row["economy"]
        self.cluster: str = row["compute_cluster"]
        self.population = float(row["population"])
        self.rural_households = float(row["rural_households"])
        self.green_power_mw = float(row["green_power_mw"])
        self.distance_beijing_km = float(row["distance_beijing_km"])
        median_area = float(model.county_table["area_per_household_km2"].median())
        self.connect_cost_cny = p.connect_cost_cny_per_household * (
            row["area_per_household_km2"] / median_area) ** p.connect_cost_density_elasticity
        self.coverage_rural = {"pastoral": p.rural_coverage_pastoral,
                               "agro_pastoral": p.rural_coverage_agro,
                               "urban": p.rural_coverage_urban}[self.economy]
        seat = self.county_id == SEAT
        self.gov_level = p.gov_level_seat if seat else p.gov_level_other
        self.sharing_quality = p.sharing_quality_start
        self.sharing_use = self.use_target(p)
        self.sharing_potential = 0.0      # share of herders, firms, residents who could use shared data
        self.sharing_users = 0.0          # share who do
        self.sharing_trend = 0.0
        self.budget_cny_per_year = self.population * p.county_digital_budget_cny_per_capita

    @property
    def talent_pool(self) -> float:
        """Digital workers in the county (held by the league's talent market)."""
        return float(self.model.talent.pool[self.idx])

    @property
    def wage_cny_per_month(self) -> float:
        return float(self.model.talent.wage[self.idx])

    @property
    def pastoral(self) -> bool:
        return self.economy == "pastoral"

    @property
    def uncovered_households(self) -> float:
        return self.rural_households * (1 - self.coverage_rural)

    def cover(self, spend_cny: float) -> float:
        """Spend up to ``spend_cny`` covering households; returns what was spent."""
        spent = min(spend_cny, self.uncovered_households * self.connect_cost_cny)
        if self.rural_households > 0:
            self.coverage_rural += spent / self.connect_cost_cny / self.rural_households
        return spent

    def use_target(self, p: CountyParams) -> float:
        """Share of potential users that would use shared data at the current quality."""
        return 1 / (1 + math.exp(-p.sharing_use_steepness * (self.sharing_quality
                                                             - p.sharing_use_midpoint)))

    def update_sharing(self, p: CountyParams, opening: float, potential: float) -> None:
        """One month of seed 004's loop. ``potential``: the county's potential users of shared
        data (from its agents). Renewal is the government's capacity times the users relative to
        those that keep data fully fresh; opening closes part of the remaining gap; quality moves
        towards renewal, use towards what quality supports."""
        self.sharing_potential = potential
        self.sharing_users = self.sharing_use * potential
        kept = min(1.0, self.sharing_users / p.users_for_full_renewal)
        renewal = 1 - (1 - self.gov_level * kept) * math.exp(-p.opening_quality_boost * opening)
        before = self.sharing_quality
        self.sharing_quality += p.sharing_decay_per_month * (renewal - self.sharing_quality)
        self.sharing_trend = self.sharing_quality - before
        self.sharing_use += p.sharing_use_rate_per_month * (self.use_target(p) - self.sharing_use)

    def in_vicious_circle(self, p: CountyParams) -> bool:
        """Quality below the half-use point and not rising: little use keeps data stale."""
        return self.sharing_quality < p.sharing_use_midpoint and self.sharing_trend <= 1e-4


def sharing_potential(p: CountyParams, platform: np.ndarray, data_driven: np.ndarray,
                      gov_online: np.ndarray) -> np.ndarray:
    """Potential users of shared data per county: weighted mean of the share of households on the
    platform, of active firms at data-driven level or above, and of connected residents using
    online government services (connected share x government level)."""
    w = np.array([p.users_weight_herders, p.users_weight_firms, p.users_weight_government])
    return (w[0] * platform + w[1] * data_driven + w[2] * gov_online) / w.sum()


def spin_up_sharing(counties: list[County], p: CountyParams, opening: float, potential: np.ndarray) -> None:
    """End-2024 state of the loop: from a common start, ``sharing_spinup_months`` months at the
    end-2024 opening with each county's end-2024 potential users, so that counties start where
    their own agents have kept them."""
    for _ in range(p.sharing_spinup_months):
        for c, pot in zip(counties, potential, strict=True):
            c.update_sharing(p, opening, float(pot))
    for c in counties:
        c.sharing_trend = 0.0


def build_infrastructure(counties: list[County], p: CountyParams, league_budget_cny: float,
                         pastoral_share: float) -> tuple[float, float]:
    """One month of coverage growth: operators' own roll-out, county budgets, then the league
    budget (``pastoral_share`` to pastoral banners, the rest to all, by uncovered households).
    Returns (league money spent, county money spent)."""
    for c in counties:
        c.coverage_rural += p.commercial_coverage_growth_per_year / 12 * (1 - c.coverage_rural)
    own = sum(c.cover(c.budget_cny_per_year / 12) for c in counties)
    spent = 0.0
    for share, pool in ((pastoral_share, [c for c in counties if c.pastoral]),
                        (1 - pastoral_share, counties)):
        need = np.array([c.uncovered_households for c in pool])
        if need.sum() <= 0:
            continue
        money = league_budget_cny / 12 * share
        spent += sum(c.cover(money * k / need.sum()) for c, k in zip(pool, need, strict=True))
    return spent, own
