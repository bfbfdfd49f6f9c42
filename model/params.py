"""Behavioural parameters, one group per submodel.

Every constant carries either a ``source`` (a fact in ``model/data/SOURCES.md`` or a seed
passage) or a calibration ``prior`` (its plausible range, which is also its allowed range).
Scenario files override them under ``[parameters.<group>]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from model.settings import SettingError, Settings, setting, validated_replace

# Enterprise maturity ladder: none -> basic IT -> cloud/platform -> data-driven -> AI+.
LEVELS = ("none", "basic_it", "cloud_platform", "data_driven", "ai_plus")
SECTORS = ("energy_mining", "manufacturing_chem", "agri_livestock", "tourism_services", "data_digital")
KEY_SECTORS = SECTORS[:4]
DATA_CATEGORIES = ("product_manufacturing", "product_services", "tech_application", "data_element")
CHAIN_LINKS = ("generation", "collection", "storage", "computing", "use", "trading", "governance", "security")
CHAIN_ZH = "生采存算用易治安"


@dataclass(frozen=True)
class CountyParams(Settings):
    rural_coverage_pastoral: float = setting(
        0.50, "share", "End-2024 broadband/4G-5G coverage of rural households, pastoral banners",
        prior=(0.3, 0.75), source="FACTS: rural internet penetration 66.5% (national, 2023); seed 004 gaps")
    rural_coverage_agro: float = setting(
        0.65, "share", "Same, agro-pastoral banners", prior=(0.45, 0.85),
        source="FACTS: rural internet penetration 66.5% (national, 2023)")
    rural_coverage_urban: float = setting(
        0.80, "share", "Same, rural parts of the two cities", prior=(0.6, 0.95))
    connect_cost_cny_per_household: float = setting(
        6000.0, "CNY/household", "Cost to cover one household at league-median rural density",
        prior=(2000, 20000))
    connect_cost_density_elasticity: float = setting(
        0.5, "-", "Cost rises with area per rural household to this power", prior=(0.0, 1.0))
    commercial_coverage_growth_per_year: float = setting(
        0.04, "1/year", "Share of uncovered households operators cover each year unaided",
        prior=(0.0, 0.15))
    county_digital_budget_cny_per_capita: float = setting(
        30.0, "CNY/person/year", "County's own digital-infrastructure spending", prior=(0, 150))
    gov_level_seat: float = setting(
        0.85, "0-1", "Digital-government level of the league seat (Xilinhot)", prior=(0.6, 1.0),
        source="seed 000: 211 systems on cloud, 90.7% full online handling (2024)")
    gov_level_other: float = setting(
        0.65, "0-1", "Digital-government level of the other counties", prior=(0.4, 0.9))
    sharing_quality_start: float = setting(
        0.4, "0-1", "Data-sharing quality every county starts its spin-up from (end-2024 state: where "
        "its own agents' use has taken it after the spin-up)", prior=(0.3, 0.6),
        source="seed 004 (little use, slow updates); the former common 2024 value 0.42")
    sharing_spinup_months: int = setting(
        24, "months", "Spin-up of the sharing loop at end-2024 agents and opening (calibrated to the SWOT "
        "patterns government_ahead and divide_widens)", prior=(12, 60))
    users_weight_herders: float = setting(
        0.4, "-", "Weight of herder households on the platform among potential users of shared data",
        prior=(0.1, 0.6), source="seed 004: herders, firms and government share one data base")
    users_weight_firms: float = setting(
        0.3, "-", "Weight of data-driven firms among potential users", prior=(0.1, 0.5))
    users_weight_government: float = setting(
        0.3, "-", "Weight of residents using online government services among potential users",
        prior=(0.1, 0.5), source="seed 000: 90.7% full online handling (2024)")
    users_for_full_renewal: float = setting(
        0.2, "share", "Share of the county's people and firms using shared data that keeps it fully "
        "renewed", prior=(0.1, 0.5))
    sharing_use_steepness: float = setting(
        10.0, "-", "Slope of use (share of potential users using shared data) against quality (logistic)",
        prior=(4.0, 20.0), source="seed 004 (vicious circle needs bistability)")
    sharing_use_midpoint: float = setting(
        0.40, "0-1", "Quality at which half of the potential users use shared data", prior=(0.3, 0.6))
    sharing_use_rate_per_month: float = setting(
        0.10, "1/month", "Speed at which use follows quality", prior=(0.02, 0.3))
    sharing_decay_per_month: float = setting(
        0.04, "1/month", "Decay of quality without updates (stale data)", prior=(0.01, 0.1))
    opening_quality_boost: float = setting(
        0.5, "-", "Renewal = 1 - (1 - gov level x min(1, users / users for full renewal)) x exp(-boost x opening)",
        prior=(0.0, 1.5))


@dataclass(frozen=True)
class HerderParams(Settings):
    household_size_persons: float = setting(
        2.35, "persons", "Mean family-household size", source="FACTS: Inner Mongolia 2020 census")
    livestock_head: float = setting(
        12.94e6, "head", "League livestock", source="FACTS: 2019")
    income_cny_per_capita: float = setting(
        17391.0, "CNY/person/year", "Farmer/herder disposable income", source="FACTS: 2019")
    herd_sigma: float = setting(0.8, "-", "Log-sd of herd size within a county", prior=(0.4, 1.2))
    herd_factor_pastoral: float = setting(
        2.0, "-", "Relative mean herd of pastoral vs agro-pastoral households", prior=(1.2, 4.0))
    literacy_mean: float = setting(
        0.45, "0-1", "Mean digital literacy", prior=(0.25, 0.65))
    literacy_concentration: float = setting(
        6.0, "-", "Beta concentration (a+b) of literacy", prior=(2.0, 20.0))
    literacy_pastoral_offset: float = setting(
        -0.08, "0-1", "Literacy difference of pastoral banners", prior=(-0.2, 0.0))
    platform_initial_share: float = setting(
        0.20, "share of connected", "End-2024 platform adoption among connected households",
        prior=(0.05, 0.4))
    trace_initial_share: float = setting(
        0.20, "share of adopters", "End-2024 traceability/e-commerce use among platform adopters",
        prior=(0.05, 0.5))
    bass_p_per_year: float = setting(
        0.03, "1/year", "Innovation (external influence) rate", prior=(0.005, 0.06),
        source="FACTS: Bass meta-analysis p ~ 0.03 (often < 0.01)")
    bass_q_per_year: float = setting(
        0.38, "1/year", "Population-level imitation rate (on the adopting share of the population); on a "
        "household's ties it acts times the network factor of model.networks.bass_tie_factor (about 1.17 "
        "at the defaults), so that the league curve docks with the population-level Bass curve",
        prior=(0.2, 0.6),
        source="FACTS: Bass meta-analysis q ~ 0.38 (0.3-0.5), population level; network factor fitted by "
        "experiments/bass_network_fit.py")
    trace_p_per_year: float = setting(0.02, "1/year", "Traceability innovation rate", prior=(0.0, 0.06))
    trace_q_per_year: float = setting(
        0.30, "1/year", "Traceability population-level imitation rate (on the ties times the same network "
        "factor as bass_q_per_year)", prior=(0.1, 0.5))
    literacy_exponent: float = setting(
        1.0, "-", "Adoption hazard scales with literacy to this power", prior=(0.5, 2.0))
    device_cost_cny: float = setting(
        3000.0, "CNY", "Smart device and set-up a household needs", prior=(1500, 6000))
    device_life_years: float = setting(
        4.0, "years", "Years a smart device serves (its cost is spread over them)", prior=(2.0, 6.0))
    service_fee_cny_per_year: float = setting(
        600.0, "CNY/household/year", "Data and platform service fees of an adopting household",
        prior=(0.0, 3000.0))
    affordability_scale: float = setting(
        0.15, "share of income", "Up-front device cost net of subsidy (share of income) at which a "
        "household's cash constraint cuts its hazard to 1/e", prior=(0.05, 0.5))
    trace_fee_cny_per_year: float = setting(
        500.0, "CNY/household/year", "Yearly fees of traceability/e-commerce services (certification, "
        "platform commission)", prior=(0.0, 3000.0))
    benefit_logit_scale: float = setting(
        0.3, "share of income", "Expected net benefit (share of income) that moves a household's "
        "willingness to adopt by one logit unit", prior=(0.05, 1.0))
    benefit_doubt: float = setting(
        0.5, "share", "Share of the benefit a household discounts when none of its ties has adopted "
        "(social learning: seeing adopting neighbours removes the doubt)", prior=(0.0, 0.9))
    training_literacy_gain: float = setting(
        0.35, "share of gap", "Training closes this share of the literacy gap to 1", prior=(0.1, 0.6))
    training_cost_cny_per_household: float = setting(
        800.0, "CNY/household", "Cost of training one household", prior=(300, 2000))
    cost_cut_reference_cny_per_year: float = setting(
        25000.0, "CNY/household/year", "Yearly cost cut from the platform for a household with the "
        "league's mean herd in a county where everybody uses shared data (calibrated so that "
        "adopters realise seed 000's 16,000 on average)", prior=(4000.0, 40000.0), low=0.0, high=400000.0,
        source="seed 000: platform cuts each household's cost by 16,000 CNY (calibration target)")
    output_gain_reference_cny_per_year: float = setting(
        27000.0, "CNY/household/year", "Yearly output gain from the platform for the same reference "
        "household at the league's mean market access (calibrated to seed 000's 20,000)",
        prior=(5000.0, 50000.0), low=0.0, high=500000.0,
        source="seed 000: platform adds 20,000 CNY of efficiency a year (calibration target)")
    benefit_herd_elasticity: float = setting(
        0.6, "-", "Benefit scales with (herd / mean herd) to this power", prior=(0.3, 1.0))
    market_access_elasticity: float = setting(
        0.5, "-", "Output gain scales with (distance to Beijing / league mean)^-elasticity "
        "(market access for livestock products)", prior=(0.0, 1.5))
    trace_output_premium: float = setting(
        0.2, "share", "Extra output gain of households also on traceability/e-commerce",
        prior=(0.0, 0.5))
    usefulness_floor: float = setting(
        0.5, "-", "Platform usefulness where nobody uses shared data (1 where all do)", prior=(0.2, 0.9),
        source="seed 004: data-sharing loop")
    ties_neighbours: int = setting(4, "ties", "Neighbour ties per household (ring, same county)",
                                   prior=(2, 10))
    ties_kin: int = setting(2, "ties", "Kin ties per household (random, same county)", prior=(0, 6))
    ties_cross_share: float = setting(
        0.05, "share", "Share of households with one tie in another county", prior=(0.0, 0.2))


@dataclass(frozen=True)
class EnterpriseParams(Settings):
    legal_entities: float = setting(
        19000.0, "firms", "Legal-entity firms (secondary + tertiary)", source="FACTS: end-2023, derived")
    core_digital_by_category: tuple = setting(
        (7.0, 164.0, 331.0, 191.0), "firms",
        "Core digital firms by category (product mfg, product services, tech application, data-element)",
        source="FACTS: 693 firms, league census bulletin no. 6 (mfg = 693 - 686 listed)")
    core_digital_employees: float = setting(
        4362.0, "persons", "Core digital employment", source="FACTS: end-2023")
    core_digital_revenue_cny: float = setting(
        25.04e8, "CNY/year", "Core digital revenue", source="FACTS: 2023")
    above_scale_industrial: float = setting(
        262.0, "firms", "Above-scale industrial firms (lead firms)", source="FACTS: end-2023, derived")
    above_scale_service: float = setting(
        69.0, "firms", "Above-scale service firms (lead firms)", source="FACTS: end-2023, derived")
    sector_shares: tuple = setting(
        (0.08, 0.12, 0.25, 0.55), "share",
        "Shares of non-digital firms by key sector (energy, manufacturing, agri-livestock, tourism)",
        prior=(0.0, 1.0), constraint="simplex")
    employees_mean_other: float = setting(
        12.0, "persons", "Mean employees of non-digital firms", prior=(5, 30))
    size_sigma: float = setting(1.1, "-", "Log-sd of firm size", prior=(0.6, 1.6))
    revenue_sigma: float = setting(0.4, "-", "Log-sd of revenue per employee", prior=(0.1, 0.8))
    revenue_per_employee_cny: float = setting(
        400000.0, "CNY/person/year", "Revenue per employee, non-digital firms", prior=(200000, 1000000))
    data_firms_seat_share: float = setting(
        0.55, "share", "Share of core digital firms in Xilinhot", prior=(0.35, 0.8))
    level_shares_other: tuple = setting(
        (0.35, 0.38, 0.19, 0.07, 0.01), "share", "End-2024 maturity levels of non-digital firms",
        prior=(0.0, 1.0), constraint="simplex",
        source="SWOT: shallow application; national 47% of above-scale firms use cloud/IoT/AI")
    level_shares_data: tuple = setting(
        (0.0, 0.15, 0.45, 0.33, 0.07), "share", "End-2024 maturity levels of core digital firms",
        prior=(0.0, 1.0), constraint="simplex")
    upgrade_rate_per_year: tuple = setting(
        (0.45, 0.40, 0.20, 0.12), "1/year", "Upgrade hazard from each level with no barrier",
        prior=(0.0, 1.0), constraint="decreasing")
    step_cost_cny: tuple = setting(
        (40000.0, 150000.0, 600000.0, 2000000.0), "CNY",
        "Capex of each upgrade step for a 10-employee firm", prior=(1e4, 1e7), constraint="increasing",
        source="seed 000: 735,000 CNY post-subsidy to one mining firm (scale anchor)")
    cost_size_elasticity: float = setting(
        0.7, "-", "Step capex and compute use scale with (employees/10) to this power",
        prior=(0.4, 1.0))
    capability_barrier_mean: float = setting(
        0.55, "0-1", "Mean capability barrier (不会转)", prior=(0.3, 0.8), source="seed 002")
    risk_barrier_mean: float = setting(
        0.50, "0-1", "Mean risk barrier (不敢转)", prior=(0.3, 0.8), source="seed 002")
    data_firm_capability_factor: float = setting(
        0.3, "-", "Capability barrier of core digital firms relative to others", prior=(0.1, 0.8))
    barrier_concentration: float = setting(
        5.0, "-", "Beta concentration of barriers", prior=(2.0, 20.0))
    liquidity_share_of_revenue: float = setting(
        0.10, "share", "Cash a firm can put into one upgrade, as share of yearly revenue",
        prior=(0.02, 0.3), source="seed 002: long payback, 不能转")
    centre_firms_per_year: float = setting(
        150.0, "firms/centre/year", "Firms a promotion centre serves per year", prior=(50, 400))
    centre_relief: float = setting(
        0.6, "share", "Capability barrier removed for a served firm", prior=(0.3, 0.9))
    centre_cost_cny_per_year: float = setting(
        3e6, "CNY/centre/year", "Running cost of a promotion centre", prior=(1e6, 8e6))
    demo_cost_cny: float = setting(
        3e6, "CNY/project", "Public cost of a demonstration project", prior=(1e6, 1e7))
    demo_months: int = setting(12, "months", "Time from launch to a showcased case", prior=(6, 24))
    demo_risk_effect: float = setting(
        0.15, "per project", "Risk barrier falls by exp(-effect) per completed project in the sector",
        prior=(0.02, 0.4))
    peer_risk_effect: float = setting(
        0.8, "-", "Risk barrier falls with the sector share already above the firm's level", prior=(0.0, 1.0))
    security_half_cny_per_year: float = setting(
        30e6, "CNY/year", "Data-security budget that removes half of its possible risk relief",
        prior=(5e6, 2e8))
    security_relief_max: float = setting(
        0.3, "share", "Most risk barrier that security investment can remove", prior=(0.0, 0.6))
    loan_to_cost: float = setting(0.5, "share", "Share of a step's net capex a loan can cover",
                                  prior=(0.2, 0.8))
    credit_public_cost_share: float = setting(
        0.05, "share of loans", "Interest subsidy plus expected guarantee losses per loan issued",
        prior=(0.01, 0.1))
    supplier_share: float = setting(
        0.4, "share", "Share of non-lead firms that supply a lead firm", prior=(0.1, 0.8))
    customers_per_supplier: int = setting(2, "firms", "Lead-firm customers of a supplier",
                                          prior=(1, 5))
    supplier_same_county: float = setting(
        0.7, "share", "Chance a supply tie stays within the county", prior=(0.3, 1.0))
    supply_pull: float = setting(
        1.0, "-", "Upgrade hazard multiplier per unit share of customers above the firm's level",
        prior=(0.0, 3.0))
    industrial_power_price_cny_per_kwh: float = setting(
        0.40, "CNY/kWh", "Power price paid by energy-intensive firms", prior=(0.28, 0.6))
    power_kwh_per_employee_year: float = setting(
        60000.0, "kWh/person/year", "Power use of energy-intensive firms", prior=(10000, 200000))
    talent_elasticity: float = setting(
        1.0, "-", "Upgrade hazard scales with (talent supply/demand) to this power when short",
        prior=(0.0, 2.0), source="SWOT: talent shortage holds adoption back")
    sharing_elasticity: float = setting(
        1.0, "-", "Upgrade to data-driven and AI+ scales with data-sharing quality to this power",
        prior=(0.0, 2.0))
    ai_programme_cost_cny: float = setting(
        2e6, "CNY/programme", "Public cost of one AI+ scenario programme", prior=(5e5, 1e7))
    ai_programme_months: int = setting(9, "months", "AI+ programme time to a showcased case",
                                       prior=(3, 18))
    organic_case_probability: float = setting(
        0.05, "per firm reaching AI+", "Chance a firm's own AI+ upgrade becomes a recognised case",
        prior=(0.0, 0.2))
    compute_p_per_firm: tuple = setting(
        (0.0, 0.0, 0.01, 0.08, 0.6), "P per firm", "Compute used by a firm at each level",
        prior=(0.0, 5.0), constraint="increasing")
    digital_staff_per_firm: tuple = setting(
        (0.0, 0.2, 0.5, 1.2, 2.5), "persons", "Digital staff needed by a 10-employee firm at each level",
        prior=(0.0, 10.0), constraint="increasing")
    digital_spend_share: tuple = setting(
        (0.0, 0.005, 0.012, 0.025, 0.04), "share of revenue",
        "Yearly digital spending by level (demand for the data industry)", prior=(0.0, 0.1),
        constraint="increasing")

    va_gain_per_step: tuple = setting(
        (0.03, 0.05, 0.08, 0.12), "share of value added",
        "Value added a firm gains from each step up the ladder (from level 0, 1, 2, 3), once the lag "
        "has passed", prior=(0.0, 0.3))
    va_lag_months: float = setting(
        12.0, "months", "Mean lag from an upgrade to its value-added gain (exponential)",
        prior=(3.0, 36.0))
    gain_captured_share: float = setting(
        0.4, "share", "Share of a value-added gain the firm keeps as cash (the rest is wages, taxes)",
        prior=(0.1, 0.7))
    payback_required_years: float = setting(
        4.0, "years", "Payback of a step at which its upgrade hazard is halved", prior=(2.0, 10.0),
        source="seed 002: long payback holds firms back (不能转)")
    energy_saving_per_step: float = setting(
        0.03, "share", "Share of power use each step saves (energy-intensive firms)", prior=(0.0, 0.1))
    routine_jobs_lost_per_step: float = setting(
        0.02, "share of staff", "Routine jobs a non-digital firm sheds with each step up the ladder",
        prior=(0.0, 0.08), source="seed 002 line 34: digital transformation may raise unemployment")
    league_gdp_cny: float = setting(
        118.5e9, "CNY/year", "League GDP, matched by the model's value added at the start",
        source="FACTS: GDP 118.5 billion CNY (2023)")
    gdp_share_outside_model: float = setting(
        0.4, "share", "Share of GDP produced outside the modelled firms and herders (public "
        "services, individual businesses), held constant", prior=(0.2, 0.6))
    digital_va_share_by_level: tuple = setting(
        (0.0, 0.12, 0.3, 0.5, 0.65), "share of value added",
        "Share of a non-digital firm's value added counted as industrial digitalisation (CAICT) at "
        "each level", prior=(0.0, 1.0), constraint="increasing",
        source="FACTS: Inner Mongolia digital economy 24.7% of GDP, 92.4% of it industrial "
               "digitalisation (2020, CAICT); level shares a prior")
    core_va_share_of_revenue: float = setting(
        0.5, "share", "Value added of the data industry per CNY of its revenue", prior=(0.3, 0.7))


@dataclass(frozen=True)
class DataEconomyParams(Settings):
    revenue_level_multiplier: tuple = setting(
        (0.6, 0.8, 1.0, 1.3, 1.7), "-", "Data-firm revenue relative to a cloud-level firm",
        prior=(0.2, 3.0), constraint="increasing")
    demand_elasticity: float = setting(
        0.8, "-", "Data-firm revenue scales with local digital demand to this power", prior=(0.3, 1.5))
    market_growth_per_year: float = setting(
        0.06, "1/year", "Growth of the market for data firms beyond local firms' digital spending (demand index)",
        prior=(0.0, 0.15), source="FACTS: national digital economy 41.5% of GDP (2022), growing")
    entrant_pool_share: float = setting(
        0.6, "share", "Potential entrants as a share of the initial core digital firms",
        prior=(0.2, 1.5))
    entry_rate_per_year: float = setting(
        0.06, "1/year", "Entry hazard of a potential data firm at 2024 demand", prior=(0.01, 0.2))
    entrant_revenue_share: float = setting(
        0.4, "share", "Entrant staff above one person (and so revenue) relative to an incumbent of its draw",
        prior=(0.1, 1.0))
    products_per_firm_year: float = setting(
        0.04, "products/firm/year", "Listable data products a data-driven data firm develops",
        prior=(0.005, 0.3))
    listing_months: float = setting(
        6.0, "months", "Mean time to list a product through the service base", prior=(1, 18))
    product_revenue_cny_per_year: float = setting(
        1.5e6, "CNY/product/year", "Trading revenue of a listed product", prior=(2e5, 5e6))
    datasets_per_year: float = setting(
        0.4, "datasets/industry/year", "High-quality datasets an industry's firms (or, for the four public "
        "domains, its bureau with opening) build unprompted at full sharing quality", prior=(0.05, 2.0))
    dataset_cost_cny: float = setting(
        2e6, "CNY/dataset", "Public cost of one commissioned dataset (collection, cleaning, labelling, "
        "quality assessment by the host)", prior=(5e5, 6e6), source="declared prior: no cost in seeds/FACTS")
    dataset_build_months: int = setting(
        9, "months", "Months a commissioned dataset takes from commission to quality acceptance",
        prior=(3, 18))
    dataset_quality_min: float = setting(
        0.4, "0-1", "Data-sharing quality below which a commissioned dataset's chance of passing quality "
        "acceptance falls in proportion", prior=(0.2, 0.7), source="seed 004 (data quality holds use back)")
    dataset_firm_saturation: float = setting(
        40.0, "firms", "Data-driven firms in a sector at which dataset production is half its peak",
        prior=(5, 200))
    pilot_dataset_boost: float = setting(
        1.0, "-", "Public-domain dataset rate rises by this share while a pilot operates", prior=(0.0, 3.0))
    opening_product_boost: float = setting(
        1.0, "-", "Product and dataset rates rise by this times the public-data opening",
        prior=(0.0, 3.0))
    buyer_elasticity: float = setting(
        1.0, "-", "Listing rate scales with (data-driven buyer firms / end-2024 buyers) to this power",
        prior=(0.0, 2.0))
    listing_without_base_share: float = setting(
        0.3, "share", "Listing rate through the regional exchange (Hohhot) without the Xilingol base, "
        "relative to the base", prior=(0.0, 0.8), source="seed 003 line 36 (service base of the IM Data Exchange)")
    talent_revenue_elasticity: float = setting(
        0.5, "-", "Data-firm revenue scales with its county's talent adequacy to this power",
        prior=(0.0, 1.0), source="SWOT: talent shortage (seed 000); size: prior")
    talent_entry_elasticity: float = setting(
        1.0, "-", "Data-firm entry hazard scales with its county's talent adequacy to this power",
        prior=(0.0, 2.0), source="SWOT: talent shortage (seed 000); size: prior")
    talent_project_elasticity: float = setting(
        0.5, "-", "Project and dataset success scales with the host county's talent adequacy to this power",
        prior=(0.0, 1.0), source="SWOT: talent shortage (seed 000); size: prior")
    project_success_max: float = setting(
        0.9, "share", "Chance a project (demonstration, AI+, own) succeeds at a fully capable host with "
        "adequate talent", prior=(0.5, 1.0))
    own_case_rate_per_firm_year: float = setting(
        0.015, "1/firm/year", "Recognised application cases a firm at AI+ level starts on its own",
        prior=(0.0, 0.08))
    pilot_setup_months: int = setting(6, "months", "Months of set-up an authorised-operation pilot needs "
                                      "(with an operator and data of sufficient quality)", prior=(3, 18))
    pilot_quality_min: float = setting(
        0.4, "0-1", "Mean data-sharing quality an authorised-operation pilot needs to progress",
        prior=(0.2, 0.7), source="seed 004 (data quality holds sharing back)")
    pilot_success_probability: float = setting(
        0.7, "share", "Chance a pilot whose set-up is complete starts operating (else set-up restarts)",
        prior=(0.3, 1.0))
    pilot_activity_cny_per_year: float = setting(
        3e7, "CNY/year", "Governance activity (operation revenue) of an operating pilot", prior=(5e6, 1e8))
    chain_min_revenue_cny_per_year: float = setting(
        2e8, "CNY/year", "Yearly activity of a link's firms at which the link counts as established",
        prior=(5e7, 5e8))
    chain_lapse_ratio: float = setting(
        0.8, "share", "An established link lapses when its activity falls below this share of the threshold",
        prior=(0.5, 1.0))
    security_share_of_data_volume: float = setting(
        0.09, "share", "Security spending (budget + security firms' revenue) the 安 link needs per CNY of "
        "data-industry scale", prior=(0.03, 0.15))
    opening_cost_cny_per_year: float = setting(
        30e6, "CNY/year", "Public cost of opening all public-data categories (scales with share)",
        prior=(5e6, 1e8))
    pilot_cost_cny_per_year: float = setting(
        5e6, "CNY/pilot/year", "Public cost of running an authorised-operation pilot",
        prior=(1e6, 2e7))
    exchange_base_cost_cny_per_year: float = setting(
        10e6, "CNY/year", "Public cost of running the exchange service base", prior=(2e6, 3e7))


@dataclass(frozen=True)
class TalentParams(Settings):
    adequacy_initial: float = setting(
        0.78, "share", "End-2024 digital-talent supply as a share of demand", prior=(0.5, 1.0),
        source="SWOT: digital-talent shortage")
    wage_seat_cny_per_month: float = setting(
        7000.0, "CNY/month", "Digital wage in Xilinhot", prior=(5000, 10000))
    wage_other_ratio: float = setting(0.85, "-", "Digital wage elsewhere relative to Xilinhot",
                                      prior=(0.6, 1.0))
    wage_adjustment_per_year: float = setting(
        0.2, "1/year", "Wage growth per unit of excess demand (demand/supply - 1)", prior=(0.0, 0.6))
    dest_wage_elasticity: float = setting(
        1.82, "-", "Gravity: destination-wage elasticity", source="FACTS: interprovincial gravity model")
    origin_wage_elasticity: float = setting(
        0.83, "-", "Gravity: origin-wage elasticity (sign applied in the rule)",
        source="FACTS: interprovincial gravity model (-0.83)")
    distance_elasticity: float = setting(1.0, "-", "Gravity: distance elasticity", prior=(0.5, 2.0))
    internal_move_rate_per_year: float = setting(
        0.04, "1/year", "Moves between counties at equal wages", prior=(0.0, 0.1))
    out_rate_per_year: float = setting(
        0.03, "1/year", "Departures from the league at reference wages", prior=(0.007, 0.08),
        source="FACTS: out-migration ~0.7%/year of population; 61% graduate non-return (Chifeng)")
    attrition_per_year: float = setting(0.02, "1/year", "Retirement and leaving the trade",
                                        prior=(0.01, 0.05))
    graduate_retention: float = setting(
        0.45, "share", "Share of trained graduates who stay in the league at end-2024 wages (sets "
        "the outside option of the graduates' gravity choice)", prior=(0.3, 0.8),
        source="FACTS: over 61% of Chifeng students leaving do not return")
    seat_cost_cny: float = setting(15000.0, "CNY/seat", "Public cost of a training seat",
                                   prior=(5000, 40000))
    course_months: int = setting(12, "months", "Length of a digital-skills course", prior=(3, 36),
                                 source="seed 003 line 59 (vocational-college training)")
    base_inflow_per_year: float = setting(
        0.02, "share of pool/year", "Arrivals from outside the league at the reference wage (the "
        "Xilinhot wage) with no subsidy; they scale with (league wage + subsidy)^dest_wage_elasticity",
        prior=(0.0, 0.05))
    subsidy_years: float = setting(3.0, "years", "Length of an attraction contract", prior=(1, 5))
    amenity_urban: float = setting(1.0, "-", "Amenity of the cities", prior=(0.5, 1.5))
    amenity_agro: float = setting(0.75, "-", "Amenity of agro-pastoral banners", prior=(0.3, 1.2))
    amenity_pastoral: float = setting(0.6, "-", "Amenity of pastoral banners", prior=(0.3, 1.2))


@dataclass(frozen=True)
class DataCentreParams(Settings):
    initial_south_p: float = setting(
        3000.0, "P", "End-2024 intelligent compute in the south cluster", prior=(500, 10000))
    initial_edge_p: float = setting(
        400.0, "P", "End-2024 intelligent compute in the edge cluster", prior=(0, 3000))
    initial_green_share: float = setting(0.6, "share", "Green share of existing capacity",
                                         prior=(0.3, 0.9))
    green_premium_cny_per_kwh: float = setting(
        -0.03, "CNY/kWh", "Price of green over grid power for the first green kWh (negative: cheaper)",
        prior=(-0.08, 0.05), source="seed 003 line 19 (多种低价绿电供应模式); FACTS Horinger 84.57% green")
    green_firming_cny_per_kwh: float = setting(
        0.045, "CNY/kWh", "Rise of the green premium per unit green share (firming intermittent supply)",
        prior=(0.01, 0.12))
    green_certificate_cny_per_kwh: float = setting(
        0.02, "CNY/kWh", "Price of covering one kWh's shortfall below the green rule by green-power trading or "
        "green certificates (绿电交易、绿证; seed 003 line 19 names both as ways to raise the share)",
        prior=(0.003, 0.06), source="seed 003 line 19 (market routes); price: declared prior, no figure in seeds/FACTS")
    green_available_share: float = setting(
        0.1, "share", "Share of a county's green generating capacity data centres can contract",
        prior=(0.02, 0.3))
    green_cluster_factor: float = setting(
        2.0, "-", "Green generating capacity per km2 of the south and edge cluster counties relative to the "
        "league mean (seed 003 lines 16-17 name them for 丰富绿电资源 and 新能源发展优势)",
        prior=(1.0, 4.0), source="seed 003 lines 16-17 (direction); size: declared prior, no county figures")
    green_supply_growth_per_year: float = setting(
        0.15, "1/year", "Growth of the green generating capacity data centres can contract (new wind and solar)",
        prior=(0.0, 0.3), source="FACTS: league wind 11.96 GW (2022), growing; rate: declared prior")
    capex_cny_per_p: float = setting(
        0.85e6, "CNY/P", "Capital cost of intelligent compute",
        source="FACTS: 0.8-0.9 million CNY per P (2024-2025)")
    rent_cny_per_p_month: float = setting(
        20000.0, "CNY/P/month", "National rent of one P at end-2024 (the league's rent then)",
        prior=(8000, 40000))
    national_rent_change_per_year: float = setting(
        -0.10, "1/year", "Yearly change of the national rent of one P over 2025-2027 (national supply against "
        "demand; rents for AI compute fell in 2024-2025 as national capacity outgrew use)",
        prior=(-0.3, 0.05), source="FACTS: ~30% real use of AI compute nationally (oversupply); size: deep "
        "uncertainty, no price series in seeds/FACTS")
    it_kw_per_p: float = setting(1.5, "kW/P", "IT power per P (dense FP16)", prior=(0.8, 3.0))
    pue_existing: float = setting(1.4, "-", "PUE of existing capacity",
                                  source="FACTS: national mean PUE 1.42 (mid-2025)")
    pue_new: float = setting(1.2, "-", "PUE of new capacity", source="FACTS: new centres PUE <= 1.2")
    china_demand_p_2024: float = setting(
        725000.0, "P", "China AI compute demand", source="FACTS: 725 EFLOPS in 2024")
    china_demand_growth_per_year: float = setting(
        0.46, "1/year", "Growth of China AI compute demand", source="FACTS: forecast 46%/year to 2028")
    league_demand_share: float = setting(
        0.0017, "share", "Share of China demand reaching Xilingol at the national rent, without direct links",
        prior=(0.0005, 0.01), source="FACTS: ~58% rack utilisation, ~30% real use of AI compute (sets "
        "end-2024 utilisation near 0.5)")
    link_beijing_boost: float = setting(
        1.0, "-", "External demand rises by this share with a direct BTH link", prior=(0.2, 3.0))
    link_horinger_boost: float = setting(
        0.4, "-", "External demand rises by this share with a Horinger/Ulanqab link", prior=(0.0, 1.5))
    price_elasticity: float = setting(
        0.5, "-", "Demand scales with (national rent / league rent) to this power. Below 1: a cheaper league "
        "rent fills some idle capacity but earns less (demand follows links, latency and contracts more than "
        "price; seed 002 line 14: capacity piles up unused)", prior=(0.1, 1.0),
        source="seed 002 line 14 (机器堆积得多、利用得少: cheap idle capacity does not fill); size: deep uncertainty")
    latency_elasticity: float = setting(
        1.0, "-", "A site's pull on outside demand scales with (distance to Beijing / mean)^-this",
        prior=(0.0, 3.0))
    land_capex_premium_pastoral: float = setting(
        0.05, "share", "Extra capex of a site in a pastoral banner (grassland protection, grid connection)",
        prior=(0.0, 0.2))
    voucher_elasticity: float = setting(
        1.5, "-", "Local compute demand rises by this times the voucher rate", prior=(0.0, 4.0))
    normal_utilisation: float = setting(
        0.55, "share", "Utilisation at which the rent stays put (below: it falls; above: it rises)",
        prior=(0.4, 0.75), source="FACTS: national rack utilisation ~58%; hubs required >= 65%")
    rent_adjustment_per_month: float = setting(
        0.05, "-", "Rent changes by (demand / normal use of capacity) to this power each month",
        prior=(0.01, 0.2))
    build_months: int = setting(12, "months", "Lead time from decision to capacity", prior=(6, 24))
    approval_months: int = setting(
        3, "months", "Months from a publicly led build's decision to the start of construction (siting, energy "
        "and grid approval; seed 003 line 15's layout plan comes first)", prior=(0, 12))
    planned_min_return_per_year: float = setting(
        0.0, "1/year", "Co-investors' required return on their share of a publicly led build: the build is "
        "financed in full when its expected return clears this well, hardly at all well below it",
        prior=(-0.05, 0.10), source="seed 003 line 57 (projects financed with state funds and banks); declared prior")
    invest_share_per_quarter: float = setting(
        0.25, "share", "Most a site's investors add in a quarter, as share of its capacity and pipeline",
        prior=(0.05, 0.6))
    site_min_build_p: float = setting(
        200.0, "P", "Smallest site investors consider (lets empty counties start a site)", prior=(50, 1000))
    return_spread: float = setting(
        0.04, "1/year", "Spread of investors' response around the hurdle rate (logistic scale)",
        prior=(0.01, 0.1))
    cancel_share_per_quarter: float = setting(
        0.3, "share", "Most of the private pipeline cancelled in a quarter when returns turn negative",
        prior=(0.0, 0.8), source="seed 002 line 14 (over-building)")
    planned_south_share: float = setting(
        0.8, "share", "Share of publicly led builds placed in the south cluster (the rest at the edge)",
        source="seed 003 lines 16-17: 40,000 P south, over 10,000 P edge")
    public_capex_share: float = setting(
        0.3, "share", "Public share of the capex of publicly led builds", prior=(0.0, 1.0))
    opex_cny_per_p_month: float = setting(
        800.0, "CNY/P/month", "Operating cost other than electricity (staff, maintenance, network)",
        prior=(400, 2000), source="FACTS: power is 30-50% of a data centre's operating cost")
    payback_years: float = setting(6.0, "years", "Investors' required payback (hurdle rate = 1/this)",
                                   prior=(3, 10))
    link_cost_cny_per_year: float = setting(
        20e6, "CNY/link/year", "Public cost of a leased direct compute-network link",
        prior=(5e6, 1e8))
    market_power_price_cny_per_kwh: float = setting(
        0.36, "CNY/kWh", "Power price data centres would pay unaided; a lower lever price is "
        "paid for publicly", prior=(0.25, 0.5), source="FACTS: IM power ~1/3 of Beijing's")


for _cls, _group in ((CountyParams, "counties"), (HerderParams, "herders"), (EnterpriseParams, "enterprises"),
                    (DataEconomyParams, "dataeconomy"), (TalentParams, "talent"), (DataCentreParams, "datacentres")):
    _cls._settings_where = f"parameters.{_group}"


@dataclass(frozen=True)
class Parameters:
    """All behavioural parameters of a run."""

    counties: CountyParams = field(default_factory=CountyParams)
    herders: HerderParams = field(default_factory=HerderParams)
    enterprises: EnterpriseParams = field(default_factory=EnterpriseParams)
    dataeconomy: DataEconomyParams = field(default_factory=DataEconomyParams)
    talent: TalentParams = field(default_factory=TalentParams)
    datacentres: DataCentreParams = field(default_factory=DataCentreParams)

    def __post_init__(self) -> None:
        """Each group must be its settings class (which checks its own values)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if type(value).__name__ != f.type:
                raise SettingError(f"parameters.{f.name}: expected a {f.type}, not {type(value).__name__}")

    def with_overrides(self, overrides: dict[str, Any], where: str) -> Parameters:
        """Apply ``{group: {name: value}}``, checking every key, type and range."""
        groups = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        changed = {}
        for group, values in overrides.items():
            if group not in groups:
                raise SettingError(
                    f"{where}.{group}: unknown parameter group; known groups are: "
                    + ", ".join(groups))
            if not isinstance(values, dict):
                raise SettingError(f"{where}.{group}: expected a table of parameters")
            changed[group] = validated_replace(groups[group], values, f"{where}.{group}")
        p = dataclasses.replace(self, **changed)
        p.check()
        return p

    def check(self) -> None:
        """Cross-field checks: combinations of individually valid settings the model cannot run."""
        e = self.enterprises
        where = "parameters.enterprises"
        for name in ("sector_shares", "level_shares_other", "level_shares_data"):
            total = sum(getattr(e, name))
            if abs(total - 1.0) > 1e-6:
                raise SettingError(f"{where}.{name}: shares sum to {total:g}; they must sum to 1")
        spend = sum(s * d for s, d in zip(e.level_shares_other, e.digital_spend_share, strict=True))
        if spend <= 0:
            raise SettingError(
                f"{where}.digital_spend_share: with level_shares_other = {list(e.level_shares_other)} "
                "non-digital firms spend nothing on digital goods at the start, so the data industry "
                "has no market to scale from; give a positive share to a level that has firms")
        staff = e.digital_staff_per_firm
        if any(b < a for a, b in pairwise(staff)):
            raise SettingError(
                f"{where}.digital_staff_per_firm: {list(staff)} falls with the level; a step up the "
                "ladder cannot need fewer digital staff (digital jobs created would be negative)")
