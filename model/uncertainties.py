"""The kind of every uncertain parameter: calibrated, sourced or deep uncertainty.

Every behavioural parameter of :class:`model.params.Parameters` has exactly one kind
(:func:`model.problem.parameter_kinds` derives it; ``steppe params`` and ``docs/PARAMETERS.md``
show it):

- **calibrated**: fitted to the targets; its values are the shipped posterior's
  (``model/data/calibrated.json``, written by the calibration pipeline);
- **deep uncertainty**: nothing available can constrain it; declared in :data:`DEEP` below with a
  plausible range and the reason. Deep uncertainties are kept as scenario axes (issue 18 builds
  futures from :func:`model.problem.deep_uncertainties`), never calibrated, and a run uses the
  hand-set value (the range's centre or the modeller's reading) unless a study or scenario sets it;
- **sourced**: fixed at its hand-set value, with the basis stated: a ``source`` in
  ``model/params.py`` (a FACTS row or seed passage), or, for parameters with none, an entry of
  :data:`JUDGED`, which names the basis as what it is (the modeller's judgement, and that the
  calibration's screening found no target it moves by a tenth of a tolerance, or that it is a
  structural share or cost the model takes as given).

The rule, in order: in :data:`DEEP` -> deep uncertainty; in the shipped calibrated set ->
calibrated; a ``source`` or an entry of :data:`JUDGED` -> sourced; anything else is an error
(``tests/model/test_problem.py`` fails, naming the parameter), so a new parameter must be
classified here when it is added. The tables are kept here, apart from ``model/params.py``, so
that the classification is reviewed in one place.
"""

from __future__ import annotations

# name -> (low, high, reason). The range is the plausible range a study explores.
DEEP: dict[str, tuple[float, float, str]] = {
    "datacentres.price_elasticity": (
        0.1, 1.0, "No estimate exists of how outside buyers of compute respond to the league's rent against "
        "the national rent; no figure in FACTS or the seeds constrains its size, and no target measures it. "
        "Below 1 (seed 002 line 14: cheap idle capacity does not fill), so idle capacity cannot raise T1."),
    "datacentres.national_rent_change_per_year": (
        -0.3, 0.05, "No price series of AI compute rents in FACTS or the seeds; national capacity outgrew use "
        "in 2024-2025 (FACTS ~30% real use), so the national rent more likely fell than rose."),
    "datacentres.build_months": (
        6, 24, "No record of lead times of data-centre builds in Xilingol; national figures range from half a "
        "year (modular halls) to two years (new campuses with grid connection)."),
    "datacentres.link_beijing_boost": (
        0.2, 3.0, "The direct Beijing-Tianjin-Hebei link does not exist yet (seed 003 plans it); no data on "
        "how much outside demand such a link brings."),
    "datacentres.link_horinger_boost": (
        0.0, 1.5, "Same for the Horinger/Ulanqab link: planned (seed 003), never measured."),
    "datacentres.initial_south_p": (
        500, 10000, "End-2024 intelligent compute of the south cluster: no published figure for Xilingol (FACTS "
        "has Inner Mongolia's 87,000-116,000 P only); the range spans a pilot hall to a large campus."),
    "datacentres.initial_edge_p": (
        0, 3000, "End-2024 intelligent compute at the edge: no published figure; may be near zero."),
    "datacentres.latency_elasticity": (
        0.0, 3.0, "No data on how much distance to Beijing weighs in siting AI workloads (training is "
        "latency-tolerant, inference is not); the mix is unknown."),
    "datacentres.voucher_elasticity": (
        0.0, 4.0, "Compute vouchers have not been used in the league; no evaluation of their effect on "
        "local demand exists."),
    "enterprises.centre_relief": (
        0.3, 0.9, "Share of the capability barrier a promotion centre removes: no evaluation of such "
        "centres in Xilingol or comparable leagues; the lever's effect rests on it."),
    "enterprises.demo_risk_effect": (
        0.02, 0.4, "Fall of the risk barrier per showcased demonstration project: no data; the lever's "
        "effect rests on it."),
    "herders.training_literacy_gain": (
        0.1, 0.6, "Share of the literacy gap a herder training course closes: no evaluation of the league's "
        "courses; the lever's effect rests on it."),
    "datacentres.approval_months": (
        0, 12, "Months from a publicly led build's decision to the start of construction (siting, energy and grid "
        "approval): no record for the league; a build-time component like build_months."),
    "dataeconomy.dataset_build_months": (
        3, 18, "Months a commissioned dataset takes to pass quality acceptance: no dataset has yet been "
        "commissioned in the league; no record to estimate it from."),
    "counties.opening_quality_boost": (
        0.0, 1.5, "How much opening public-data categories renews shared data: no data (the opening lever "
        "is new); the lever's effect rests on it."),
}

