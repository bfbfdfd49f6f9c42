"""The problem definition: what can be varied and what comes out, in EMA Workbench's vocabulary.

One object, :data:`PROBLEM`, built from the declarations in :mod:`model.levers` and
:mod:`model.params` and the targets of :mod:`model.indicators`, lists

- **levers**: the policy levers (what the league can set), with kind, unit, default, range,
  zh/en labels, source and group;
- **timings**: one ``<lever>__start`` variable per lever, the month a lever takes its value
  (kind ``date``: a month index, 0 = 2025-01, or text ``"YYYY-MM"``); before it the lever keeps
  its end-2024 default. "Infrastructure budget 100 M CNY/yr from 2026" is the point
  ``{"infra_budget_cny_per_year": 1e8, "infra_budget_cny_per_year__start": "2026-01"}``;
- **uncertainties**: the behavioural parameters that carry a calibration prior (vectors carry a
  ``constraint``: ``increasing``/``decreasing`` ladders or ``simplex`` shares summing to one;
  :func:`vector_from_unit` maps unit-cube draws to valid vectors);
- **outcomes**: what a run reports at end-2027 (name, unit, zh/en label, direction);
- **targets**: the 2027 targets of seed 003 (id, outcome, threshold, comparison).

Runs, batches, sweeps, calibration, the app and the docs tables read it, so that a lever or
parameter is declared once. :meth:`Problem.scenario` turns a point (a mapping of variable
names to values) into a validated :class:`~model.scenario.Scenario`; :func:`outcomes_of` reads a
finished run's outcomes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from model.indicators import TARGET_YEAR, TARGETS
from model.labels_zh import PARAM_EN, PARAM_ZH
from model.levers import Levers
from model.params import Parameters
from model.scenario import BASE_YEAR, MAX_UNTIL, MIN_UNTIL, Scenario, ScenarioError, month_index
from model.settings import SettingError, Spec, coerce, field_kinds, validated_replace

if TYPE_CHECKING:
    from model.run import RunResult

Kind = Literal["real", "integer", "boolean", "category", "date", "vector"]
START = "__start"          # suffix of a lever's timing variable
KIND_OF_TYPE = {float: "real", int: "integer", bool: "boolean", tuple: "vector"}

# Lever groups, in the order of the declarations in model/levers.py.
LEVER_GROUPS = {
    "infrastructure": ("infra_budget_cny_per_year", "infra_pastoral_share"),
    "enterprise": ("transformation_subsidy_rate", "promotion_centres", "credit_quota_cny_per_year",
                   "demonstration_projects_per_year", "energy_price_premium_cny_per_kwh"),
    "herders": ("herder_training_per_year", "herder_device_subsidy_rate"),
    "talent": ("talent_training_seats_per_year", "talent_attraction_subsidy_cny_per_year"),
    "compute": ("dc_electricity_price_cny_per_kwh", "dc_green_power_requirement", "dc_green_approval", "link_beijing",
                "link_horinger", "dc_planned_build_p_per_year", "compute_voucher_rate"),
    "data_elements": ("public_data_opening", "dataset_commissions_per_industry_per_year",
                      "authorised_operation_pilots", "exchange_service_base",
                      "ai_plus_programmes_per_year", "data_security_cny_per_year"),
}
GROUP_ZH = {"infrastructure": "基础设施", "enterprise": "企业数字化转型", "herders": "牧户",
            "talent": "人才", "compute": "算力", "data_elements": "数据要素"}


@dataclass(frozen=True)
class Variable:
    """A lever or an uncertain parameter: one axis of the space a study samples."""

    name: str                   # levers: the field name; parameters: "group.name"
    role: Literal["lever", "timing", "uncertainty", "constant"]
    kind: Kind
    group: str
    unit: str
    default: Any
    low: float | None
    high: float | None
    label_en: str
    label_zh: str | None
    source: str | None
    prior: tuple[float, float] | None
    constraint: str | None = None        # vectors: "increasing", "decreasing" or "simplex"
    size: int | None = None              # vectors: number of elements
    choices: tuple[Any, ...] | None = None   # categories: the allowed values

    @property
    def key(self) -> str:
        """The name within its group (what a scenario file uses)."""
        return self.name.split(".", 1)[-1]

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        d["prior"] = None if self.prior is None else list(self.prior)
        d["choices"] = None if self.choices is None else list(self.choices)
        return d


@dataclass(frozen=True)
class Outcome:
    """One number a run reports at end-2027."""

    name: str
    unit: str
    label_en: str
    label_zh: str
    direction: Literal["maximise", "minimise", "info"]


@dataclass(frozen=True)
class TargetSpec:
    """A 2027 target: ``outcome`` compared with ``threshold``."""

    id: str
    outcome: str
    threshold: float
    comparison: Literal[">=", ">"]
    label_en: str
    label_zh: str
    unit: str


def _variable(name: str, role: str, group: str, kind: type, spec: Spec, default: Any) -> Variable:
    return Variable(name=name, role=role, kind=KIND_OF_TYPE[kind], group=group, unit=spec.unit,  # type: ignore[arg-type]
                    default=default, low=spec.low, high=spec.high, label_en=PARAM_EN.get(name, spec.doc),
                    label_zh=spec.zh or PARAM_ZH.get(name), source=spec.source, prior=spec.prior,
                    constraint=spec.constraint, size=len(default) if kind is tuple else None)


def _levers() -> tuple[Variable, ...]:
    group_of = {n: g for g, names in LEVER_GROUPS.items() for n in names}
    kinds = field_kinds(Levers)
    out = []
    for f in dataclasses.fields(Levers):
        out.append(_variable(f.name, "lever", group_of[f.name], kinds[f.name], f.metadata["spec"],
                             f.default))
    return tuple(out)


def _timings(levers: Sequence[Variable]) -> tuple[Variable, ...]:
    return tuple(Variable(
        name=f"{v.name}{START}", role="timing", kind="date", group=v.group,
        unit="month index (0 = 2025-01)", default=0, low=0,
        high=(TARGET_YEAR - BASE_YEAR + 1) * 12 - 1,
        label_en=f"Month from which '{v.name}' takes its value (before it: the end-2024 default)",
        label_zh=f"{v.label_zh}：起始月份（此前为2024年末政策）", source="issue 8 (dated lever changes)",
        prior=None) for v in levers)


def parameter_variables() -> tuple[Variable, ...]:
    """Every behavioural parameter: ``uncertainty`` when it carries a prior, else ``constant``
    (a sourced fact, fixed in studies unless a scenario overrides it)."""
    out = []
    for g in dataclasses.fields(Parameters):
        cls = type(getattr(Parameters(), g.name))
        kinds = field_kinds(cls)
        for f in dataclasses.fields(cls):
            spec: Spec = f.metadata["spec"]
            role = "uncertainty" if spec.prior is not None else "constant"
            out.append(_variable(f"{g.name}.{f.name}", role, g.name, kinds[f.name], spec, f.default))
    return tuple(out)


def _uncertainties() -> tuple[Variable, ...]:
    return tuple(v for v in parameter_variables() if v.role == "uncertainty")


OUTCOMES = (
    *(Outcome(t.id, t.unit, t.label_en, t.label_zh, "maximise") for t in TARGETS),
    Outcome("herder_platform_share", "share", "Herder households on the livestock platform",
            "使用畜牧业数字平台的牧户比例", "maximise"),
    Outcome("herder_trace_share", "share", "Herder households using traceability/e-commerce",
            "使用溯源/电商的牧户比例", "maximise"),
    Outcome("firm_adoption_share", "share", "Non-digital firms at cloud/platform level or above",
            "上云用平台及以上的企业比例", "maximise"),
    Outcome("talent_adequacy", "share", "Digital-talent supply over demand",
            "数字人才供需比", "maximise"),
    Outcome("compute_utilisation", "share", "Utilisation of intelligent compute",
            "智能算力利用率", "info"),
    Outcome("compute_rent_cny_per_p_month", "CNY/P/month", "Rent of one P of compute in the league",
            "算力租金（元/P/月）", "info"),
    Outcome("compute_return_on_capex", "1/year", "Data centres' operating margin over their capital",
            "数据中心资本回报率", "maximise"),
    Outcome("compute_idle_p", "P", "Intelligent compute standing idle", "闲置智能算力", "minimise"),
    Outcome("sharing_users_mean", "share", "Share of people and firms using shared data (county mean)",
            "共享数据使用率（旗县平均）", "maximise"),
    Outcome("data_industry_cny_per_year", "CNY/year", "Data-industry scale (run-rate)",
            "数据产业规模（年化）", "maximise"),
    Outcome("digital_index_spread", "0-1", "Spread of the county digital index (max - min)",
            "旗县数字化指数差距", "minimise"),
    Outcome("public_cost_cny_cum", "CNY", "Public cost of all levers, 2025 to end-2027",
            "政策公共成本累计（2025—2027）", "minimise"),
    Outcome("herder_benefit_cny_per_adopter", "CNY/household/year",
            "Benefit realised per platform household (cost cut + output gain)",
            "平台牧户户均实际收益（降本+增效）", "maximise"),
    Outcome("firm_mean_level", "level 0-4", "Mean maturity level of non-digital firms",
            "非数字企业平均数字化水平", "maximise"),
    Outcome("gdp_cny_per_year", "CNY/year", "League value added (GDP run-rate)",
            "全盟增加值（GDP，年化）", "maximise"),
    Outcome("digital_economy_share_gdp", "share", "Digital economy share of GDP (CAICT split)",
            "数字经济占GDP比重（信通院口径）", "maximise"),
    Outcome("core_digital_share_gdp", "share", "Core digital industries' share of GDP",
            "数字经济核心产业增加值占GDP比重", "maximise"),
    Outcome("jobs_routine_lost", "jobs", "Routine jobs lost to digitalisation since 2025",
            "数字化转型减少的常规岗位", "minimise"),
    Outcome("jobs_digital_created", "jobs", "Digital jobs created by digitalisation since 2025",
            "数字化转型新增的数字岗位", "maximise"),
    Outcome("enterprise_loans_cny_cum", "CNY", "Loans for digital capex, 2025 to end-2027",
            "数字化转型贷款累计", "info"),
)


@dataclass(frozen=True)
class Point:
    """A validated point: the levers from 2025-01, the dated lever changes and the parameters."""

    levers: Levers
    changes: tuple[tuple[int, dict[str, Any]], ...]
    parameters: Parameters


@dataclass(frozen=True)
class Problem:
    """Levers, their timings, uncertainties, outcomes and targets, with look-ups and exports."""

    levers: tuple[Variable, ...]
    uncertainties: tuple[Variable, ...]
    outcomes: tuple[Outcome, ...]
    targets: tuple[TargetSpec, ...]
    timings: tuple[Variable, ...] = ()

    def variable(self, name: str) -> Variable:
        """A lever, timing or uncertainty by name; a clear error lists where to look otherwise."""
        for v in (*self.levers, *self.timings, *self.uncertainties):
            if v.name == name:
                return v
        raise KeyError(f"unknown lever or parameter {name!r}; see `steppe levers` and `steppe params`")

    def outcome(self, name: str) -> Outcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        known = ", ".join(o.name for o in self.outcomes)
        raise KeyError(f"unknown outcome {name!r}; known outcomes are: {known}")

    def outcome_names(self) -> list[str]:
        """Every column :func:`outcomes_of` returns: the outcomes, then ``<target>_met``."""
        return [o.name for o in self.outcomes] + [f"{t.id}_met" for t in self.targets]

    def point(self, values: Mapping[str, Any], *, until: int = TARGET_YEAR, where: str = "point") -> Point:
        """Validate a point: ``{lever: value, "<lever>__start": month, "group.param": value}``.

        Levers not named keep their defaults (end-2024 policy); a lever with a ``__start`` (a
        month index, 0 = 2025-01, or ``"YYYY-MM"``) keeps its default until that month. Values
        are checked as a scenario file's are (numpy scalars accepted, near-bound values snapped);
        a bad one raises :class:`~model.settings.SettingError` naming ``where`` and the key."""
        if not MIN_UNTIL <= until <= MAX_UNTIL:
            raise SettingError(f"{where}: until {until!r} is out of range; allowed [{MIN_UNTIL}, {MAX_UNTIL}]")
        lever_kinds = field_kinds(Levers)
        lever_values: dict[str, Any] = {}
        starts: dict[str, int] = {}
        params: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            if not isinstance(key, str):
                raise SettingError(f"{where}: key {key!r} is not a variable name")
            if key in lever_kinds:
                lever_values[key] = value
            elif key.endswith(START) and key[: -len(START)] in lever_kinds:
                starts[key[: -len(START)]] = _start_month(value, until, f"{where}.{key}")
            elif "." in key:
                group, name = key.split(".", 1)
                params.setdefault(group, {})[name] = value
            else:
                raise SettingError(f"{where}.{key}: unknown variable; expected a lever name, "
                                   "'<lever>__start' or 'group.parameter' (see `steppe levers` and "
                                   "`steppe params`)")
        from_start = {k: v for k, v in lever_values.items() if starts.get(k, 0) == 0}
        levers = validated_replace(Levers(), from_start, f"{where}: levers")
        changes: dict[int, dict[str, Any]] = {}
        for k, month in starts.items():
            if month > 0 and k in lever_values:
                changes.setdefault(month, {})[k] = lever_values[k]
        for month, vals in changes.items():
            clean = validated_replace(levers, vals, f"{where}: levers (from month {month})")
            changes[month] = {k: getattr(clean, k) for k in vals}
        parameters = Parameters().with_overrides(params, f"{where}: parameters")
        return Point(levers, tuple(sorted(changes.items())), parameters)

    def scenario(self, values: Mapping[str, Any], *, until: int = TARGET_YEAR, name: str = "point",
                 where: str = "point") -> Scenario:
        """The validated :class:`~model.scenario.Scenario` of a point (see :meth:`point`)."""
        p = self.point(values, until=until, where=where)
        return Scenario(name=name, description="a point of the problem space", until=until,
                        levers=p.levers, changes=p.changes, parameters=p.parameters)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "levers": [v.as_dict() for v in self.levers],
            "timings": [v.as_dict() for v in self.timings],
            "uncertainties": [v.as_dict() for v in self.uncertainties],
            "outcomes": [dataclasses.asdict(o) for o in self.outcomes],
            "targets": [dataclasses.asdict(t) for t in self.targets],
        }


PROBLEM_FORMAT = "digital-steppe-problem/1"   # see docs/problem.schema.json


def levers_document(problem: Problem | None = None) -> dict[str, Any]:
    """What ``steppe levers --json`` prints: levers, their timings, outcomes and targets."""
    pr = problem or PROBLEM
    d = pr.as_dict()
    return {"format": PROBLEM_FORMAT, "groups": dict(GROUP_ZH), "levers": d["levers"],
            "timings": d["timings"], "outcomes": d["outcomes"], "targets": d["targets"]}


def parameters_document() -> dict[str, Any]:
    """What ``steppe params --json`` prints: every behavioural parameter (role ``uncertainty``
    with a prior, ``constant`` with a source only)."""
    return {"format": PROBLEM_FORMAT, "parameters": [v.as_dict() for v in parameter_variables()]}


def _start_month(value: Any, until: int, where: str) -> int:
    """A lever's start: ``"YYYY-MM"`` or a whole month index within the run (0 = 2025-01)."""
    if isinstance(value, str):
        try:
            return month_index(value, until, where)
        except ScenarioError as exc:
            raise SettingError(str(exc)) from None
    months = (until - BASE_YEAR + 1) * 12
    spec = Spec(unit="month index (0 = 2025-01)", low=0, high=months - 1, doc="lever start")
    return coerce(value, int, spec, where)


