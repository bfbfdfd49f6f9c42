"""Every behavioural parameter has exactly one kind: calibrated, sourced or deep uncertainty."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from model.params import Parameters
from model.problem import PARAMETER_KINDS, deep_uncertainties, parameter_kinds, parameter_variables
from model.uncertainties import DEEP, JUDGED

warnings.simplefilter("ignore")   # the shipped values may be stale until the posterior is rebuilt


def all_parameters() -> list[str]:
    return [f"{g.name}.{f.name}" for g in dataclasses.fields(Parameters)
            for f in dataclasses.fields(type(getattr(Parameters(), g.name)))]


def test_every_parameter_has_exactly_one_kind():
    kinds = parameter_kinds()
    assert sorted(kinds) == sorted(all_parameters())
    assert all(k in PARAMETER_KINDS and basis for k, basis in kinds.values())
    # the tables do not overlap and name only existing parameters
    names = set(all_parameters())
    assert set(DEEP) <= names and set(JUDGED) <= names and not set(DEEP) & set(JUDGED)
    by = {v.name: v for v in parameter_variables(with_kinds=False)}
    assert not [n for n in JUDGED if by[n].source]          # a sourced parameter needs no judgement entry


def test_calibrated_set_decides_and_an_unclassified_parameter_is_an_error(monkeypatch):
    kinds = parameter_kinds(calibrated=["herders.bass_q_per_year", "enterprises.upgrade_rate_per_year[1]"])
    assert kinds["herders.bass_q_per_year"][0] == "calibrated"
    assert kinds["enterprises.upgrade_rate_per_year"][0] == "calibrated"
    import model.uncertainties as u

    name = next(iter(JUDGED))
    monkeypatch.delitem(u.JUDGED, name)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        parameter_kinds(calibrated=[])


def test_deep_uncertainties_carry_range_and_reason_and_are_not_calibrated():
    from calibration.space import scalar_space

    deep = deep_uncertainties()
    assert [v.name for v in deep] == list(DEEP)
    for v in deep:
        assert v.low < v.high and v.basis and v.parameter_kind == "deep uncertainty"
        assert v.low <= (v.default if not isinstance(v.default, tuple) else v.low) <= v.high
    for named in ("datacentres.price_elasticity", "datacentres.build_months", "datacentres.link_beijing_boost",
                  "datacentres.initial_south_p"):
        assert named in DEEP
    assert not set(DEEP) & set(scalar_space().names)