# Parameters with no ``source`` that are neither calibrated nor deep uncertainties: the basis of
# their fixed hand-set value, stated as what it is. The screening figures are those of the shipped
# calibration's Morris screening (calibration/posterior/report/screening.csv, seed 0, scale 0.2): the
# largest mean absolute elementary effect on a fitted target, in that target's tolerances. A parameter
# with an effect of a tenth of a tolerance or more *could* be constrained by the targets but was not
# among the ten the calibration fits: its hand-set value is a judgement that moves the fit.
SCREENED_NONE = ("modeller's judgement, fixed; the calibration's screening found no fitted target it moves by a "
                 "tenth of a tolerance, so the targets cannot constrain it")
STRUCTURAL = ("modeller's judgement, fixed: a structural vector (shares, per-level costs or staff) the model "
              "takes as given; not sampled by the calibration")
LADDER = ("modeller's judgement, fixed: the upgrade-hazard ladder; its elements are screened one by one "
          "(calibration/space.py) and none was among the calibrated parameters")
COST = "modeller's judgement, fixed: a public unit cost of a lever (it sets what a lever costs, not behaviour)"


def screened(effect: float, target: str) -> str:
    return (f"modeller's judgement, fixed; NOT calibrated although the screening found it moves {target} by "
            f"{effect:g} tolerances (it was not among the parameters the calibration fits)")


