"""Figures with bilingual (Chinese / English) labels.

The Chinese font comes from the ``mplfonts`` package (Noto Sans CJK SC), registered with
matplotlib by file path, so figures look the same on every machine and need no system font.
:func:`new_figure` makes a figure without ``matplotlib.pyplot`` (whose import costs a
``steppe run`` about as much as drawing the figure); ``plt`` is still offered, imported on first
use, for code that wants pyplot.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"


def __getattr__(name: str) -> Any:
    if name == "plt":               # PEP 562: pyplot only for those who ask for it
        import matplotlib.pyplot as plt

        return plt
    raise AttributeError(f"module 'model.plotting' has no attribute {name!r}")


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
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "digital-steppe"
    return family


def new_figure(**kwargs: Any) -> Figure:
    """A figure drawn by the Agg backend, outside pyplot's figure manager (no need to close it)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: str, **kwargs: object) -> None:
    """Save without time stamps so that the same run gives the same bytes."""
    meta = {"Software": None} if str(path).endswith(".png") else {"Date": None}
    fig.savefig(path, metadata=meta, **kwargs)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
