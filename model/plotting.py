"""Figures with bilingual (Chinese / English) labels.

The Chinese font comes from the ``mplfonts`` package (Noto Sans CJK SC), registered with
matplotlib by file path, so figures look the same on every machine and need no system font.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


@cache
def use_cjk_font() -> str:
    """Register the bundled CJK font and make it the default; returns its family name."""
    path = resources.files("mplfonts") / "fonts" / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "digital-steppe"
    return family


def save(fig: plt.Figure, path: str, **kwargs: object) -> None:
    """Save without time stamps so that the same run gives the same bytes."""
    meta = {"Software": None} if str(path).endswith(".png") else {"Date": None}
    fig.savefig(path, metadata=meta, **kwargs)
    plt.close(fig)
