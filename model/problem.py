"""The problem definition: what can be varied and what comes out, in EMA Workbench's vocabulary.

One object, :data:`PROBLEM`, built from the declarations in :mod:`model.levers` and
:mod:`model.params` and the targets of :mod:`model.indicators`, lists

- **levers**: the policy levers (what the league can set), with kind, unit, default, range,
  zh/en labels, source and group;
- **uncertainties**: the behavioural parameters that carry a calibration prior;
- **outcomes**: what a run reports at end-2027 (name, unit, zh/en label, direction);
- **targets**: the 2027 targets of seed 003 (id, outcome, threshold, comparison).

Runs, batches, sweeps, calibration, the app and the docs tables read it, so that a lever or
parameter is declared once. :func:`outcomes_of` reads a finished run's outcomes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from model.indicators import TARGET_YEAR, TARGETS
from model.levers import Levers
from model.params import Parameters
from model.settings import Spec, field_kinds

if TYPE_CHECKING:
    from model.run import RunResult

Kind = Literal["real", "integer", "boolean", "category", "date", "vector"]
KIND_OF_TYPE = {float: "real", int: "integer", bool: "boolean", tuple: "vector"}

# Lever groups, in the order of the declarations in model/levers.py.
LEVER_GROUPS = {
    "infrastructure": ("infra_budget_cny_per_year", "infra_pastoral_share"),
    "enterprise": ("transformation_subsidy_rate", "promotion_centres", "credit_quota_cny_per_year",
                   "demonstration_projects_per_year", "energy_price_premium_cny_per_kwh"),
    "herders": ("herder_training_per_year", "herder_device_subsidy_rate"),
    "talent": ("talent_training_seats_per_year", "talent_attraction_subsidy_cny_per_year"),
    "compute": ("dc_electricity_price_cny_per_kwh", "dc_green_power_requirement", "link_beijing",
                "link_horinger", "dc_planned_build_p_per_year", "compute_voucher_rate"),
    "data_elements": ("public_data_opening", "authorised_operation_pilots", "exchange_service_base",
                      "ai_plus_programmes_per_year", "data_security_cny_per_year"),
}
GROUP_ZH = {"infrastructure": "基础设施", "enterprise": "企业数字化转型", "herders": "牧户",
            "talent": "人才", "compute": "算力", "data_elements": "数据要素"}


@dataclass(frozen=True)
class Variable:
    """A lever or an uncertain parameter: one axis of the space a study samples."""

    name: str                   # levers: the field name; parameters: "group.name"
    role: Literal["lever", "uncertainty"]
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

    @property
    def key(self) -> str:
        """The name within its group (what a scenario file uses)."""
        return self.name.split(".", 1)[-1]

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        d["prior"] = None if self.prior is None else list(self.prior)
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
                    default=default, low=spec.low, high=spec.high, label_en=spec.doc,
                    label_zh=spec.zh, source=spec.source, prior=spec.prior)


def _levers() -> tuple[Variable, ...]:
    group_of = {n: g for g, names in LEVER_GROUPS.items() for n in names}
    kinds = field_kinds(Levers)
    out = []
    for f in dataclasses.fields(Levers):
        out.append(_variable(f.name, "lever", group_of[f.name], kinds[f.name], f.metadata["spec"],
                             f.default))
    return tuple(out)


def _uncertainties() -> tuple[Variable, ...]:
    out = []
    for g in dataclasses.fields(Parameters):
        cls = type(getattr(Parameters(), g.name))
        kinds = field_kinds(cls)
        for f in dataclasses.fields(cls):
            spec: Spec = f.metadata["spec"]
            if spec.prior is not None:
                out.append(_variable(f"{g.name}.{f.name}", "uncertainty", g.name, kinds[f.name],
                                     spec, f.default))
    return tuple(out)


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
class Problem:
    """Levers, uncertainties, outcomes and targets, with look-ups and exports."""

    levers: tuple[Variable, ...]
    uncertainties: tuple[Variable, ...]
    outcomes: tuple[Outcome, ...]
    targets: tuple[TargetSpec, ...]

    def variable(self, name: str) -> Variable:
        """A lever or uncertainty by name; a clear error lists the known names otherwise."""
        for v in (*self.levers, *self.uncertainties):
            if v.name == name:
                return v
        raise KeyError(f"unknown lever or parameter {name!r}; see `steppe levers` and `steppe params`")

    def outcome(self, name: str) -> Outcome:
        for o in self.outcomes:
            if o.name == name:
                return o
        known = ", ".join(o.name for o in self.outcomes)
        raise KeyError(f"unknown outcome {name!r}; known outcomes are: {known}")

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "levers": [v.as_dict() for v in self.levers],
            "uncertainties": [v.as_dict() for v in self.uncertainties],
            "outcomes": [dataclasses.asdict(o) for o in self.outcomes],
            "targets": [dataclasses.asdict(t) for t in self.targets],
        }


def build_problem() -> Problem:
    targets = tuple(TargetSpec(t.id, t.id, t.target, ">" if t.strict else ">=", t.label_en,
                               t.label_zh, t.unit) for t in TARGETS)
    return Problem(_levers(), _uncertainties(), OUTCOMES, targets)


PROBLEM = build_problem()


def outcomes_of(result: RunResult) -> dict[str, float]:
    """The outcomes of a finished run: target values and league columns at end-2027 (or the
    last month of a run that ends earlier), plus ``<target>_met`` flags (1.0/0.0, NaN when not
    evaluated)."""
    lg = result.league
    at = lg[lg["year"] <= TARGET_YEAR].iloc[-1]
    out: dict[str, float] = {}
    for o in OUTCOMES:
        if o.name in result.targets:
            v = result.targets[o.name]["value"]
            out[o.name] = math.nan if v is None else float(v)
        else:
            out[o.name] = float(at[o.name])
    for tid, t in result.targets.items():
        out[f"{tid}_met"] = math.nan if t["met"] is None else float(t["met"])
    return out