JUDGED: dict[str, str] = {
    "counties.rural_coverage_urban": screened(5.9, "Tdivide_widens"),
    "counties.connect_cost_density_elasticity": screened(1.6, "Tdivide_widens"),
    "counties.commercial_coverage_growth_per_year": screened(2.2, "Tdivide_widens"),
    "counties.county_digital_budget_cny_per_capita": screened(4.7, "Tdivide_widens"),
    "counties.gov_level_other": screened(2.7, "Tdivide_widens"),
    "counties.sharing_spinup_months": screened(4.6, "Tdivide_widens"),
    "counties.users_weight_firms": screened(2.1, "S1_government_holds"),
    "counties.sharing_use_midpoint": screened(4.8, "S1_government_holds"),
    "counties.sharing_use_rate_per_month": screened(0.45, "W3_uneven_persists"),
    "counties.sharing_decay_per_month": screened(5.3, "W3_uneven_persists"),
    "herders.herd_sigma": screened(0.65, "O2_herders_spread"),
    "herders.herd_factor_pastoral": screened(0.71, "F_herder_benefit"),
    "herders.literacy_concentration": screened(0.67, "O2_herders_spread"),
    "herders.literacy_pastoral_offset": screened(1.7, "Tdivide_widens"),
    "herders.platform_initial_share": screened(2.9, "Tdivide_widens"),
    "herders.trace_initial_share": SCREENED_NONE,
    "herders.trace_p_per_year": SCREENED_NONE,
    "herders.trace_q_per_year": SCREENED_NONE,
    "herders.literacy_exponent": screened(2, "O2_herders_spread"),
    "herders.device_cost_cny": COST,
    "herders.device_life_years": screened(0.12, "O2_herders_spread"),
    "herders.service_fee_cny_per_year": screened(0.21, "O2_herders_spread"),
    "herders.affordability_scale": screened(4.3, "O2_herders_spread"),
    "herders.trace_fee_cny_per_year": SCREENED_NONE,
    "herders.benefit_logit_scale": screened(0.34, "O2_herders_spread"),
    "herders.benefit_doubt": screened(1.6, "O2_herders_spread"),
    "herders.training_cost_cny_per_household": COST,
    "herders.benefit_herd_elasticity": screened(0.94, "O2_herders_spread"),
    "herders.market_access_elasticity": screened(0.97, "O2_herders_spread"),
    "herders.trace_output_premium": screened(0.12, "F_herder_benefit"),
    "herders.ties_neighbours": screened(0.15, "O2_herders_spread"),
    "herders.ties_kin": screened(0.16, "O2_herders_spread"),
    "herders.ties_cross_share": SCREENED_NONE,
    "enterprises.sector_shares": STRUCTURAL,
    "enterprises.employees_mean_other": screened(1.5, "Tdivide_widens"),
    "enterprises.size_sigma": screened(0.51, "Tdivide_widens"),
    "enterprises.revenue_sigma": screened(0.44, "W1_depth_slow"),
    "enterprises.revenue_per_employee_cny": screened(1.2, "O2_firms_spread"),
    "enterprises.data_firms_seat_share": screened(1.1, "Tdivide_widens"),
    "enterprises.level_shares_data": STRUCTURAL,
    "enterprises.upgrade_rate_per_year": LADDER,
    "enterprises.cost_size_elasticity": screened(0.27, "W1_depth_slow"),
    "enterprises.data_firm_capability_factor": SCREENED_NONE,
    "enterprises.barrier_concentration": screened(0.45, "Tdivide_widens"),
    "enterprises.centre_firms_per_year": SCREENED_NONE,
    "enterprises.centre_cost_cny_per_year": COST,
    "enterprises.demo_cost_cny": COST,
    "enterprises.demo_months": screened(0.15, "O2_firms_spread"),
    "enterprises.peer_risk_effect": screened(0.85, "W1_depth_slow"),
    "enterprises.security_half_cny_per_year": screened(0.28, "O2_firms_spread"),
    "enterprises.security_relief_max": SCREENED_NONE,
    "enterprises.loan_to_cost": SCREENED_NONE,
    "enterprises.credit_public_cost_share": SCREENED_NONE,
    "enterprises.supplier_share": screened(1.8, "W1_depth_slow"),
    "enterprises.customers_per_supplier": screened(0.15, "O2_firms_spread"),
    "enterprises.supplier_same_county": screened(0.23, "Tdivide_widens"),
    "enterprises.supply_pull": screened(0.85, "W1_depth_slow"),
    "enterprises.industrial_power_price_cny_per_kwh": SCREENED_NONE,
    "enterprises.power_kwh_per_employee_year": SCREENED_NONE,
    "enterprises.sharing_elasticity": screened(0.38, "Tdivide_widens"),
    "enterprises.ai_programme_cost_cny": COST,
    "enterprises.ai_programme_months": SCREENED_NONE,
    "enterprises.organic_case_probability": SCREENED_NONE,
    "enterprises.compute_p_per_firm": STRUCTURAL,
    "enterprises.digital_staff_per_firm": STRUCTURAL,
    "enterprises.digital_spend_share": STRUCTURAL,
    "enterprises.va_gain_per_step": STRUCTURAL,
    "enterprises.va_lag_months": SCREENED_NONE,
    "enterprises.gain_captured_share": screened(1.4, "W1_depth_slow"),
    "enterprises.energy_saving_per_step": screened(0.3, "O2_firms_spread"),
    "enterprises.gdp_share_outside_model": screened(0.59, "O2_firms_spread"),
    "enterprises.core_va_share_of_revenue": SCREENED_NONE,
    "dataeconomy.revenue_level_multiplier": STRUCTURAL,
    "dataeconomy.demand_elasticity": SCREENED_NONE,
    "dataeconomy.entrant_pool_share": screened(1.3, "Tdivide_widens"),
    "dataeconomy.entry_rate_per_year": screened(0.61, "W2_shortage_persists"),
    "dataeconomy.entrant_revenue_share": screened(0.61, "W2_shortage_persists"),
    "dataeconomy.products_per_firm_year": SCREENED_NONE,
    "dataeconomy.listing_months": SCREENED_NONE,
    "dataeconomy.product_revenue_cny_per_year": SCREENED_NONE,
    "dataeconomy.datasets_per_year": SCREENED_NONE,
    "dataeconomy.dataset_firm_saturation": SCREENED_NONE,
    "dataeconomy.pilot_dataset_boost": SCREENED_NONE,
    "dataeconomy.opening_product_boost": SCREENED_NONE,
    "dataeconomy.buyer_elasticity": SCREENED_NONE,
    "dataeconomy.project_success_max": SCREENED_NONE,
    "dataeconomy.own_case_rate_per_firm_year": SCREENED_NONE,
    "dataeconomy.pilot_setup_months": SCREENED_NONE,
    "dataeconomy.pilot_success_probability": SCREENED_NONE,
    "dataeconomy.pilot_activity_cny_per_year": SCREENED_NONE,
    "dataeconomy.chain_min_revenue_cny_per_year": SCREENED_NONE,
    "dataeconomy.chain_lapse_ratio": SCREENED_NONE,
    "dataeconomy.security_share_of_data_volume": SCREENED_NONE,
    "dataeconomy.opening_cost_cny_per_year": COST,
    "dataeconomy.pilot_cost_cny_per_year": COST,
    "dataeconomy.exchange_base_cost_cny_per_year": COST,
    "talent.wage_seat_cny_per_month": SCREENED_NONE,
    "talent.wage_other_ratio": screened(2.2, "Tdivide_widens"),
    "talent.wage_adjustment_per_year": screened(1.6, "W2_shortage_persists"),
    "talent.distance_elasticity": screened(1.3, "Tdivide_widens"),
    "talent.internal_move_rate_per_year": screened(1.7, "Tdivide_widens"),
    "talent.attrition_per_year": screened(1.8, "W2_shortage_persists"),
    "talent.seat_cost_cny": COST,
    "talent.base_inflow_per_year": screened(2.3, "W2_shortage_persists"),
    "talent.subsidy_years": SCREENED_NONE,
    "talent.amenity_urban": screened(1.1, "W3_uneven_persists"),
    "talent.amenity_agro": screened(1.6, "Tdivide_widens"),
    "talent.amenity_pastoral": screened(1.9, "Tdivide_widens"),
    "datacentres.initial_green_share": SCREENED_NONE,
    "datacentres.green_firming_cny_per_kwh": SCREENED_NONE,
    "datacentres.green_available_share": SCREENED_NONE,
    "datacentres.rent_cny_per_p_month": screened(1.8, "A_compute_growth"),
    "datacentres.it_kw_per_p": SCREENED_NONE,
    "datacentres.land_capex_premium_pastoral": SCREENED_NONE,
    "datacentres.rent_adjustment_per_month": screened(1.5, "A_compute_use"),
    "datacentres.site_min_build_p": screened(0.64, "A_compute_growth"),
    "datacentres.return_spread": screened(1.8, "A_compute_growth"),
    "datacentres.public_capex_share": SCREENED_NONE,
    "datacentres.payback_years": screened(0.25, "A_compute_growth"),
    "datacentres.link_cost_cny_per_year": COST,
}

# The calibrated parameters without a source: their basis when a rebuilt calibration does not select
# them (the screening picks the calibrated set anew each time).
for _n in ("counties.connect_cost_cny_per_household", "counties.users_for_full_renewal", "herders.literacy_mean",
           "datacentres.invest_share_per_quarter"):
    JUDGED.setdefault(_n, "modeller's judgement, fixed, when not in the calibrated set (the shipped calibration "
                          "of 2026-12-01 calibrated it)")