def vector_from_unit(variable: Variable, u: Sequence[float]) -> tuple[float, ...]:
    """Map a point ``u`` of the unit cube ``[0, 1]^size`` to a vector that meets the variable's
    range and constraint, uniformly: ``simplex`` by stick-breaking (uniform on the simplex),
    ``increasing``/``decreasing`` as the order statistics of ``size`` uniform draws within the
    range, none elementwise. Samplers that draw each element in its own range should sample
    ``u`` instead and map it here, so that every sampled vector is valid."""
    if variable.size is None:
        raise ValueError(f"{variable.name} is not a vector")
    u = np.asarray(u, dtype=float)
    k = variable.size
    if u.shape != (k,) or np.any((u < 0) | (u > 1)):
        raise ValueError(f"{variable.name}: expected {k} numbers in [0, 1], got {u.tolist()!r}")
    lo, hi = float(variable.low), float(variable.high)
    if variable.constraint == "simplex":
        out, rest = [], 1.0
        for i in range(k - 1):
            x = rest * (1 - (1 - u[i]) ** (1 / (k - 1 - i)))
            out.append(x)
            rest -= x
        out.append(rest)
        return tuple(float(np.clip(x, lo, hi)) for x in out)
    if variable.constraint in ("increasing", "decreasing"):
        # the i-th order statistic of k uniforms, drawn one after the other from the top
        v = np.empty(k)
        top = 1.0
        for i in range(k - 1, -1, -1):
            top = top * u[k - 1 - i] ** (1 / (i + 1))
            v[i] = top
        vals = lo + (hi - lo) * v
        return tuple(float(x) for x in (vals if variable.constraint == "increasing" else vals[::-1]))
    return tuple(float(lo + (hi - lo) * x) for x in u)


