"""Figures with bilingual (Chinese / English) labels.

The Chinese font comes from the ``mplfonts`` package (Noto Sans CJK SC), registered with
matplotlib by file path, so figures look the same on every machine and need no system font.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


@cache
def use_cjk_font() -> str:
    """Register the bundled CJK font and make it the default; returns its family name. The
    font file is found without importing ``mplfonts`` (which loads fontTools) and parsed once."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the mplfonts package (Chinese font for figures) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    family = font_manager.fontManager.ttflist[-1].name
    plt.rcParams["font.family"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "digital-steppe"
    return family


def save(fig: plt.Figure, path: str, **kwargs: object) -> None:
    """Save without time stamps so that the same run gives the same bytes."""
    meta = {"Software": None} if str(path).endswith(".png") else {"Date": None}
    fig.savefig(path, metadata=meta, **kwargs)
    plt.close(fig)
