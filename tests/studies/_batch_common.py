"""Helpers shared by the batch, store, compare and Dask tests (small, fast designs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from studies.batch import Design
from studies.store import ResultStore

SCALE = 0.05
VOLATILE = ["wall_s", "worker", "finished_at", "session", "part"]
TWO_LEVERS = 'description = "test"\n[levers]\npromotion_centres = 3\ndemonstration_projects_per_year = 6\n'


def write_scenarios(folder: Path, texts: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def design(paths: list[Path], reps: int, **kw) -> Design:
    return Design.from_files(paths, reps, scale=kw.pop("scale", SCALE), **kw)


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every stored table, without the columns that depend on the machine or timing."""
    store = ResultStore.open(out)
    got = {t: store.read(t) for t in ("league", "targets", "costs")}
    got["runs"] = store.read("runs").drop(columns=VOLATILE)
    return got


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
