"""Digital talent: county pools, wages and the flows between them.

All flows follow one gravity rule in wages (FACTS: destination-wage elasticity +1.82, origin-wage
-0.83), amenity and distance:

- moves between counties: ``pool_i * k * (w_i/w_ref)^-0.83 * (w_j/w_ref)^1.82 * A_j * (d_ij/d)^-delta``
  (log-linear, as in the regression the elasticities come from);
- departures from the league: ``pool_i * (w_i/w_ref)^-0.83 * nearness to Beijing`` (the outside
  wage is constant in real terms, so its pull is part of the rate);
- arrivals from outside: rise with the league's wage plus the attraction subsidy to the power
  +1.82, and pick a county by ``(w_j + subsidy)^1.82 * A_j * nearness to Beijing``;
- graduates of the training seats (vocational college, in the league seat) choose among the 13
  counties by ``w_j^1.82 * A_j * d_seat,j^-delta`` against an outside option fixed at set-up so
  that ``graduate_retention`` of them stay at end-2024 wages (more stay when league wages rise).

Exits (moves, departures, attrition) compete for each pool: a share ``1 - exp(-total rate / 12)``
leaves each month, split in proportion to the rates, so pools never go negative. Wages rise where
demand exceeds supply. People are conserved: change in pools = graduates placed + arrivals -
departures - attrition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.params import TalentParams


def adequacy(pool: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Supply / demand per county, at most 1 (1 where nothing is demanded)."""
    return np.minimum(1.0, np.divide(pool, demand, out=np.ones_like(pool, dtype=float),
                                     where=demand > 0))


