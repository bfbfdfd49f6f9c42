"""Validation (issue 6): every combination of settings that validation accepts runs to the end
without an exception, a warning, NaN or a negative stock; the ones that cannot run are rejected
with one clear line naming the key. Settings are drawn at random within their declared ranges
(half of the draws at the bounds), levers included."""

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from model.levers import Levers
from model.model import SteppeModel
from model.params import Parameters
from model.scenario import Scenario
from model.settings import SettingError, field_kinds, spec_of

SHARES = {"sector_shares", "level_shares_other", "level_shares_data"}
RISING = {"digital_staff_per_firm"}          # must not fall with the level (checked separately)
MAY_BE_NEGATIVE = {"jobs_net_change",        # digital jobs created minus routine jobs lost
                   "public_cost_cny_cum",   # the energy-price premium is public revenue
                   "compute_margin_cny_per_year", "compute_return_on_capex"}   # data centres' losses
MAY_BE_NAN: set[str] = set()                 # T6 is defined even when nothing new is built


def draw(rng: np.random.Generator, lo: float, hi: float, extreme: bool) -> float:
    return (lo if rng.random() < 0.5 else hi) if extreme else lo + rng.random() * (hi - lo)


def random_group(obj, rng: np.random.Generator, extreme: bool, priors_only: bool) -> dict:
    cls = type(obj)
    kinds = field_kinds(cls)
    out = {}
    for f in dataclasses.fields(cls):
        spec = spec_of(cls, f.name)
        if (priors_only and spec.prior is None) or spec.low is None or spec.high is None:
            continue
        kind = kinds[f.name]
        if kind is tuple:
            n = len(getattr(obj, f.name))
            if f.name in SHARES:
                v = rng.dirichlet(np.ones(n)) * (rng.random(n) > 0.4)
                v[rng.integers(n)] += 1e-3
                out[f.name] = (v / v.sum()).tolist()
            else:
                v = [draw(rng, spec.low, spec.high, extreme) for _ in range(n)]
                out[f.name] = sorted(v) if f.name in RISING else v
        elif kind is int:
            out[f.name] = round(draw(rng, spec.low, spec.high, extreme))
        elif kind is float:
            out[f.name] = draw(rng, spec.low, spec.high, extreme)
        elif kind is bool:
            out[f.name] = bool(rng.random() < 0.5)
    return out


@pytest.mark.parametrize("k", range(16))
def test_accepted_settings_run_cleanly(k):
    rng = np.random.default_rng(1000 + k)
    extreme = k % 2 == 0
    base = Parameters()
    overrides = {g.name: random_group(getattr(base, g.name), rng, extreme, True)
                 for g in dataclasses.fields(base)}
    try:
        params = base.with_overrides(overrides, "parameters")
    except SettingError as e:
        assert str(e).startswith("parameters.enterprises.") and "\n" not in str(e)
        pytest.skip(f"rejected as it should be: {e}")
    levers = dataclasses.replace(Levers(), **random_group(Levers(), rng, extreme, False))
    scenario = dataclasses.replace(Scenario(), parameters=params, levers=levers)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = SteppeModel(scenario, seed=k, scale=0.02)
        m.run()
    lg = pd.DataFrame(m.recorder.league).select_dtypes("number")
    nan = [c for c in lg.columns if lg[c].isna().any() and c not in MAY_BE_NAN]
    neg = [c for c in lg.columns if (lg[c] < 0).any() and c not in MAY_BE_NEGATIVE]
    assert not nan and not neg, (nan, neg)
    assert np.all(m.talent.pool >= 0) and np.all(np.isfinite(m.talent.wage))
    assert all(math.isfinite(v) for v in m.ledger.public.values())


def test_a_falling_staff_ladder_is_rejected_naming_the_key():
    with pytest.raises(SettingError, match=r"parameters\.enterprises\.digital_staff_per_firm: "):
        Parameters().with_overrides({"enterprises": {"digital_staff_per_firm": [0, 1, 0.5, 2, 3]}},
                                    "parameters")
