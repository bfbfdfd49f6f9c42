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

- **Time series**: ``series=["herder_platform_share", ...]`` adds one ``ArrayOutcome`` ``<column>__monthly`` per league
  column with its monthly values (2025-01 to the horizon), the mean over replications.
- **Constants**: ``constants={"datacentres.build_months": 12, "link_beijing": True}`` fixes
  variables in every experiment (EMA constants, checked like any point).
- **Dask**: :class:`DaskEvaluator` runs the experiments on a Dask scheduler or a local cluster
  (the same engine as batches and sweeps)::

      with DaskEvaluator(m, dask_local=2) as ev:
          experiments, outcomes = ev.perform_experiments(scenarios=100, policies=4)
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
                   series: tuple[str, ...] = (), source: ParameterSource | None = None,
                   **values: Any) -> dict[str, Any]:
    """One replication of one EMA experiment: the outcomes of the run, and the monthly values of
    the ``series`` columns as arrays (module level so that EMA's evaluators can pickle it)."""
    from studies.sweep import run_chunk

    scenario = PROBLEM.scenario(_point(values, names), until=until, name="ema", where="EMA experiment",
                                source=source)
    (result,) = run_chunk([("ema", "ema", 0, int(seed), scenario)], scale, bool(series))
    out: dict[str, Any] = {k: v for k, v in result["row"].items() if k in set(PROBLEM.outcome_names())}
    league = result["league"]
    for col in series:
        if col not in league:
            raise KeyError(f"series {col!r} is not a league column; known: {', '.join(league.columns)}")
        out[col] = league[col].to_numpy(float)
    return out


def mean_series(values: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise mean of a time series over the replications."""
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)       # a month no replication defines
            return np.nanmean(np.vstack([np.asarray(v, float) for v in values]), axis=0)


def mean_of_replications(values: Sequence[float]) -> float:
    """Mean over the replications that define the outcome; NaN when none does."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(v.mean()) if len(v) else float("nan")


def ema_model(name: str = "digital_steppe", *, levers: Sequence[str] | None = None,
              uncertainties: Sequence[str] | None = None, outcomes: Sequence[str] | None = None,
              timings: bool = False, vectors: bool = False, reps: int = 1, base_seed: int = 0,
              scale: float = 0.1, until: int = 2027, series: Sequence[str] = (),
              constants: dict[str, Any] | None = None,
              source: ParameterSource | str | None = None) -> Any:
    """An EMA Workbench ``ReplicatorModel`` of the problem.

    ``levers``/``uncertainties`` (problem names, ``"group.param"`` for parameters) default to every
    lever and every scalar uncertain parameter; ``timings`` adds each chosen lever's ``__start``;
    ``vectors`` adds the vector uncertainties (as unit-cube coordinates) when ``uncertainties`` is
    not given. Outcomes default to every outcome of :data:`model.problem.PROBLEM` plus the
    ``T*_met`` flags, each averaged over the ``reps`` replications; ``series`` adds monthly
    league columns as array outcomes; ``constants`` fixes variables (not sampled) in every
    experiment. Unknown names raise ``KeyError`` naming them; bad constant values a
    :class:`~model.settings.SettingError`. Parameters an experiment does not set take their
    values from ``source`` (:mod:`model.parameter_source`; default the posterior central set, as
    every entry point; ``"hand-set"``); ``model.parameter_source`` names it."""
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
    constants = dict(constants or {})
    sampled = {v.name for v in (*lever_vars, *unc_vars)}
    for k in constants:
        PROBLEM.variable(k)                       # unknown names: KeyError naming them
        if k in sampled:
            raise ValueError(f"constant {k!r} is also sampled; leave it out of levers/uncertainties")
    PROBLEM.point(constants, until=until, where="EMA constants")      # values checked once, here
    names = {ema_name(v.name): v.name for v in (*lever_vars, *unc_vars)}
    names.update({ema_name(k): k for k in constants})
    series = tuple(series)
    model = ema.ReplicatorModel(name, function=functools.partial(run_experiment, names=names, series=series,
                                                                     source=src))
    model.parameter_source = src.describe()
    model.uncertainties = [p for v in unc_vars for p in _parameters(v)]
    model.levers = [p for v in lever_vars for p in _parameters(v)]
    model.constants = [ema.Constant("scale", float(scale)), ema.Constant("until", int(until)),
                       *(ema.Constant(ema_name(k), _plain(v)) for k, v in constants.items())]
    model.replications = [{"seed": rep_seed(base_seed, r)} for r in range(reps)]
    wanted = outcomes if outcomes is not None else PROBLEM.outcome_names()
    kinds = {o.name: o.direction for o in PROBLEM.outcomes}
    model.outcomes = [ema.ScalarOutcome(o, kind=getattr(ema.ScalarOutcome, _DIRECTION[kinds.get(o, "info")]),
                                        function=mean_of_replications) for o in wanted]
    # named "<column>__monthly": EMA keeps one outcome class per name, and scalars use the plain names
    model.outcomes += [ema.ArrayOutcome(f"{col}__monthly", variable_name=col, function=mean_series) for col in series]
    return model


def _run_ema(msis: list[Any], experiment: Any) -> dict[str, Any]:
    """One EMA experiment in a Dask worker (module level: pickled by reference)."""
    from ema_workbench.em_framework.experiment_runner import ExperimentRunner

    return ExperimentRunner(msis).run_experiment(experiment)


def dask_evaluator_class() -> type:
    """:class:`DaskEvaluator`, built on first use (EMA Workbench is optional)."""
    ema = _ema()
    from ema_workbench.em_framework.evaluators import BaseEvaluator

    class DaskEvaluator(BaseEvaluator):
        """EMA evaluator on Dask: ``dask_address`` (a running scheduler) or ``dask_local`` (a
        LocalCluster of N single-threaded workers on loopback). Experiments go out a bounded
        number at a time; results come back to EMA's callback as they finish."""

        def __init__(self, msis: Any, *, dask_address: str | None = None, dask_local: int | None = None,
                     dask_timeout: float = 10.0) -> None:
            super().__init__(msis)
            if not dask_address and not dask_local:
                raise ValueError("DaskEvaluator: give dask_address or dask_local")
            self._options = (dask_address, dask_local, dask_timeout)
            self._engine: Any = None

        def initialize(self) -> None:
            from studies.engines import make_engine

            address, local, timeout = self._options
            self._engine = make_engine(dask_address=address, dask_local=local, dask_timeout=timeout)

        def finalize(self) -> None:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

        def evaluate_experiments(self, experiments: Any, callback: Any, **kwargs: Any) -> None:
            engine = self._engine
            pending: dict[Any, Any] = {}
            queue = iter(experiments)
            exhausted = False
            while True:
                while not exhausted and len(pending) < engine.capacity():
                    exp = next(queue, None)
                    if exp is None:
                        exhausted = True
                        break
                    pending[engine.submit(_run_ema, self._msis, exp)] = exp
                if not pending:
                    break
                done, _ = engine.wait(set(pending), timeout=1.0)
                for fut in done:
                    callback(pending.pop(fut), fut.result())

    DaskEvaluator.__module__ = __name__
    DaskEvaluator.__qualname__ = "DaskEvaluator"
    del ema
    return DaskEvaluator


def __getattr__(name: str) -> Any:
    if name == "DaskEvaluator":
        cls = dask_evaluator_class()
        globals()["DaskEvaluator"] = cls
        return cls
    raise AttributeError(name)


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
