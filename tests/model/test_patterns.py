"""The baseline reproduces the SWOT patterns of seed 000 (calibration/patterns.py)."""

import pytest

from calibration.patterns import PATTERNS, check
from model.run import simulate


@pytest.mark.parametrize("seed", [0, 1])
def test_baseline_reproduces_swot_patterns(seed):
    r = simulate(seed=seed, scale=0.2)
    results = check(r.league, r.counties)
    assert set(results) == set(PATTERNS)
    failing = {k: v for k, (v, ok) in results.items() if not ok}
    assert not failing, failing


def test_patterns_can_fail():
    r = simulate(seed=0, scale=0.05)
    lg = r.league.copy()
    lg["talent_adequacy"] = 1.2
    assert not check(lg, r.counties)["talent_shortage"][1]
