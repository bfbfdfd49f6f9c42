"""Sweeps: one row per (point, replication), the same numbers as single runs, common random
numbers, a resumable store and clear errors for bad points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.problem import PROBLEM, outcomes_of
from model.run import simulate
from model.settings import SettingError
from studies.batch import rep_seed
from studies.store import ResultStore
from studies.sweep import evaluate

SCALE = 0.05


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def points() -> pd.DataFrame:
    return pd.DataFrame({
        "point_id": ["a", "b", "c"],
        "promotion_centres": np.array([1, 4, 4], dtype=np.int64),
        "link_beijing": [False, True, True],
        "promotion_centres__start": [0, 0, 12],
        "herders.bass_q_per_year": [0.38, 0.38, 0.6000000000000001],   # snapped to the bound 0.6
    })


@pytest.fixture(scope="module")
def swept(points: pd.DataFrame) -> pd.DataFrame:
    return evaluate(points, reps=2, base_seed=7, scale=SCALE, workers=1, progress=False)


def test_one_row_per_point_and_rep_with_every_outcome(swept, points):
    assert len(swept) == 6
    assert list(swept["point_id"]) == ["a", "a", "b", "b", "c", "c"]
    assert list(swept["rep"]) == [0, 1] * 3
    assert set(PROBLEM.outcome_names()) <= set(swept.columns)
    assert list(swept.columns[:len(points.columns) - 1]) == [c for c in points.columns if c != "point_id"]


def test_common_random_numbers(swept):
    for r in (0, 1):
        assert set(swept.loc[swept["rep"] == r, "seed"]) == {rep_seed(7, r)}


def test_rows_equal_single_runs_bit_for_bit(swept, points):
    """The cached set-up (copied per run) changes nothing: each row is what simulate() gives."""
    for i, row in swept.iterrows():
        rec = points.drop(columns="point_id").iloc[i // 2].to_dict()
        result = simulate(PROBLEM.scenario(rec), seed=int(row["seed"]), scale=SCALE)
        expected = outcomes_of(result)
        assert all(same(expected[k], row[k]) for k in expected), (i, rec)


def test_store_resumes_and_matches_pool(tmp_path, points, swept):
    out = tmp_path / "sweep"
    first = evaluate(points, reps=2, base_seed=7, scale=SCALE, workers=2, out=out, progress=False,
                     monthly=True)
    pd.testing.assert_frame_equal(first, swept, check_dtype=False)
    store = ResultStore.open(out)
    parts = len(store.committed_files("runs"))
    league = store.read("league")
    assert len(league) == 6 * 36 and set(league["run_id"]) == set(store.read("runs")["run_id"])
    again = evaluate(points, reps=2, base_seed=7, scale=SCALE, workers=2, out=out, progress=False,
                     monthly=True)
    pd.testing.assert_frame_equal(again, first)
    assert len(store.committed_files("runs")) == parts          # nothing recomputed
    assert not store.scan(check_files=True, full=True).problems


def test_bad_points_are_refused_before_any_run(tmp_path):
    with pytest.raises(SettingError, match=r"points row 1 \(point_id 1\).*promotion_centres: 3.5"):
        evaluate(pd.DataFrame({"promotion_centres": [1, 3.5]}), scale=SCALE, workers=1)
    with pytest.raises(SettingError, match="unknown variable"):
        evaluate(pd.DataFrame({"no_such_lever": [1]}), scale=SCALE, workers=1)
    with pytest.raises(SettingError, match="more than once"):
        evaluate(pd.DataFrame({"point_id": [1, 1], "promotion_centres": [1, 2]}), scale=SCALE)
    with pytest.raises(SettingError, match="NaN"):
        evaluate(pd.DataFrame({"infra_pastoral_share": [0.1, np.nan]}), scale=SCALE)
    assert not any(tmp_path.iterdir())


def test_a_failing_run_is_a_clear_error_and_finished_runs_stay_stored(tmp_path, monkeypatch):
    import studies.sweep as sweep

    real = sweep.run_chunk
    calls = []

    def flaky(jobs, *args):
        calls.append(len(jobs))
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(jobs, *args)

    monkeypatch.setattr(sweep, "run_chunk", flaky)
    pts = pd.DataFrame({"promotion_centres": [1, 2, 3, 4]})
    with pytest.raises(sweep.BatchError, match=r"a sweep run failed: RuntimeError: boom\. The 1 runs finished"):
        evaluate(pts, scale=SCALE, workers=1, out=tmp_path / "s", chunk_size=1, progress=False)
    assert len(ResultStore.open(tmp_path / "s").read("runs")) == 1
    monkeypatch.setattr(sweep, "run_chunk", real)
    done = evaluate(pts, scale=SCALE, workers=1, out=tmp_path / "s", chunk_size=1, progress=False)
    assert list(done["promotion_centres"]) == [1, 2, 3, 4]
