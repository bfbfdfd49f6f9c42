"""Every figure kind of `steppe compare` renders, readable: plain tick labels (no offset such as
'1e-10+8e1') for a near-constant series, value labels clear of the error bars, Chinese and
English titles. Built from small synthetic tables (no simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from model.indicators import TARGETS
from model.plotting import use_cjk_font
from studies.compare import cost_chart, difference_chart, fan_chart

SCEN = ["baseline", "green_compute", "finance"]
DATES = [f"{y}-{m:02d}" for y in (2025, 2026, 2027) for m in range(1, 13)]


@pytest.fixture(scope="module", autouse=True)
def fonts():
    use_cjk_font()


def fan(value: float, noise: float) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for s in SCEN:
        for d in DATES:
            v = value + noise * rng.standard_normal(5)
            rows.append({"scenario": s, "date": d, **dict(zip(["q05", "q25", "median", "q75", "q95"],
                                                                np.sort(v), strict=True))})
    return pd.DataFrame(rows)


def _labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels() if t.get_text()]


@pytest.mark.parametrize(("tid", "value", "noise"), [("T6", 80.0, 1e-12), ("T5", 40000.0, 1e-9),
                                                     ("T4", 12.0, 3.0)])
def test_fan_chart_has_plain_ticks_around_the_values(tmp_path, tid, value, noise):
    """Near-constant series (T6 is 80% in every run, up to rounding) used to read '1e-10+8e1'
    with ticks from -0.8 to 0.8."""
    fig = fan_chart(fan(value, noise), tid, dict.fromkeys(SCEN, 1.0), SCEN, [tmp_path / "f.png"])
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    ax = fig.axes[0]
    assert ax.yaxis.get_offset_text().get_text() == ""
    labels = _labels(ax)
    assert labels and not any("e" in s.lower() for s in labels), labels
    lo, hi = ax.get_ylim()
    target = {t.id: t.target for t in TARGETS}[tid]
    assert lo <= min(value, target) and max(value, target) <= hi
    assert hi - lo >= 1.0, "a near-constant series must not magnify rounding noise"
    title = fig._suptitle.get_text()
    assert any("\u4e00" <= c <= "\u9fff" for c in title) and any(c.isascii() and c.isalpha() for c in title)


def test_cost_chart_value_labels_sit_beyond_the_error_bars(tmp_path):
    cost = pd.DataFrame({"scenario": SCEN, "cost_yi_median": [1.8, 150.0, 2.3],
                         "cost_yi_q05": [1.5, 120.0, 1.0], "cost_yi_q95": [2.5, 190.0, 9.0]})
    fig = cost_chart(cost, [tmp_path / "c.png"], "2025–2027")
    ax = fig.axes[0]
    texts = {round(t.get_position()[1]): t for t in ax.texts}
    shown = cost.iloc[::-1].reset_index(drop=True)
    assert len(texts) == len(shown)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    for y, row in shown.iterrows():
        t = texts[y]
        assert t.get_text() == f"{row['cost_yi_median']:.2f}"
        left = ax.transData.inverted().transform(t.get_window_extent(renderer).get_points())[0, 0]
        assert left > row["cost_yi_q95"], "the label overlaps the 90% interval"
    right = ax.transData.inverted().transform(max(t.get_window_extent(renderer).get_points()[1, 0]
                                                  for t in ax.texts).reshape(1, 1).repeat(2, 1))[0, 0]
    assert right <= ax.get_xlim()[1], "a label runs off the axes"
    assert "2025–2027" in ax.get_title()


def test_difference_chart_renders_every_target_and_the_cost(tmp_path):
    rows = []
    for s in SCEN[1:]:
        for tid in [*(t.id for t in TARGETS), "cost"]:
            rows.append({"scenario": s, "target": tid, "unit": "x", "diff_q05": -1e-12, "diff_q25": 0.0,
                         "diff_median": 1e-13, "diff_q75": 2e-13, "diff_q95": 1e-12})
    fig = difference_chart(pd.DataFrame(rows), "baseline", [tmp_path / "d.svg"], "2025–2027")
    assert b"<svg" in (tmp_path / "d.svg").read_bytes()[:500]
    assert len([a for a in fig.axes if a.get_visible()]) == 9
    for ax in fig.axes:      # differences of rounding size show as zero, not as '1e-12'
        assert ax.xaxis.get_offset_text().get_text() == ""
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and not any("e" in x.lower() for x in labels), labels
    assert "2025–2027" in fig.axes[8].get_title()
