"""The SWOT of seed 000 as measurable patterns of the baseline (pattern-oriented calibration).

Each pattern is a function of a run's league and county tables returning (measured value, holds).
Calibration must keep every pattern true; ``python calibration/patterns.py`` prints them for the
baseline over a few seeds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pandas as pd

Pattern = Callable[[pd.DataFrame, pd.DataFrame], tuple[float, bool]]


def shallow_application(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """W1 shallow depth: most adopting firms sit at basic IT or cloud level (not data-driven/AI+)."""
    v = float(lg["firm_shallow_share_of_adopters"].iloc[-1])
    return v, v > 0.7


def talent_shortage(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """W2 digital-talent shortage: demand exceeds supply throughout the run."""
    v = float(lg["talent_adequacy"].max())
    return v, v < 1.0


def uneven_development(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """W3 uneven development: Xilinhot's digital index far above the pastoral banners' mean."""
    last = cty[cty["date"] == cty["date"].max()].set_index("county_id")
    pastoral = ["abag", "sonid_left", "sonid_right", "east_ujimqin", "west_ujimqin", "xianghuang", "wulagai"]
    v = float(last.loc["xilinhot", "digital_index"] / last.loc[pastoral, "digital_index"].mean())
    return v, v > 1.2


def divide_widens(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """T1 digital divide: without targeted levers the spread between counties grows."""
    v = float(lg["digital_index_spread"].iloc[-1] - lg["digital_index_spread"].iloc[0])
    return v, v > 0


def government_ahead(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """S1 digital government effective: the league seat's data sharing stays in the good state."""
    seat = cty[cty["county_id"] == "xilinhot"]["sharing_quality"]
    v = float(seat.iloc[-1])
    return v, v > 0.5


def adoption_spreads(lg: pd.DataFrame, cty: pd.DataFrame) -> tuple[float, bool]:
    """O2 wide spread of digital technology: herder platform and firm adoption both rise."""
    v = float(lg["herder_platform_share"].iloc[-1] - lg["herder_platform_share"].iloc[0])
    firms = lg["firm_adoption_share"].iloc[-1] > lg["firm_adoption_share"].iloc[0]
    return v, v > 0 and bool(firms)


PATTERNS: dict[str, Pattern] = {
    "shallow_application": shallow_application,
    "talent_shortage": talent_shortage,
    "uneven_development": uneven_development,
    "divide_widens": divide_widens,
    "government_ahead": government_ahead,
    "adoption_spreads": adoption_spreads,
}


def check(lg: pd.DataFrame, cty: pd.DataFrame) -> dict[str, tuple[float, bool]]:
    return {name: f(lg, cty) for name, f in PATTERNS.items()}


if __name__ == "__main__":
    from model.run import simulate

    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    for seed in range(3):
        r = simulate(seed=seed, scale=scale)
        print(f"seed {seed}: " + ", ".join(f"{k}={v:.3f} {'ok' if ok else 'FAILS'}"
                                          for k, (v, ok) in check(r.league, r.counties).items()))
