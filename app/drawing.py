"""Drawing helpers shared by the figures and the worker processes (no app imports: the runner
warms its workers up with :func:`warm_up` without importing the figures)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from model.plotting import plt, use_cjk_font


def png(fig: Figure, dpi: int = 90) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def warm_up() -> int:
    """Import matplotlib and load the CJK font in a worker process before the first figure."""
    import os

    use_cjk_font()
    fig = plt.figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "数字草原")
    png(fig)
    return os.getpid()
