"""Run one scenario with one seed and return its results as tables (the unit of every batch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.levers import Levers
from model.model import SteppeModel
from model.scenario import Scenario
from model.settings import describe


@dataclass
class RunResult:
    league: pd.DataFrame        # one row per month
    counties: pd.DataFrame      # one row per county and month
    targets: dict[str, dict[str, Any]]
    levers_cost: pd.DataFrame   # one row per year and lever
    scenario: Scenario
    seed: int
    scale: float


def simulate(scenario: Scenario | None = None, seed: int = 0, scale: float = 1.0) -> RunResult:
    """Build the model, run its whole horizon and collect the outputs."""
    m = SteppeModel(scenario, seed=seed, scale=scale)
    m.run()
    years = sorted({r["year"] for r in m.recorder.league})
    zh = {row["name"]: row["zh"] for row in describe(Levers)}
    cost = pd.DataFrame(m.ledger.lever_rows(years))
    cost.insert(2, "lever_zh", cost["lever"].map(zh))
    return RunResult(league=pd.DataFrame(m.recorder.league),
                     counties=pd.DataFrame(m.recorder.counties),
                     targets=m.recorder.targets(), levers_cost=cost,
                     scenario=m.config, seed=seed, scale=scale)
