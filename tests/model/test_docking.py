"""Docking: the array submodels and the one-agent-per-household Mesa reference give the same
adoption curves across seeds. Tolerance: at months 12, 24 and 36, the means over 6 seeds differ
by less than 4 standard errors of the difference plus 0.003 (shares of households or firms)."""

import numpy as np

from model.model import SteppeModel
from model.reference import array_adoption_curves, reference_adoption_curves

SEEDS = range(6)
MONTHS = 36


def test_array_and_reference_adoption_curves_agree():
    arr = np.array([array_adoption_curves(SteppeModel(seed=s, scale=0.05), MONTHS) for s in SEEDS])
    ref = np.array([reference_adoption_curves(SteppeModel(seed=s, scale=0.05), MONTHS, 1000 + s)
                    for s in SEEDS])
    assert np.all(np.diff(arr.mean(axis=0), axis=0) >= 0)        # adoption only grows
    assert arr[:, -1, 0].mean() > arr[:, 0, 0].mean() + 0.02      # and it does grow
    for t in (11, 23, 35):
        diff = arr[:, t].mean(axis=0) - ref[:, t].mean(axis=0)
        se = np.sqrt(arr[:, t].var(axis=0, ddof=1) / len(SEEDS) + ref[:, t].var(axis=0, ddof=1) / len(SEEDS))
        assert np.all(np.abs(diff) < 4 * se + 0.003), (t, diff, se)
