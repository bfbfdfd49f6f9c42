"""EMA Workbench interop: the problem definition as an EMA Workbench 3.0 model.

```python
from ema_workbench import SequentialEvaluator
from studies.ema import ema_model, prim_ready

m = ema_model(uncertainties=["herders.bass_q_per_year"], levers=["promotion_centres"],
              reps=2, scale=0.1)
with SequentialEvaluator(m) as ev:
    experiments, outcomes = ev.perform_experiments(scenarios=20, policies=2)
x = prim_ready(experiments, m)          # casts bool/int/category columns for PRIM (pandas 3)
```

EMA names must be Python identifiers, so ``"group.param"`` becomes ``"group__param"``
(:func:`ema_name`); levers and their ``<lever>__start`` timings keep their names. Replication
``r`` runs with :func:`studies.batch.rep_seed` ``(base_seed, r)`` for every experiment (common
random numbers, as batches and sweeps); each outcome is the mean over replications (for
``T*_met``: the share of replications meeting the target). Vector parameters are offered as
unit-cube coordinates ``<name>__u<i>`` mapped through :func:`model.problem.vector_from_unit`, so
every sampled vector meets its constraint. EMA Workbench is an optional extra:
``pip install 'digital-steppe[ema]'``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from model.parameter_source import ParameterSource
from model.parameter_source import resolve as resolve_source
from model.problem import PROBLEM, Variable, vector_from_unit
from studies.batch import rep_seed

_DIRECTION = {"maximise": "MAXIMIZE", "minimise": "MINIMIZE", "info": "INFO"}


def _ema() -> Any:
    try:
        import ema_workbench
    except ImportError:
        raise ImportError("EMA Workbench is not installed: pip install 'digital-steppe[ema]' "
                          "(or 'ema-workbench>=3.0')") from None
    return ema_workbench


def ema_name(name: str) -> str:
    """The EMA name (a Python identifier) of a problem variable."""
    return name.replace(".", "__")


def _parameters(variable: Variable) -> list[Any]:
    """The EMA parameter(s) of one variable (a vector gives one unit coordinate per element)."""
    ema = _ema()
    name = ema_name(variable.name)
    if variable.kind == "vector":
        return [ema.RealParameter(f"{name}__u{i}", 0.0, 1.0) for i in range(_coordinates(variable))]
    if variable.kind == "boolean":
        return [ema.BooleanParameter(name, default=variable.default)]
    if variable.kind == "category":
        return [ema.CategoricalParameter(name, list(variable.choices or ()), default=variable.default)]
    if variable.kind in ("integer", "date"):
        return [ema.IntegerParameter(name, int(variable.low), int(variable.high), default=variable.default)]
    return [ema.RealParameter(name, float(variable.low), float(variable.high), default=variable.default)]


def _coordinates(variable: Variable) -> int:
    """Unit-cube coordinates of a vector: one per element, one fewer for shares (the last share
    is what the others leave)."""
    size = variable.size or 0
    return size - 1 if variable.constraint == "simplex" else size


def _point(values: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """EMA keyword arguments -> a point of the problem space (vectors rebuilt from u-coordinates)."""
    point: dict[str, Any] = {}
    vectors: dict[str, dict[int, float]] = {}
    for key, value in values.items():
        if key in names:
            point[names[key]] = value
        elif "__u" in key and key.rsplit("__u", 1)[0] in names:
            base, i = key.rsplit("__u", 1)
            vectors.setdefault(names[base], {})[int(i)] = float(value)
        else:
            raise KeyError(f"EMA passed {key!r}, which is no variable of this model")
    for name, coords in vectors.items():
        v = PROBLEM.variable(name)
        u = [coords[i] for i in range(_coordinates(v))]
        point[name] = vector_from_unit(v, u + [0.0] * ((v.size or 0) - len(u)))
    return point


def point_of(experiment: Any, model: Any) -> dict[str, Any]:
    """The point of the problem space of one experiment (a row of EMA's experiments frame) of a
    model made by :func:`ema_model`: what :func:`studies.sweep.evaluate` or
    :func:`model.simulate` take."""
    names = model.function.keywords["names"]
    params = [p.name for p in (*model.uncertainties, *model.levers)]
    return _point({k: _plain(experiment[k]) for k in params}, names)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_experiment(*, seed: int, scale: float, until: int, names: dict[str, str],
                   source: ParameterSource | None = None, **values: Any) -> dict[str, float]:
    """One replication of one EMA experiment: the outcomes of the run (module level so that
    EMA's multiprocessing evaluator can pickle it)."""
    from studies.sweep import run_chunk

    scenario = PROBLEM.scenario(_point(values, names), until=until, name="ema", where="EMA experiment",
                                source=source)
    (result,) = run_chunk([("ema", "ema", 0, int(seed), scenario)], scale, False)
    return {k: v for k, v in result["row"].items() if k in set(PROBLEM.outcome_names())}


def mean_of_replications(values: Sequence[float]) -> float:
    """Mean over the replications that define the outcome; NaN when none does."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(v.mean()) if len(v) else float("nan")


def ema_model(name: str = "digital_steppe", *, levers: Sequence[str] | None = None,
              uncertainties: Sequence[str] | None = None, outcomes: Sequence[str] | None = None,
              timings: bool = False, vectors: bool = False, reps: int = 1, base_seed: int = 0,
              scale: float = 0.1, until: int = 2027, source: ParameterSource | str | None = None) -> Any:
    """An EMA Workbench ``ReplicatorModel`` of the problem.

    ``levers``/``uncertainties`` (problem names, ``"group.param"`` for parameters) default to every
    lever and every scalar uncertain parameter; ``timings`` adds each chosen lever's ``__start``;
    ``vectors`` adds the vector uncertainties (as unit-cube coordinates) when ``uncertainties`` is
    not given. Outcomes default to every outcome of :data:`model.problem.PROBLEM` plus the
    ``T*_met`` flags, each averaged over the ``reps`` replications. Parameters an experiment does not
    set take their values from ``source`` (:mod:`model.parameter_source`; default the posterior
    central set, as every entry point; ``"hand-set"``); ``model.parameter_source`` names it."""
    ema = _ema()
    src = resolve_source(source)
    if src.kind == "draws":
        raise ValueError("source: an EMA experiment runs with one parameter set; give 'central' or 'hand-set'")
    lever_vars = [PROBLEM.variable(n) for n in levers] if levers is not None else list(PROBLEM.levers)
    if timings:
        lever_vars += [PROBLEM.variable(f"{v.name}__start") for v in lever_vars if v.role == "lever"]
    if uncertainties is not None:
        unc_vars = [PROBLEM.variable(n) for n in uncertainties]
    else:
        unc_vars = [v for v in PROBLEM.uncertainties if vectors or v.kind != "vector"]
    names = {ema_name(v.name): v.name for v in (*lever_vars, *unc_vars)}
    model = ema.ReplicatorModel(name, function=functools.partial(run_experiment, names=names, source=src))
    model.parameter_source = src.describe()
    model.uncertainties = [p for v in unc_vars for p in _parameters(v)]
    model.levers = [p for v in lever_vars for p in _parameters(v)]
    model.constants = [ema.Constant("scale", float(scale)), ema.Constant("until", int(until))]
    model.replications = [{"seed": rep_seed(base_seed, r)} for r in range(reps)]
    wanted = outcomes if outcomes is not None else PROBLEM.outcome_names()
    kinds = {o.name: o.direction for o in PROBLEM.outcomes}
    model.outcomes = [ema.ScalarOutcome(o, kind=getattr(ema.ScalarOutcome, _DIRECTION[kinds.get(o, "info")]),
                                        function=mean_of_replications) for o in wanted]
    return model


def prim_ready(experiments: pd.DataFrame, model: Any | None = None) -> pd.DataFrame:
    """The experiments as PRIM (EMA 3.0 under pandas 3) takes them: the model's input columns
    only (no ``model``/``policy``/``scenario`` bookkeeping unless they vary), booleans and
    integers as floats, other text columns as categories."""
    x = experiments.copy()
    if model is not None:
        keep = [p.name for p in (*model.uncertainties, *model.levers) if p.name in x]
        x = x[keep]
    else:
        x = x.drop(columns=[c for c in ("model", "policy", "scenario") if c in x])
    for c in x.columns:
        dtype = x[c].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            x[c] = x[c].astype(float)
        elif not pd.api.types.is_float_dtype(dtype):
            x[c] = x[c].astype(str).astype("category")
    return x
