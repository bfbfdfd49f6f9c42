"""Indicators: the monthly league and county rows, and the 2027 targets T1-T8 of seed 003."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from model.datacentres import external_demand_p, national_rent_cny_per_p_month
from model.dataeconomy import DATASET_DOMAINS
from model.levers import Levers
from model.params import CHAIN_LINKS, KEY_SECTORS
from model.talent import league_adequacy

if TYPE_CHECKING:
    from model.model import SteppeModel

TARGET_YEAR = 2027


@dataclass(frozen=True)
class Target:
    id: str
    label_en: str
    label_zh: str
    target: float
    unit: str
    strict: bool = False      # "over" (超) rather than "at least" (以上)


# The targets as seed 003 line 12 words them:
#   到2027年，基本建立"生采存算用易治安"数据产业链，数据产业规模年均增长率20%以上，
#   形成6个以上高质量数据集；建立内蒙古数据交易中心锡盟服务基地，形成数据产品30个以上，
#   积累10个以上创新应用场景和案例；积极打造算力产业聚集区，智能算力规模超5万P
# with lines 16-17 (南部4万P, 边缘超1万P), 19 (新建数据中心绿电占比达到80%以上) and 35
# (至少完成1个公共数据授权运营试点). T2 counts every high-quality dataset formed in the league
# (6个以上); which of the plan's eight industries have one (line 32) is reported as
# ``dataset_industries_covered``, not a condition of T2. T6 counts green power bought by trading or
# certificates, as line 19 allows (绿色电力交易、绿证交易); the own green share is reported beside it.
TARGETS = (
    Target("T1", "Data-industry scale growth, 2025-2027 average", "数据产业规模年均增长率", 20.0,
           "%/year"),
    Target("T2", "High-quality datasets formed", "形成高质量数据集", 6.0, "datasets"),
    Target("T3", "Data products listed through the Xilingol service base", "锡盟服务基地上架数据产品",
           30.0, "products"),
    Target("T4", "Innovative application scenarios and cases", "创新应用场景和案例", 10.0, "cases"),
    Target("T5", "Intelligent compute (south 40,000 P; edge over 10,000 P)",
           "智能算力（南部4万P，边缘超1万P）", 50000.0, "P (dense FP16)", strict=True),
    Target("T6", "Green-power share of new data centres", "新建数据中心绿电占比", 80.0, "%"),
    Target("T7", "Public-data authorised-operation pilots", "公共数据授权运营试点", 1.0, "pilots"),
    Target("T8", "Data-chain links established (生采存算用易治安)", "数据产业链环节建立（生采存算用易治安）",
           8.0, "links of 8"),
)


def _share(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


class Recorder:
    """Collects one league row and one row per county each month."""

    def __init__(self, model: SteppeModel) -> None:
        self.model = model
        self.league: list[dict[str, Any]] = []
        self.counties: list[dict[str, Any]] = []
        self.initial_scale_cny: float = 0.0
        self.target_state: dict[str, Any] = {}
        self.final_2027: tuple[dict[str, Any], dict[str, Any]] | None = None

    def record_initial(self) -> None:
        """End-2024 state: the base of T1's growth (compute revenue at today's demand)."""
        m = self.model
        ext = m.params.datacentres
        cap = sum(s.capacity_p for s in m.sites)
        lv = Levers()       # end-2024 policy
        demand = external_demand_p(ext, -1, lv.link_beijing, lv.link_horinger,
                                   ext.rent_cny_per_p_month) + m.firms.compute_demand_p(m.params.enterprises)
        firms = m.data.revenue_cny_per_year(m.firms, m.params.dataeconomy, m.params.enterprises,
                                            m.adequacy, -1)
        self.initial_scale_cny = firms + min(cap, demand) * ext.rent_cny_per_p_month * 12

    def county_index(self) -> dict[str, np.ndarray]:
        """Per-county indicators, including the digital index (mean of five 0-1 components)."""
        m = self.model
        n = len(m.counties)
        h, f = m.herders, m.firms
        households = m.households_by_county()
        other = f.active & ~f.is_data
        firms = f.by_county(other.astype(float), n)
        out = {
            "coverage_rural": m.vector("coverage_rural"),
            "herder_platform_share": m.households_by_county(h.platform) / households,
            "herder_trace_share": m.households_by_county(h.trace) / households,
            # NaN (undefined, without a warning) in a county that a small scale leaves without firms
            "firm_adoption_share": np.divide(f.by_county((other & (f.level >= 2)).astype(float), n), firms,
                                             out=np.full(n, np.nan), where=firms > 0),
            "firm_mean_level": np.divide(f.by_county(np.where(other, f.level, 0).astype(float), n), firms,
                                         out=np.full(n, np.nan), where=firms > 0),
            "talent_pool": m.talent.pool.copy(),
            "talent_demand": m.talent_demand(),
            "wage_cny_per_month": m.talent.wage.copy(),
            "sharing_quality": m.vector("sharing_quality"),
            "sharing_use": m.vector("sharing_use"),
            "sharing_potential": m.vector("sharing_potential"),
            "sharing_users": m.vector("sharing_users"),
        }
        out["talent_adequacy"] = m.adequacy.copy()
        lost, created = self.jobs()
        out["jobs_routine_lost"] = f.by_county(lost, n)
        out["jobs_digital_created"] = f.by_county(created, n)
        out["firm_value_added_cny_per_year"] = f.by_county(f.value_added_cny(), n)
        adopters = out["herder_platform_share"] * households
        realised = np.zeros(n) if h.benefit_by_county is None else h.benefit_by_county
        out["herder_benefit_cny_per_adopter"] = np.divide(realised, adopters, out=np.zeros(n),
                                                          where=adopters > 0)
        out["digital_index"] = np.mean([out["coverage_rural"], out["herder_platform_share"],
                                        out["firm_adoption_share"], out["sharing_quality"],
                                        out["talent_adequacy"]], axis=0)
        cap = np.zeros(n)
        for s in m.sites:
            cap[s.county_idx] += s.capacity_p
        out["compute_capacity_p"] = cap
        return out

    def jobs(self) -> tuple[np.ndarray, np.ndarray]:
        """(routine jobs lost, digital jobs created) per firm, computed once per month."""
        m = self.model
        if getattr(self, "_jobs", (None,))[0] != m.month:
            self._jobs = (m.month, *m.firms.jobs_changed(m.params.enterprises))
        return self._jobs[1], self._jobs[2]

    def economy_columns(self, data_industry_cny: float) -> dict[str, float]:
        """Money of herders and firms: realised herder benefit, value added and the league's GDP,
        the digital economy in the CAICT split, jobs by sector, credit."""
        m = self.model
        h, f, ep = m.herders, m.firms, m.params.enterprises
        hh = m.last_herders
        per = 12.0 / hh["adopters"] if hh.get("adopters", 0) > 0 else 0.0
        va = f.value_added_cny()
        firms_va = float(va.sum()) * f.weight
        herders_va = h.income_total_now_cny()
        benefit_year = 12.0 * hh.get("benefit", 0.0)
        core = ep.core_va_share_of_revenue * data_industry_cny
        gdp = m.gdp_outside_cny + firms_va + herders_va + core
        digitalisation = float((va * np.asarray(ep.digital_va_share_by_level)[f.level]).sum()) * f.weight \
            + benefit_year
        lost, created = self.jobs()
        row = {
            "herder_benefit_cny_per_adopter": per * hh.get("benefit", 0.0),
            "herder_cost_cut_cny_per_adopter": per * hh.get("cost_cut", 0.0),
            "herder_output_gain_cny_per_adopter": per * hh.get("output_gain", 0.0),
            "herder_income_cny_mean": herders_va / (h.n * h.weight),
            "firm_value_added_cny_per_year": firms_va,
            "gdp_cny_per_year": gdp,
            "digital_industrialisation_cny_per_year": core,
            "industrial_digitalisation_cny_per_year": digitalisation,
            "digital_economy_share_gdp": _share(core + digitalisation, gdp),
            "core_digital_share_gdp": _share(core, gdp),
            "jobs_routine_lost": float(lost.sum()) * f.weight,
            "jobs_digital_created": float(created.sum()) * f.weight,
            "jobs_net_change": float(created.sum() - lost.sum()) * f.weight,
        }
        for s, name in enumerate(KEY_SECTORS):
            mask = f.sector == s
            row[f"jobs_routine_lost_{name}"] = float(lost[mask].sum()) * f.weight
            row[f"jobs_digital_created_{name}"] = float(created[mask].sum()) * f.weight
        fe = m.last_firms
        row.update({
            "firm_credit_applicants": fe.get("applicants", 0.0),
            "firm_credit_refused": fe.get("refused", 0.0),
            "enterprise_loans_cny_cum": m.ledger.flow("enterprise_loans"),
            "energy_premium_revenue_cny_cum": m.ledger.flow("energy_premium_revenue"),
        })
        return row

    def record(self) -> None:
        m = self.model
        year, month = m.year, m.month % 12 + 1
        date = f"{year}-{month:02d}"
        c = self.county_index()
        for i, county in enumerate(m.counties):
            row = {"date": date, "county_id": county.county_id, "name_zh": county.name_zh}
            row.update({k: float(v[i]) for k, v in c.items()})
            self.counties.append(row)

        h, f, p = m.herders, m.firms, m.params
        other = f.active & ~f.is_data
        n_other = other.sum()
        levels = np.bincount(f.level[other], minlength=5) / max(n_other, 1)
        adopting = other & (f.level >= 1)
        sites = m.sites
        cap = sum(s.capacity_p for s in sites)
        new = sum(s.new_capacity_p for s in sites) + sum(b.p for s in sites for b in s.pipeline)
        new_green = sum(s.new_green_p for s in sites) + sum(b.p * b.green for s in sites for b in s.pipeline)
        new_certified = sum(s.new_certified_p for s in sites) + sum(b.p * b.certified for s in sites
                                                                      for b in s.pipeline)
        cluster_sites = [s for s in sites if s.cluster in ("south", "edge")]
        offered = float(np.mean([s.chosen_green for s in cluster_sites]))
        lc = m.last_compute
        pilots = m.pilots_operating()
        links = m.data.links
        scale = m.data_industry_cny
        idx = c["digital_index"]
        row = {
            "date": date, "year": year, "month": month,
            "herder_connected_share": float(h.connected.mean()),
            "herder_platform_share": float(h.platform.mean()),
            "herder_trace_share": float(h.trace.mean()),
            "herders_trained": float(h.trained.sum() * h.weight),
            "firm_adoption_share": float(levels[2:].sum()),
            **{f"firm_level_{i}_share": float(levels[i]) for i in range(5)},
            "firm_shallow_share_of_adopters": _share(
                float(((f.level >= 1) & (f.level <= 2) & other).sum()), float(adopting.sum())),
            "firm_mean_level": float(f.level[other].mean()),
            "data_firms_active": float((f.is_data & f.active).sum() * f.weight),
            "talent_pool": float(m.talent.pool.sum()),
            "talent_demand": float(c["talent_demand"].sum()),
            "talent_adequacy": league_adequacy(m.talent.pool, c["talent_demand"]),
            "talent_departures": float(m.last_talent["departures"]),
            "wage_mean_cny_per_month": float(m.talent.wage.mean()),
            "sharing_quality_mean": float(c["sharing_quality"].mean()),
            "sharing_use_mean": float(c["sharing_use"].mean()),
            "sharing_users_mean": float(c["sharing_users"].mean()),
            "counties_in_vicious_circle": sum(k.in_vicious_circle(p.counties) for k in m.counties),
            "compute_capacity_p": cap,
            "compute_south_p": sum(s.capacity_p for s in sites if s.cluster == "south"),
            "compute_edge_p": sum(s.capacity_p for s in sites if s.cluster == "edge"),
            "compute_pipeline_p": sum(s.pipeline_p for s in sites),
            "compute_demand_p": m.last_compute["external_demand_p"] + m.last_compute["local_demand_p"],
            "compute_utilisation": _share(m.last_compute["served_p"], cap),
            "compute_idle_p": max(cap - lc["served_p"], 0.0),     # served <= capacity (float noise)
            "compute_rent_cny_per_p_month": lc["rent_cny_per_p_month"],
            "compute_margin_cny_per_year": 12 * lc["margin_cny"],
            "compute_return_on_capex": lc["return_on_capex"],
            "compute_deferred_p_cum": m.market.deferred_p,
            "compute_cancelled_p_cum": m.market.cancelled_p,
            "green_share_new": _share(new_green + new_certified, new) if new > 1e-9 else offered,
            "green_share_new_own": _share(new_green, new) if new > 1e-9 else float("nan"),
            "green_share_new_certified": _share(new_certified, new) if new > 1e-9 else float("nan"),
            "compute_planned_p_cum": m.market.planned_p,
            "compute_unfinanced_p_cum": m.market.unfinanced_p,
            "compute_private_p_cum": m.market.private_p,
            "compute_national_rent_cny_per_p_month": national_rent_cny_per_p_month(p.datacentres, m.month),
            "green_share_new_is_offer": float(new <= 1e-9),
            "pue": m.fleet_pue(),
            "data_industry_cny_per_year": scale,
            "data_products_developed": (m.data.products_unlisted + m.data.products_listed
                                        + m.data.products_listed_elsewhere),
            "data_products_listed": m.data.products_listed,
            "data_products_listed_elsewhere": m.data.products_listed_elsewhere,
            "datasets": float(m.data.datasets.sum()),
            "dataset_industries_covered": int((m.data.datasets >= 1).sum()),
            "datasets_commissioned": m.data.datasets_commissioned,
            "dataset_commissions_failed": m.data.commissions_failed,
            "cases": m.data.cases,
            "cases_demonstration": m.data.cases_by_kind["demonstration"],
            "cases_ai_plus": m.data.cases_by_kind["ai_plus"],
            "cases_own": m.data.cases_by_kind["own"],
            "projects_failed": m.data.projects_failed,
            "pilots_operating": pilots,
            "pilots_failed": m.data.pilots_failed,
            "pilot_stalled_months": m.data.pilot_stalled_months,
            "chain_links": int(links.sum()),
            "digital_index_seat": float(idx[m.seat]),
            "digital_index_min": float(idx.min()),
            "digital_index_spread": float(idx.max() - idx.min()),
            "herder_benefit_cny_cum": m.ledger.flow("herder_benefit"),
            **self.economy_columns(scale),
            "public_cost_cny_cum": m.ledger.public_total(),
            "enterprise_capex_cny_cum": m.ledger.flow("enterprise_capex"),
        }
        self.league.append(row)
        self.target_state = {
            "datasets": dict(zip(DATASET_DOMAINS, m.data.datasets.tolist(), strict=True)),
            "links": dict(zip(CHAIN_LINKS, links.tolist(), strict=True)),
            "link_activity": dict(zip(CHAIN_LINKS, np.round(m.data.link_activity, 4).tolist(), strict=True)),
        }
        if year == TARGET_YEAR and month == 12:
            self.final_2027 = (row, dict(self.target_state))

    def targets(self) -> dict[str, dict[str, Any]]:
        """T1-T8 at end-2027: value, target, unit, met, gap (value - target) and details.
        T1 is the average yearly growth of the data-industry run-rate (CNY/year) from December
        2024 to December 2027. A run that ends before 2027 reports its last month with ``met``
        left null."""
        reached = self.final_2027 is not None
        row, state = self.final_2027 if reached else (self.league[-1], self.target_state)
        years = (len(self.league) if not reached else 36) / 12
        final = row["data_industry_cny_per_year"]
        growth = 100 * ((final / self.initial_scale_cny) ** (1 / years) - 1)
        values = {
            "T1": growth,
            "T2": row["datasets"],
            "T3": row["data_products_listed"],
            "T4": row["cases"],
            "T5": row["compute_capacity_p"],
            "T6": 100 * row["green_share_new"],
            "T7": row["pilots_operating"],
            "T8": row["chain_links"],
        }
        extra_ok = {
            "T5": row["compute_south_p"] >= 40000 and row["compute_edge_p"] > 10000,
        }
        details = {
            "T1": {"run_rate_2024_12_cny_per_year": self.initial_scale_cny,
                   f"run_rate_{row['date']}_cny_per_year": final},
            "T2": state["datasets"],
            "T5": {"south_p": row["compute_south_p"], "edge_p": row["compute_edge_p"]},
            "T8": {"links": state["links"], "activity": state["link_activity"]},
        }
        out = {}
        for t in TARGETS:
            v = round(float(values[t.id]), 9)
            if math.isnan(v):
                met = False
            else:
                met = (v > t.target) if t.strict else (v >= t.target)
                met = bool(met and extra_ok.get(t.id, True))
            out[t.id] = {
                "label_en": t.label_en, "label_zh": t.label_zh,
                "value": None if math.isnan(v) else round(v, 4), "target": t.target,
                "unit": t.unit, "met": met if reached else None,
                "gap": None if math.isnan(v) else round(v - t.target, 4),
                "evaluated_at": row["date"], "detail": details.get(t.id, {}),
            }
        return out
