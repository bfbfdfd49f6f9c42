"""The zh/en catalogue: every key in both languages with the same placeholders; every lever,
target and county has a label in both; figures draw Chinese with the bundled CJK font."""

from __future__ import annotations

import warnings

import pytest

from app.messages import (
    LANGS,
    MESSAGES,
    SCENARIO_TITLES,
    UNIT_ZH,
    counties,
    county_name,
    group_label,
    lever_label,
    placeholders,
    t,
    target_label,
)
from app.packages import library
from model.problem import LEVER_GROUPS, PROBLEM


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_in_both_languages_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang].strip() for lang in LANGS), key
    assert placeholders(entry["zh"]) == placeholders(entry["en"]), key


def test_labels_of_levers_targets_groups_units_counties_and_library():
    for v in PROBLEM.levers:
        assert lever_label(v.name, "zh") and lever_label(v.name, "en")
        assert lever_label(v.name, "zh") != lever_label(v.name, "en"), v.name
        assert v.unit in UNIT_ZH, f"unit {v.unit!r} of {v.name} has no Chinese name"
    for tg in PROBLEM.targets:
        assert target_label(tg.id, "zh") != target_label(tg.id, "en")
        assert tg.unit in UNIT_ZH
    for g in LEVER_GROUPS:
        assert group_label(g, "zh") != group_label(g, "en")
    assert len(counties()) == 13
    for c in counties():
        assert county_name(c["county_id"], "zh") == c["name_zh"]
        assert county_name(c["county_id"], "en").isascii()
    assert set(library()) <= set(SCENARIO_TITLES), "a library scenario has no zh/en title"


def test_unknown_language_falls_back_to_chinese():
    assert t("app_title", "fr") == t("app_title", "zh")


def test_figures_render_chinese_with_the_cjk_font():
    from app.drawing import png, warm_up
    from model.plotting import plt, use_cjk_font

    family = use_cjk_font()
    assert "CJK" in family
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph ... missing from font(s)" would be a warning
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.1, 0.5, t("figure_counties", "zh"))
        assert png(fig)[:4] == b"\x89PNG"
    assert warm_up() > 0


def test_chinese_lever_labels_name_their_unit_once():
    from app.messages import lever_with_unit
    from app.packages import LEVERS

    for n in LEVERS:
        label = lever_with_unit(n, "zh")
        assert label.count("/年") <= 1 and "（每年）" not in label, label


def test_every_lever_tooltip_names_its_source_with_the_documents_in_chinese():
    from app.messages import SEED_ZH, lever_source
    from model.problem import PROBLEM

    for v in PROBLEM.levers:
        assert v.source, v.name
        zh, en = lever_source(v.name, "zh"), lever_source(v.name, "en")
        assert en == f"Source: {v.source}"
        assert zh.startswith("依据：") and "seed" not in zh, zh
    assert SEED_ZH["003"] in lever_source("link_beijing", "zh") and "第18行" in lever_source("link_beijing", "zh")
