"""Policy levers: what the league and its counties can set, with units, defaults and ranges.

Defaults describe policy as of end-2024 (the baseline). A scenario sets initial values and may
change any lever on a date within the run (see :mod:`model.scenario`). Seed passages are cited as
``seed NNN line L`` (see ``docs/SEED_PASSAGES.md``); the public cost of each lever is computed by
the submodel that applies it and booked in :mod:`model.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.settings import Settings, setting


@dataclass(frozen=True)
class Levers(Settings):
    """Lever values in force in one month (checked on construction: see :class:`Settings`)."""

    _settings_where = "levers"

    # Infrastructure -------------------------------------------------------------------------
    infra_budget_cny_per_year: float = setting(
        30e6, "CNY/year", "League budget for broadband/5G coverage of uncovered households",
        low=0, high=2e9, zh="基础设施（宽带/5G）预算", source="seed 003 line 18; seed 004 (pastoral gaps)",
    )
    infra_pastoral_share: float = setting(
        0.3, "share", "Share of the infrastructure budget targeted at pastoral banners",
        low=0, high=1, zh="基础设施预算投向牧区的比例", source="seed 004 (pastoral-area coverage gaps)",
    )
    # Enterprise transformation (the three barriers of seed 002) ------------------------------
    transformation_subsidy_rate: float = setting(
        0.05, "share of capex", "Technology-transaction post-subsidy on digital capex (relieves finance)",
        low=0, high=0.6, zh="数字化转型（技术交易后补助）补贴率", source="seed 000 (735,000 CNY post-subsidy example)",
    )
    promotion_centres: int = setting(
        1, "centres", "Digital-transformation promotion centres (relieve capability, 不会转)",
        low=0, high=30, zh="数字化转型促进中心数量", source="seed 001 (transformation promotion centres)",
    )
    credit_quota_cny_per_year: float = setting(
        0.0, "CNY/year", "Credit and IP-/data-pledge loans for digital capex (relieve finance, 不能转)",
        low=0, high=5e9, zh="数字化转型信贷/知识产权质押额度", source="seed 003 line 57 (IP pledge); seed 001",
    )
    demonstration_projects_per_year: int = setting(
        2, "projects/year", "Demonstration projects (relieve risk, 不敢转; each yields a case if it succeeds)",
        low=0, high=60, zh="示范项目（每年）", source="seed 001; seed 002 (不敢转)",
    )
    energy_price_premium_cny_per_kwh: float = setting(
        0.0, "CNY/kWh", "Power-price premium on traditional energy-intensive firms",
        low=0, high=0.3, zh="传统高耗能企业加价电价", source="brief (levers); seed 002 (electricity price)",
    )
    # Herders -------------------------------------------------------------------------------
    herder_training_per_year: float = setting(
        3000, "households/year", "Herder households given digital-skills training",
        low=0, high=60000, zh="牧民数字技能培训（户/年）", source="seed 000; seed 004 (digital divide)",
    )
    herder_device_subsidy_rate: float = setting(
        0.0, "share of device cost", "Subsidy on the smart device a household needs to adopt",
        low=0, high=1, zh="牧民智能终端补贴率", source="brief (herder training and device support)",
    )
    # Talent --------------------------------------------------------------------------------
    talent_training_seats_per_year: float = setting(
        300, "seats/year", "Digital-talent training seats (vocational college and others)",
        low=0, high=10000, zh="数字人才培训名额（年）", source="seed 003 (talent training at the vocational college)",
    )
    talent_attraction_subsidy_cny_per_year: float = setting(
        0.0, "CNY/person/year", "Attraction subsidy paid to each digital worker moving in (3-year contracts)",
        low=0, high=200000, zh="人才引进补贴（元/人/年）", source="seed 001 (talent); seed 004 (talent shortage)",
    )
    # Compute -------------------------------------------------------------------------------
    dc_electricity_price_cny_per_kwh: float = setting(
        0.36, "CNY/kWh", "Electricity price offered to data centres",
        low=0.15, high=1.0, zh="数据中心电价", source="seed 002 (electricity-price lever); FACTS (IM ~1/3 of Beijing)",
    )
    dc_green_power_requirement: float = setting(
        0.8, "share", "Minimum green-power share of new data-centre capacity",
        low=0, high=1, zh="新建数据中心绿电比例要求", source="seed 003 line 19; FACTS (regional rule 2024)",
    )
    dc_green_approval: bool = setting(
        False, "on/off", "Approve a new data centre only if its green-power share meets the requirement "
        "(own green supply, or green-power trading and certificates for the rest, at the investor's cost)",
        zh="绿电占比作为新建数据中心审批条件", source="seed 003 line 19 (新建数据中心绿电占比达到80%以上; "
        "绿色电力交易、绿证交易); FACTS data-centre rules (2024)",
    )
    link_beijing: bool = setting(
        False, "on/off", "Direct compute-network link to the Beijing-Tianjin-Hebei hub",
        zh="与京津冀算力枢纽网络直连", source="seed 003 line 18",
    )
    link_horinger: bool = setting(
        False, "on/off", "Direct compute-network link to the Horinger/Ulanqab hub",
        zh="与和林格尔/乌兰察布枢纽网络直连", source="seed 003 line 18",
    )
    dc_planned_build_p_per_year: float = setting(
        0.0, "P/year (dense FP16)", "Publicly led data-centre build, regardless of demand",
        low=0, high=40000, zh="政府主导算力建设（P/年）", source="seed 003 lines 16-17; seed 002 (over-building)",
    )
    compute_voucher_rate: float = setting(
        0.0, "share of compute bill", "Compute-purchase vouchers (算力券) for local firms",
        low=0, high=0.5, zh="算力券补贴比例", source="FACTS (30% cluster-platform subsidy, 2024)",
    )
    # Data elements -------------------------------------------------------------------------
    public_data_opening: float = setting(
        0.2, "share of categories", "Share of public-data categories opened for use",
        low=0, high=1, zh="公共数据开放比例", source="seed 000 (626 categories published); seed 003",
    )
    dataset_commissions_per_industry_per_year: float = setting(
        0.0, "datasets/industry/year", "High-quality datasets commissioned from platform or leading firms in "
        "each of the plan's eight industries (each needs a capable host; it can fail quality acceptance)",
        low=0, high=4, zh="重点行业高质量数据集建设（每行业每年）", source="seed 003 line 32 (每个行业至少建设1个"
        "高质量数据集; 现代能源、工业制造、文化旅游、农牧业、医疗卫生、交通运输、生态环保、气象水利)",
    )
    authorised_operation_pilots: int = setting(
        0, "pilots", "Public-data authorised-operation pilots launched (count in force; each operates once set up)",
        low=0, high=10, zh="公共数据授权运营试点", source="seed 003 (T7)",
    )
    exchange_service_base: bool = setting(
        False, "on/off", "Xilingol service base of the Inner Mongolia Data Exchange",
        zh="内蒙古数据交易中心锡盟服务基地", source="seed 003 line 36",
    )
    ai_plus_programmes_per_year: int = setting(
        0, "programmes/year", "AI+ scenario programmes (each lifts one data-driven firm to AI+; a case if it succeeds)",
        low=0, high=60, zh="人工智能+场景项目（每年）", source="seed 003 (AI+)",
    )
    data_security_cny_per_year: float = setting(
        5e6, "CNY/year", "Data-security investment (relieves risk; counts towards the 安 link against data volume)",
        low=0, high=5e8, zh="数据安全投入", source="seed 003 (生采存算用易治安); SWOT threat",
    )


# How each lever's public cost is computed (booked by the submodel that applies it; parameters in
# ``model.params``). Shown by ``steppe levers`` and docs/LEVERS.md.
LEVER_COSTS: dict[str, str] = {
    "infra_budget_cny_per_year": "the budget spent on covering households (counties.connect_cost_cny_per_household)",
    "infra_pastoral_share": "none of its own (splits the infrastructure budget)",
    "transformation_subsidy_rate": "rate x firms' digital capex (upgrades and AI+ programmes)",
    "promotion_centres": "centres x enterprises.centre_cost_cny_per_year",
    "credit_quota_cny_per_year": "loans drawn x enterprises.credit_public_cost_share",
    "demonstration_projects_per_year": "projects x enterprises.demo_cost_cny",
    "energy_price_premium_cny_per_kwh": "negative: premium revenue collected from energy-intensive firms",
    "herder_training_per_year": "households trained x herders.training_cost_cny_per_household",
    "herder_device_subsidy_rate": "rate x device cost of adopting households",
    "talent_training_seats_per_year": "seats x talent training cost per seat",
    "talent_attraction_subsidy_cny_per_year": "subsidy x digital workers moving in (3-year contracts)",
    "dc_electricity_price_cny_per_kwh": "(datacentres.market_power_price_cny_per_kwh - price) x kWh served",
    "dc_green_power_requirement": "none (investors pay for green power and certificates)",
    "dc_green_approval": "none (administrative; investors pay for certificates)",
    "link_beijing": "datacentres.link_cost_cny_per_year while on",
    "link_horinger": "datacentres.link_cost_cny_per_year while on",
    "dc_planned_build_p_per_year": "financed P x capex x datacentres.public_capex_share, at decision",
    "compute_voucher_rate": "rate x local compute served x rent",
    "public_data_opening": "share x dataeconomy.opening_cost_cny_per_year",
    "dataset_commissions_per_industry_per_year": "commissions x dataeconomy.dataset_cost_cny, at launch",
    "authorised_operation_pilots": "pilots in force x dataeconomy.pilot_cost_cny_per_year",
    "exchange_service_base": "dataeconomy.exchange_base_cost_cny_per_year while on",
    "ai_plus_programmes_per_year": "programmes x enterprises.ai_programme_cost_cny (+ subsidy on their capex)",
    "data_security_cny_per_year": "the budget itself",
}


def lever_names() -> list[str]:
    from dataclasses import fields

    return [f.name for f in fields(Levers)]
