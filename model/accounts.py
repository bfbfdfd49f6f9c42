"""Money: every flow the model moves, booked by year, so that totals can be checked to add up.

Public costs are booked per lever; private flows (enterprise capex and its financing, county
infrastructure, data-centre capital) per category. Identities the tests check:
enterprise capex = own funds + subsidy + loans; data-centre capex = private + public share;
herder device spending = own + subsidy; herder benefit = cost cut + output gain; AI+ capex is
part of enterprise capex.
"""

from __future__ import annotations

from collections import defaultdict

from model.levers import lever_names

FLOWS = (
    "enterprise_capex", "enterprise_own_funds", "enterprise_subsidy", "enterprise_loans",
    "county_infra_league", "county_infra_own", "dc_capex", "dc_capex_private", "dc_capex_public",
    "herder_device_spend", "herder_device_own", "herder_device_subsidy", "herder_benefit",
    "energy_premium_revenue", "enterprise_ai_plus_capex", "herder_cost_cut", "herder_output_gain",
    "herder_service_fees",
)


class Ledger:
    """Yearly accumulators of public lever costs and private flows, in CNY."""

    def __init__(self) -> None:
        self.public: dict[tuple[int, str], float] = defaultdict(float)
        self.flows: dict[tuple[int, str], float] = defaultdict(float)

    def public_cost(self, year: int, lever: str, cny: float) -> None:
        if lever not in _LEVERS:
            raise KeyError(f"no lever named {lever!r}")
        self.public[(year, lever)] += float(cny)

    def book(self, year: int, flow: str, cny: float) -> None:
        if flow not in FLOWS:
            raise KeyError(f"no flow named {flow!r}")
        self.flows[(year, flow)] += float(cny)

    def public_total(self, year: int | None = None) -> float:
        return sum(v for (y, _), v in self.public.items() if year is None or y == year)

    def flow(self, flow: str, year: int | None = None) -> float:
        return sum(v for (y, f), v in self.flows.items() if f == flow and (year is None or y == year))

    def lever_rows(self, years: list[int]) -> list[dict]:
        """One row per year and lever (zeros included), for ``levers_cost.csv``."""
        return [{"year": y, "lever": name, "cost_cny": round(self.public.get((y, name), 0.0), 2)}
                for y in years for name in lever_names()]


_LEVERS = frozenset(lever_names())
