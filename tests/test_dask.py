"""Dask: a real LocalCluster on loopback gives exactly the local pool's results, through a
scheduler address and through --dask-local; an unreachable scheduler is a quick, clear error."""

from __future__ import annotations

import time

import pytest
from _batch_common import TWO_LEVERS, assert_same_tables, design, write_scenarios

from model.batch import BatchError, make_engine, run_batch
from model.cli import main

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:
        yield c


@pytest.fixture
def scen(tmp_path):
    return write_scenarios(tmp_path / "scen", {
        "a": TWO_LEVERS, "b": 'description = "b"\n[levers]\nai_plus_programmes_per_year = 8\n'})


def test_scheduler_on_loopback_gives_the_local_pool_results(tmp_path, scen, cluster):
    d = design(scen, 4)
    pool = run_batch(d, tmp_path / "pool", workers=2, progress=False)
    dask = run_batch(d, tmp_path / "dask", dask_address=cluster.scheduler_address, progress=False,
                     flush_runs=3)
    assert pool.new == dask.new == 8
    assert dask.engine.startswith("Dask scheduler tcp://127.0.0.1:")
    assert_same_tables(tmp_path / "pool", tmp_path / "dask")


def test_dask_local_cluster_option_gives_the_same_results(tmp_path, scen):
    d = design(scen, 2)
    run_batch(d, tmp_path / "serial", workers=1, progress=False)
    summary = run_batch(d, tmp_path / "dask", dask_local=2, progress=False)
    assert summary.engine == "Dask LocalCluster, 2 workers"
    assert_same_tables(tmp_path / "serial", tmp_path / "dask")


def test_unreachable_scheduler_is_a_quick_clear_error(tmp_path, scen, capsys):
    start = time.monotonic()
    with pytest.raises(BatchError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"):
        make_engine(dask_address="tcp://127.0.0.1:9", dask_timeout=1.0)
    assert time.monotonic() - start < 10
    out = tmp_path / "out"
    code = main(["batch", str(scen[0]), "--reps", "2", "--out", str(out), "--dask",
                 "tcp://127.0.0.1:9", "--dask-timeout", "1"])
    assert code == 2
    assert "error: cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_workers_and_dask_are_exclusive(tmp_path, scen, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(scen[0]), "--reps", "1", "--out", str(tmp_path / "o"), "--workers", "2",
              "--dask-local", "2"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