def league_adequacy(pool: np.ndarray, demand: np.ndarray) -> float:
    """The same definition for the league: the demand-weighted mean of county adequacy, i.e.
    the share of demand met by each county's own pool (capped at 1 county by county)."""
    total = float(demand.sum())
    return float(np.minimum(pool, demand).sum() / total) if total > 0 else 1.0


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    a = (np.sin((lat_r[:, None] - lat_r[None, :]) / 2) ** 2 + np.cos(lat_r[:, None])
         * np.cos(lat_r[None, :]) * np.sin((lon_r[:, None] - lon_r[None, :]) / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def gravity_elasticities(months: list[dict[str, np.ndarray]], distance_km: np.ndarray,
                         amenity: np.ndarray) -> dict[str, float]:
    """Fit the log-linear gravity regression of FACTS on simulated flows between counties:
    log flow_ij = b0 + b_origin log w_i + b_dest log w_j + b_dist log d_ij + b_amen log A_j
    + b_pool log pool_i, over every month and ordered pair with a positive flow. ``months`` are
    :attr:`TalentMarket.last_flows` records."""
    n = distance_km.shape[0]
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    rows, y = [], []
    for rec in months:
        flow = rec["moves"][i, j]
        ok = (flow > 0) & (rec["pool"][i] > 0)
        w, pool = rec["wage"], rec["pool"]
        rows.append(np.column_stack([np.ones(ok.sum()), np.log(w[i][ok]), np.log(w[j][ok]),
                                     np.log(distance_km[i, j][ok]), np.log(amenity[j][ok]),
                                     np.log(pool[i][ok])]))
        y.append(np.log(flow[ok]))
    coef, *_ = np.linalg.lstsq(np.vstack(rows), np.concatenate(y), rcond=None)
    return {"origin_wage": float(coef[1]), "destination_wage": float(coef[2]),
            "distance": float(coef[3]), "amenity": float(coef[4]), "pool": float(coef[5])}


@dataclass
class TalentMarket:
    pool: np.ndarray            # digital workers per county
    wage: np.ndarray            # CNY/month per county
    amenity: np.ndarray
    distance_km: np.ndarray     # county-to-county matrix; diagonal: mean distance within the county
    distance_out_km: np.ndarray  # county to Beijing
    seat: int
    move_scale: float           # k: moves average internal_move_rate_per_year at reference wages
    outside_option: float       # graduates' outside option in the gravity choice
    subsidised: float = 0.0     # workers currently under attraction contracts
    last_flows: dict[str, np.ndarray] = field(default_factory=dict)   # last month's flows and state

    @classmethod
    def create(cls, demand: np.ndarray, economy: list[str], lat: np.ndarray, lon: np.ndarray,
               distance_out_km: np.ndarray, seat: int, p: TalentParams,
               area_km2: np.ndarray | None = None) -> TalentMarket:
        amen = {"urban": p.amenity_urban, "agro_pastoral": p.amenity_agro,
                "pastoral": p.amenity_pastoral}
        wage = np.full(demand.size, p.wage_seat_cny_per_month * p.wage_other_ratio)
        wage[seat] = p.wage_seat_cny_per_month
        dist = great_circle_km(np.asarray(lat, float), np.asarray(lon, float))
        # Mean distance between two points of a disc of the county's area: 0.9 x radius.
        area = np.full(demand.size, 10000.0) if area_km2 is None else np.asarray(area_km2, float)
        np.fill_diagonal(dist, 0.905 * np.sqrt(area / np.pi))
        amenity = np.array([amen[e] for e in economy])
        off = ~np.eye(demand.size, dtype=bool)
        d_mean = dist[off].mean()
        reach = np.where(off, amenity[None, :] * (dist / d_mean) ** -p.distance_elasticity, 0.0)
        move_scale = 1.0 / reach.sum(axis=1).mean()
        market = cls(pool=demand * p.adequacy_initial, wage=wage, amenity=amenity,
                     distance_km=dist, distance_out_km=np.asarray(distance_out_km, float),
                     seat=seat, move_scale=move_scale, outside_option=0.0)
        stay = market.graduate_attraction(p).sum()
        market.outside_option = stay * (1 - p.graduate_retention) / p.graduate_retention
        return market

    def adequacy(self, demand: np.ndarray) -> np.ndarray:
        """Supply / demand per county, at most 1: the factor that holds adoption back."""
        return adequacy(self.pool, demand)

    def graduate_attraction(self, p: TalentParams) -> np.ndarray:
        """Gravity pull of each county on a graduate of the college in the league seat."""
        d = self.distance_km[self.seat] / self.distance_km[self.seat][self.seat != np.arange(self.pool.size)].mean()
        return ((self.wage / p.wage_seat_cny_per_month) ** p.dest_wage_elasticity * self.amenity
                * d ** -p.distance_elasticity)

    def step(self, p: TalentParams, demand: np.ndarray, seats_per_year: float,
             graduating_seats_per_year: float, subsidy_cny_per_year: float) -> dict[str, float]:
        """One month of flows; returns the people and money moved. Seats are paid for when
        students enrol (``seats_per_year``, now) and graduate a course length later
        (``graduating_seats_per_year``, the seats in force then)."""
        n = self.pool.size
        ref = p.wage_seat_cny_per_month
        rel = self.wage / ref
        off = ~np.eye(n, dtype=bool)
        d_mean = self.distance_km[off].mean()
        push = rel ** -p.origin_wage_elasticity
        pull = rel ** p.dest_wage_elasticity * self.amenity
        move_rate = np.where(off, self.move_scale * p.internal_move_rate_per_year * push[:, None]
                             * pull[None, :] * (self.distance_km / d_mean) ** -p.distance_elasticity, 0.0)
        near = (self.distance_out_km / self.distance_out_km.mean()) ** -p.distance_elasticity
        out_rate = p.out_rate_per_year * push * near / near.mean()
        total = move_rate.sum(axis=1) + out_rate + p.attrition_per_year
        leaving = self.pool * (1 - np.exp(-total / 12))
        per_rate = np.divide(leaving, total, out=np.zeros(n), where=total > 0)
        moves = per_rate[:, None] * move_rate
        out = per_rate * out_rate
        attrition = per_rate * p.attrition_per_year

        graduates = graduating_seats_per_year / 12
        stay = self.graduate_attraction(p)
        placed = graduates * stay / (stay.sum() + self.outside_option)
        subsidy_month = subsidy_cny_per_year / 12
        lure = ((self.wage + subsidy_month) / ref) ** p.dest_wage_elasticity * self.amenity * near
        staff = self.pool.sum()
        league_wage = float((self.wage * self.pool).sum() / staff) if staff > 0 else float(self.wage.mean())
        arrivals = (staff * p.base_inflow_per_year / 12
                    * ((league_wage + subsidy_month) / ref) ** p.dest_wage_elasticity)
        arrivals_by_county = arrivals * lure / lure.sum()

        self.last_flows = {"pool": self.pool.copy(), "wage": self.wage.copy(), "moves": moves,
                           "placed": placed, "arrivals": arrivals_by_county, "departures": out}
        self.pool = (self.pool - leaving + moves.sum(axis=0) + arrivals_by_county + placed)
        if subsidy_cny_per_year > 0:
            self.subsidised += arrivals
        self.subsidised -= self.subsidised / (12 * p.subsidy_years)
        excess = np.divide(demand, self.pool, out=np.ones_like(self.pool),
                           where=self.pool > 0) - 1
        self.wage = self.wage * np.exp(p.wage_adjustment_per_year / 12 * excess)
        return {
            "graduates": graduates, "retained": float(placed.sum()),
            "retained_outside_seat": float(placed.sum() - placed[self.seat]),
            "arrivals": arrivals, "departures": float(out.sum()), "attrition": float(attrition.sum()),
            "moves": float(moves.sum()),
            "training_cost": seats_per_year / 12 * p.seat_cost_cny,
            "subsidy_cost": self.subsidised * subsidy_cny_per_year / 12,
        }