def build_problem() -> Problem:
    targets = tuple(TargetSpec(t.id, t.id, t.target, ">" if t.strict else ">=", t.label_en,
                               t.label_zh, t.unit) for t in TARGETS)
    levers = _levers()
    return Problem(levers, _uncertainties(), OUTCOMES, targets, _timings(levers))


PROBLEM = build_problem()


def outcomes_of(result: RunResult) -> dict[str, float]:
    """The outcomes of a finished run: target values and league columns at end-2027 (or the
    last month of a run that ends earlier), plus ``<target>_met`` flags (1.0/0.0, NaN when not
    evaluated). A target without a value (T6 when nothing new is built) is NaN."""
    lg = result.league
    return outcomes_from(lg[lg["year"] <= TARGET_YEAR].iloc[-1], result.targets)


def outcomes_from(row: Mapping[str, Any], targets: Mapping[str, dict[str, Any]]) -> dict[str, float]:
    """:func:`outcomes_of` from the league row at end-2027 (a mapping) and the targets: what a
    sweep uses without building the monthly table."""
    out: dict[str, float] = {}
    for o in OUTCOMES:
        if o.name in targets:
            v = targets[o.name]["value"]
            out[o.name] = math.nan if v is None else float(v)
        else:
            out[o.name] = float(row[o.name])
    for tid, t in targets.items():
        out[f"{tid}_met"] = math.nan if t["met"] is None else float(t["met"])
    return out
