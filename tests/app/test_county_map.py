"""The county map's names: none overlaps another or a seat's dot, and none leaves the map, in
either language, at the narrowest panel (four packages)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from app.figures import label_seats, map_frame
from app.messages import counties
from model.plotting import plt, use_cjk_font


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_county_names_do_not_overlap(lang):
    use_cjk_font()
    seats = pd.DataFrame(counties()).astype({"seat_lat": float, "seat_lon": float}).set_index("county_id")
    fig, axes = plt.subplots(3, 4, figsize=(3.4 * 4 + 1, 9.6), layout="constrained", squeeze=False)
    ax = axes[0, 0]
    ax.scatter(seats["seat_lon"], seats["seat_lat"], s=160)
    label_seats(ax, seats, lang)
    map_frame(ax)
    for a in axes.flat[1:]:
        map_frame(a)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == len(seats)
    frame = ax.get_window_extent(renderer)
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (ax.texts[i].get_text(), ax.texts[j].get_text())
    centres = ax.transData.transform(seats[["seat_lon", "seat_lat"]].to_numpy())
    radius = (160 ** 0.5) / 2 * fig.dpi / 72
    for k, box in enumerate(boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, \
            ax.texts[k].get_text()
        for cx, cy in centres:     # no name over a dot (nearest point of the box to the centre)
            nx, ny = min(max(cx, box.x0), box.x1), min(max(cy, box.y0), box.y1)
            assert (nx - cx) ** 2 + (ny - cy) ** 2 > (0.9 * radius) ** 2, ax.texts[k].get_text()
    plt.close(fig)
