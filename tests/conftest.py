"""Shared fixtures: small runs reused across tests (scale 0.1 keeps each run near 0.1 s)."""

from __future__ import annotations

import pytest

from model.run import RunResult, simulate
from model.scenario import Scenario

SMALL = 0.1


@pytest.fixture(scope="session")
def baseline_small() -> RunResult:
    return simulate(Scenario(), seed=3, scale=SMALL)
