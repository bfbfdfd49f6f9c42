"""The studies on the sweep engine: `steppe sensitivity`, `steppe paths` and `steppe robustness` give
the in-process results bit for bit on a Dask scheduler and on --dask-local, and an interrupted
study is finished by the same call with the files of an uninterrupted one."""

from __future__ import annotations

import pandas as pd
import pytest

import studies.sweep as sweep
from steppe.cli import main
from studies import paths as pa
from studies import robustness as rb
from studies import sensitivity as sa
from studies.errors import BatchInterrupted
from studies.points import store_path

distributed = pytest.importorskip("distributed")
SCALE = 0.02
INPUTS = ["herders.bass_q_per_year", "enterprises.centre_relief"]
LEVERS = ["ai_plus_programmes_per_year", "public_data_opening"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:
        yield c


def _morris() -> sa.Study:
    inputs, skipped = sa.select_inputs("prior", INPUTS)
    return sa.Study("morris", "prior", inputs, sa.check_outcomes(None, False), 2, scale=SCALE, skipped=skipped)


def _paths() -> pa.PathsStudy:
    return pa.PathsStudy(levers=LEVERS, portfolios=10, reps=1, trials=0, scale=SCALE, packages=False, p=0.5,
                         prim_resamples=1)


def _robust() -> rb.RobustnessStudy:
    return rb.RobustnessStudy(levers=LEVERS, portfolios=2, packages=["full_plan_003"], posterior_draws=0,
                              futures=2, deep=["datacentres.build_months", "datacentres.price_elasticity"],
                              scale=SCALE, ceilings_mcny=[1e5], prim_resamples=1)


def _same(a, b, files) -> None:
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    pd.testing.assert_frame_equal(pd.read_parquet(a / "runs.parquet"), pd.read_parquet(b / "runs.parquet"),
                                  check_exact=True)


def test_three_studies_on_a_dask_scheduler_equal_the_in_process_runs(tmp_path, cluster):
    address = cluster.scheduler_address
    sa.run_study(_morris(), tmp_path / "s1", workers=1)
    sa.run_study(_morris(), tmp_path / "s2", dask_address=address)
    _same(tmp_path / "s1", tmp_path / "s2", ["morris_indices.csv", "samples.csv"])
    pa.run_paths(_paths(), tmp_path / "p1", workers=1)
    pa.run_paths(_paths(), tmp_path / "p2", dask_address=address)
    _same(tmp_path / "p1", tmp_path / "p2", ["portfolios.csv", "prim_per_target.csv", "cart.txt"])
    rb.run_robustness(_robust(), tmp_path / "r1", workers=1)
    rb.run_robustness(_robust(), tmp_path / "r2", dask_address=address)
    _same(tmp_path / "r1", tmp_path / "r2", ["robustness.csv", "vulnerability.txt", "futures.csv"])
    manifest = (tmp_path / "r2" / "store" / "runs" / "manifest.json").read_text()
    assert "Dask scheduler tcp://127.0.0.1:" in manifest


def test_dask_local_from_the_command_line_equals_one_worker(tmp_path, capsys):
    args = ["robustness", "--levers", *LEVERS, "--portfolios", "2", "--packages", "full_plan_003",
            "--posterior-draws", "0", "--futures", "2", "--deep", "datacentres.build_months",
            "datacentres.price_elasticity", "--scale", str(SCALE), "--ceilings", "100000", "--no-progress"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--dask-local", "2", "--out", str(tmp_path / "b")]) == 0
    assert "full_plan_003" in capsys.readouterr().out
    _same(tmp_path / "a", tmp_path / "b", ["robustness.csv", "vulnerability.txt", "robust_at_ceilings.csv"])
    with pytest.raises(SystemExit) as exc:
        main(["paths", "--levers", *LEVERS, "--portfolios", "10", "--trials", "0", "--no-packages",
              "--reps", "1", "--scale", str(SCALE), "--workers", "2", "--dask-local", "2",
              "--out", str(tmp_path / "c")])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["sensitivity", "paths"])
def test_an_interrupted_study_is_finished_by_the_same_call(tmp_path, monkeypatch, kind):
    run, study, files = {
        "sensitivity": (sa.run_study, _morris(), ["morris_indices.csv", "samples.csv"]),
        "paths": (pa.run_paths, _paths(), ["portfolios.csv", "prim_per_target.csv", "cart.txt"]),
    }[kind]
    run(study, tmp_path / "ref", workers=1)
    real, calls = sweep.run_chunk, []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)
    monkeypatch.setattr(sweep, "run_chunk", flaky)
    with pytest.raises(BatchInterrupted, match=r"interrupted: \d+ run\(s\) stored"):
        run(study, tmp_path / "again", workers=1)
    assert not (tmp_path / "again").exists()
    stored = store_path(tmp_path / "again")
    assert stored.is_dir()
    monkeypatch.setattr(sweep, "run_chunk", real)
    run(study, tmp_path / "again", workers=1)
    _same(tmp_path / "ref", tmp_path / "again", files)
    assert not stored.exists() and (tmp_path / "again" / "store").is_dir()
