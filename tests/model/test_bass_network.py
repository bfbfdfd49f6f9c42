"""The herders' Bass diffusion on the model's own social network docks with the population-level
Bass curve whose p and q come from FACTS (issue 16): with the per-tie imitation rate
``Herders.tie_q(q)`` (q times ``bass_tie_factor``, fitted by ``experiments/bass_network_fit.py``) the
league's adopting share stays within 0.02 of ``bass_population_curve`` over 2025-2027 and over a
whole diffusion; with the population-level q on the ties it does not."""

import numpy as np
import pytest
from scipy import sparse

from model.herders import bass_network_curve, bass_population_curve
from model.model import SteppeModel
from model.networks import bass_tie_factor, mean_clustering

SCALE, SEEDS, P, Q = 0.2, (0, 1, 2), 0.03, 0.38


@pytest.fixture(scope="module")
def herders():
    return [SteppeModel(seed=s, scale=SCALE).herders for s in SEEDS]


def deviation(herders, q: float, months: int, corrected: bool) -> float:
    """Max over months of |mean over seeds of the network curve - population-level curve|."""
    curves = np.array([bass_network_curve(h.ties, h.degree, h.platform, P, h.tie_q(q) if corrected else q,
                                          months, np.random.default_rng(500 + i))
                       for i, h in enumerate(herders)])
    mean = curves.mean(axis=0)
    return float(np.abs(mean - bass_population_curve(mean[0], P, q, months)).max())


def test_league_curve_docks_with_population_bass_2025_2027(herders):
    assert deviation(herders, Q, 36, corrected=True) < 0.02
    assert deviation(herders, Q, 36, corrected=False) > 0.02       # the correction is what docks it


@pytest.mark.parametrize("q", [0.2, Q, 0.6])                      # the ends of bass_q_per_year's prior
def test_docking_holds_over_a_whole_diffusion_across_q(herders, q):
    assert deviation(herders, q, 120, corrected=True) < 0.02
    assert deviation(herders, q, 120, corrected=False) > 0.04


def test_tie_factor_grows_with_q_and_falls_with_degree():
    assert bass_tie_factor(6.0, 0.2, 0.6) > bass_tie_factor(6.0, 0.2, 0.2) > 1.0
    assert bass_tie_factor(4.0, 0.2, 0.38) > bass_tie_factor(12.0, 0.2, 0.38) > 1.0
    with pytest.raises(ValueError, match="mean degree"):
        bass_tie_factor(1.0, 0.0, 0.38)


def test_mean_clustering():
    triangle_and_tail = sparse.csr_array(np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]],
                                                  dtype=np.float32))
    assert mean_clustering(triangle_and_tail) == pytest.approx((1 + 1 + 1 / 3 + 0) / 4)
    eye = np.eye(10, dtype=np.float32)
    ring = sparse.csr_array(np.roll(eye, 1, axis=1) + np.roll(eye, -1, axis=1))
    assert mean_clustering(ring) == 0.0


def test_model_uses_the_per_tie_rate(herders):
    h = herders[0]
    k, c = float(h.degree.mean()), mean_clustering(h.ties)
    assert h.tie_q(Q) == pytest.approx(Q * bass_tie_factor(k, c, Q))
    assert h.tie_stats == pytest.approx((k, c))
    assert 1.1 < h.tie_q(Q) / Q < 1.3
