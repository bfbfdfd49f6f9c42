"""Digital talent: county pools, wages and the flows between them.

Each month: graduates of the training seats (vocational college, in the league seat) stay with
a retention share; arrivals from outside respond to the attraction subsidy; workers move between
counties and out of the league by a gravity rule in wages (FACTS: destination elasticity +1.82,
origin -0.83) and amenity between counties, and by origin wage and distance to Beijing for
departures from the league; some retire; wages rise where demand exceeds supply.
People are conserved: change in pools = retained graduates + arrivals - departures - attrition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.params import TalentParams


@dataclass
class TalentMarket:
    pool: np.ndarray            # digital workers per county
    wage: np.ndarray            # CNY/month per county
    amenity: np.ndarray
    distance_km: np.ndarray     # county-to-county matrix
    distance_out_km: np.ndarray  # county to Beijing
    seat: int
    subsidised: float = 0.0     # workers currently under attraction contracts

    @classmethod
    def create(cls, demand: np.ndarray, economy: list[str], lat: np.ndarray, lon: np.ndarray,
               distance_out_km: np.ndarray, seat: int, p: TalentParams) -> TalentMarket:
        amen = {"urban": p.amenity_urban, "agro_pastoral": p.amenity_agro,
                "pastoral": p.amenity_pastoral}
        wage = np.full(demand.size, p.wage_seat_cny_per_month * p.wage_other_ratio)
        wage[seat] = p.wage_seat_cny_per_month
        lat_r, lon_r = np.radians(lat), np.radians(lon)
        a = (np.sin((lat_r[:, None] - lat_r[None, :]) / 2) ** 2 + np.cos(lat_r[:, None])
             * np.cos(lat_r[None, :]) * np.sin((lon_r[:, None] - lon_r[None, :]) / 2) ** 2)
        dist = 2 * 6371.0 * np.arcsin(np.sqrt(a))
        return cls(pool=demand * p.adequacy_initial, wage=wage,
                   amenity=np.array([amen[e] for e in economy]), distance_km=dist,
                   distance_out_km=np.asarray(distance_out_km, float), seat=seat)

    def adequacy(self, demand: np.ndarray) -> np.ndarray:
        """Supply / demand per county, at most 1: the factor that holds adoption back."""
        return np.minimum(1.0, np.divide(self.pool, demand, out=np.ones_like(self.pool),
                                         where=demand > 0))

    def step(self, p: TalentParams, demand: np.ndarray, seats_per_year: float,
             graduating_seats_per_year: float, subsidy_cny_per_year: float) -> dict[str, float]:
        """One month of flows; returns the people and money moved. Seats are paid for when
        students enrol (``seats_per_year``, now) and graduate a course length later
        (``graduating_seats_per_year``, the seats in force then)."""
        n = self.pool.size
        ref = p.wage_seat_cny_per_month
        attract = self.wage ** p.dest_wage_elasticity * self.amenity
        gravity = attract[None, :] / np.where(np.eye(n, dtype=bool), np.inf,
                                              self.distance_km) ** p.distance_elasticity
        choice = gravity / gravity.sum(axis=1, keepdims=True)
        push = (self.wage / ref) ** -p.origin_wage_elasticity
        moves = (self.pool * p.internal_move_rate_per_year / 12 * push)[:, None] * choice
        # The outside (Beijing-Tianjin-Hebei) wage is constant in real terms, so its pull is part
        # of out_rate; counties nearer Beijing lose more, as in a gravity model.
        near = (self.distance_out_km / self.distance_out_km.mean()) ** -p.distance_elasticity
        out = self.pool * p.out_rate_per_year / 12 * push * near / near.mean()
        attrition = self.pool * p.attrition_per_year / 12

        graduates = graduating_seats_per_year / 12
        retained = graduates * p.graduate_retention
        yearly_wage = 12 * self.wage.mean()
        arrivals = (self.pool.sum() * p.base_inflow_per_year / 12
                    * (1 + p.subsidy_elasticity * subsidy_cny_per_year / yearly_wage))
        arrivals_by_county = arrivals * attract / attract.sum()

        self.pool = (self.pool - moves.sum(axis=1) + moves.sum(axis=0) - out - attrition
                     + arrivals_by_county)
        self.pool[self.seat] += retained
        if subsidy_cny_per_year > 0:
            self.subsidised += arrivals
        self.subsidised -= self.subsidised / (12 * p.subsidy_years)
        excess = np.divide(demand, self.pool, out=np.ones_like(self.pool),
                           where=self.pool > 0) - 1
        self.wage = self.wage * np.exp(p.wage_adjustment_per_year / 12 * excess)
        return {
            "graduates": graduates, "retained": retained, "arrivals": arrivals,
            "departures": float(out.sum()), "attrition": float(attrition.sum()),
            "moves": float(moves.sum()),
            "training_cost": seats_per_year / 12 * p.seat_cost_cny,
            "subsidy_cost": self.subsidised * subsidy_cny_per_year / 12,
        }
