"""Units of the ABC machinery: parameter selection and the prior's coordinates."""

import numpy as np
import pandas as pd

from calibration.abc import Settings, select, to_prior_space


def test_select_takes_each_targets_drivers_before_second_drivers():
    # target "narrow" (small tolerance) has large effects everywhere; "wide" has one driver, "d".
    screening = pd.DataFrame({"narrow": [9.0, 8.0, 7.0, 0.5], "wide": [0.0, 0.0, 0.0, 0.4]},
                             index=["a", "b", "c", "d"])
    assert select(screening, Settings(max_params=2)) == ["a", "d"]
    assert select(screening, Settings(max_params=3)) == ["a", "d", "b"]
    # effects below the threshold never count, whatever the budget
    assert select(screening, Settings(max_params=10, screen_threshold=1.0)) == ["a", "b", "c"]


def test_normal_quantile_coordinates_give_the_uniform_prior():
    z = np.random.default_rng(0).standard_normal(200_000)
    x = to_prior_space(z, 2.0, 6.0)
    assert 2.0 < x.min() and x.max() < 6.0
    hist, _ = np.histogram(x, bins=8, range=(2.0, 6.0))
    assert np.allclose(hist / len(x), 1 / 8, atol=0.005)
    assert to_prior_space(0.0, 2.0, 6.0) == 4.0
