"""Dask: a real LocalCluster on loopback gives exactly the in-process results, through a
scheduler address and through --dask-local; an unreachable scheduler is a quick, clear error."""

from __future__ import annotations

import socket
import time

import pytest
from _batch_common import TWO_LEVERS, assert_same_tables, design, write_scenarios

from steppe.cli import main
from studies.batch import BatchError, run_batch
from studies.engines import make_engine

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


def test_scheduler_on_loopback_and_dask_local_give_the_in_process_results(tmp_path, scen, cluster):
    """One reference batch in this process (which equals the local pool's: test_batch checks
    that), the same batch through the module's cluster and through --dask-local."""
    d = design(scen, 2)
    serial = run_batch(d, tmp_path / "serial", workers=1, progress=False)
    dask = run_batch(d, tmp_path / "dask", dask_address=cluster.scheduler_address, progress=False,
                     flush_runs=3)
    assert serial.new == dask.new == 4
    assert dask.engine.startswith("Dask scheduler tcp://127.0.0.1:")
    assert_same_tables(tmp_path / "serial", tmp_path / "dask")
    local = run_batch(d, tmp_path / "local", dask_local=2, progress=False)
    assert local.engine == "Dask LocalCluster, 2 workers" and local.new == 4
    assert_same_tables(tmp_path / "serial", tmp_path / "local")


def test_unreachable_scheduler_is_a_quick_clear_error(tmp_path, scen, capsys):
    with socket.socket() as sock:       # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    with pytest.raises(BatchError, match=f"cannot reach the Dask scheduler at '{address}'"):
        make_engine(dask_address=address, dask_timeout=0.5)
    assert time.monotonic() - start < 10
    out = tmp_path / "out"
    code = main(["batch", str(scen[0]), "--reps", "2", "--out", str(out), "--dask", address,
                 "--dask-timeout", "0.5"])
    assert code == 2
    assert "error: cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_workers_and_dask_are_exclusive(tmp_path, scen, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(scen[0]), "--reps", "1", "--out", str(tmp_path / "o"), "--workers", "2",
              "--dask-local", "2"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_local_cluster_that_cannot_start_is_a_clear_error(monkeypatch):
    def no_ports(*args, **kwargs):
        raise OSError("no free port")

    monkeypatch.setattr(distributed, "LocalCluster", no_ports)
    with pytest.raises(BatchError, match=r"cannot start a Dask LocalCluster of 2 workers \(OSError: "
                                         r"no free port\); try --workers"):
        make_engine(dask_local=2)


def test_ctrl_c_with_a_local_cluster_ends_with_one_line(tmp_path, scen):
    """Ctrl-C in a terminal goes to the whole process group: the Dask worker processes ignore it
    (they used to print 66 lines of tracebacks), the driver stores what finished and says so."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "steppe", "batch", str(scen[0]), "--reps", "400", "--scale", "0.05",
           "--out", str(out), "--dask-local", "2", "--flush-runs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=repo, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "runs").is_dir() or not list((out / "runs").glob("part-*")):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines[-1].startswith("interrupted: ") and "Run the same command again" in lines[-1]
    assert len(lines) <= 3, err       # the start line, the interruption, perhaps a set-aside note
