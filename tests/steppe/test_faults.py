"""Bad input and faults of the system, one case each, across `steppe run`, `batch`, `compare` and
`store-check` (the table of docs/FAULTS.md): every case ends with the exit status and the
message it should (2 for input, 1 for the system), never a traceback, and leaves nothing
half-written or overwritten. Read-only and full disks are small tmpfs mounts (root only; skipped
with the reason elsewhere)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from _procs import group_members

from steppe.cli import main
from studies.batch import run_batch
from studies.store import ResultStore

SCALE = "0.05"
REPO = Path(__file__).resolve().parents[2]
OK_TEXT = 'description = "two levers"\n[levers]\npromotion_centres = 3\n'


def _can_mount() -> str | None:
    """Why tmpfs mounts cannot be used here, or None."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        return "mounting a small tmpfs needs root on Linux"
    return None


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "1m", ro: bool = False):
    why = _can_mount()
    if why:
        pytest.skip(why)
    where.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if ro else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path, leave_bytes: int) -> None:
    """Fill the file system of ``folder`` up to ``leave_bytes`` free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(free - leave_bytes, 0))


@dataclass
class Case:
    """One row of the table: set up in ``tmp`` (returns the arguments), the exit status, text
    the error must contain, and an optional check of what is on disk afterwards."""

    id: str
    setup: Callable[[Path], list[str]]
    status: int
    says: tuple[str, ...] = ()
    after: Callable[[Path], None] | None = None


def scen(tmp: Path, name: str = "pkg.toml", text: str = OK_TEXT, raw: bytes | None = None) -> str:
    path = tmp / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def run(tmp: Path, *extra: str, name: str = "pkg.toml", text: str = OK_TEXT) -> list[str]:
    return ["run", scen(tmp, name, text), "--scale", SCALE, *extra]


def _exists_file(tmp: Path) -> list[str]:
    (tmp / "taken").write_text("mine", encoding="utf-8")
    return run(tmp, "--out", str(tmp / "taken"))


def _exists_folder(tmp: Path) -> list[str]:
    (tmp / "res").mkdir()
    (tmp / "res" / "league.csv").write_text("earlier results", encoding="utf-8")
    return run(tmp, "--out", str(tmp / "res"))


def _foreign_folder(tmp: Path) -> list[str]:
    (tmp / "home").mkdir()
    (tmp / "home" / "thesis.docx").write_text("precious", encoding="utf-8")
    return run(tmp, "--out", str(tmp / "home"), "--force")


def _force_replaces(tmp: Path) -> list[str]:
    (tmp / "res").mkdir()
    (tmp / "res" / "league.csv").write_text("earlier results", encoding="utf-8")
    return run(tmp, "--out", str(tmp / "res"), "--force")


def _default_out(tmp: Path) -> list[str]:
    (tmp / "results" / "baseline").mkdir(parents=True)
    (tmp / "results" / "baseline" / "league.csv").write_text("the baseline's", encoding="utf-8")
    return run(tmp, name="capability.toml")


def _readonly(tmp: Path) -> list[str]:
    mnt = tmp / "ro"
    stack = contextlib.ExitStack()
    stack.enter_context(tmpfs(mnt, ro=True))
    _CLEANUP.append(stack)
    return run(tmp, "--out", str(mnt / "res"))


def _full(tmp: Path) -> list[str]:
    mnt = tmp / "small"
    stack = contextlib.ExitStack()
    stack.enter_context(tmpfs(mnt))
    _CLEANUP.append(stack)
    fill(mnt, 48 * 1024)      # room for the staging folder and a CSV or two, not for summary.png
    return run(tmp, "--out", str(mnt / "res"))


_CLEANUP: list[contextlib.ExitStack] = []


def _fifo(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "pipe.toml")
    return ["run", str(tmp / "pipe.toml"), "--out", str(tmp / "o")]


def _folder_as_scenario(tmp: Path) -> list[str]:
    (tmp / "scenarios").mkdir()
    return ["run", str(tmp / "scenarios"), "--out", str(tmp / "o")]


def _not_written(*names: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        for n in names:
            assert not (tmp / n).exists(), n
        leftovers = [p for p in tmp.rglob(".*tmp-*")]
        assert not leftovers, leftovers
    return check


def _unchanged(rel: str, text: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        assert (tmp / rel).read_text(encoding="utf-8") == text
        assert not list(tmp.rglob(".*tmp-*")) and not list(tmp.rglob(".*old-*"))
    return check


def _outputs_in(rel: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        assert sorted(p.name for p in (tmp / rel).iterdir()) == sorted(
            ["league.csv", "counties.csv", "targets.json", "levers_cost.csv", "summary.png"])
    return check


def _default_out_check(tmp: Path) -> None:
    _outputs_in("results/capability")(tmp)
    _unchanged("results/baseline/league.csv", "the baseline's")(tmp)


RUN_CASES = [
    Case("run --out naming an existing file", _exists_file, 1, ("taken: exists and is not a folder",),
         _unchanged("taken", "mine")),
    Case("run --out ''", lambda t: run(t, "--out", ""), 2, ("--out is empty",)),
    Case("run --out an existing results folder", _exists_folder, 2, ("res: exists; add --force",),
         _unchanged("res/league.csv", "earlier results")),
    Case("run --force on a folder of other files", _foreign_folder, 2,
         ("holds files that are not a run's outputs (thesis.docx)", "not replaced even with --force"),
         _unchanged("home/thesis.docx", "precious")),
    Case("run --force on an earlier results folder", _force_replaces, 0, (), _outputs_in("res")),
    Case("run without --out: results/<scenario name>", _default_out, 0, (), _default_out_check),
    Case("run --out under /proc", lambda t: run(t, "--out", "/proc/steppe/res"), 1,
         ("cannot write into /proc/steppe", "nothing was written")),
    Case("run --out on a read-only disk", _readonly, 1, ("read-only file system", "nothing was written")),
    Case("run --out on a full disk", _full, 1, ("the disk is full", "nothing was written"),
         lambda t: None if not list((t / "small").glob("res*")) and not list((t / "small").glob(".res*"))
         else pytest.fail("half-written output")),
    Case("scenario file named 促进中心方案.toml", lambda t: run(t, "--out", str(t / "o"), name="促进中心方案.toml"),
         0, (), _outputs_in("o")),
    Case("scenario file named 'subsidy up (v2).toml'",
         lambda t: run(t, "--out", str(t / "o"), name="subsidy up (v2).toml"), 0, (), _outputs_in("o")),
    Case("Chinese name = in the file", lambda t: run(t, text='name = "促进中心 方案"\n' + OK_TEXT),
         0, (), None),
    Case("UTF-8 file with a byte-order mark",
         lambda t: ["run", scen(t, raw=b"\xef\xbb\xbf" + OK_TEXT.encode()), "--scale", SCALE,
                    "--out", str(t / "o")], 0, (), _outputs_in("o")),
    Case("a folder given as scenario", _folder_as_scenario, 2, ("scenarios: is a folder, not a scenario file",),
         _not_written("o")),
    Case("a FIFO given as scenario", _fifo, 2, ("pipe.toml: is a FIFO (named pipe), not a regular file",),
         _not_written("o")),
    Case("a TOML date as change date",
         lambda t: run(t, "--out", str(t / "o"), text="[[lever_changes]]\ndate = 2026-01-01\npromotion_centres = 3\n"),
         2, ("lever_changes[0].date: 2026-01-01 is a TOML date", 'date = "2026-01"'), _not_written("o")),
    Case("two lever changes on one date",
         lambda t: run(t, "--out", str(t / "o"), text='[[lever_changes]]\ndate = "2026-01"\npromotion_centres = 3\n'
                       '[[lever_changes]]\ndate = "2026-01"\npromotion_centres = 4\n'),
         2, ("lever_changes[1].date: '2026-01' is also the date of lever_changes[0]",), _not_written("o")),
    Case("a lever change with only a date",
         lambda t: run(t, "--out", str(t / "o"), text='[[lever_changes]]\ndate = "2026-01"\n'),
         2, ("lever_changes[0]: the change on '2026-01' sets no lever",), _not_written("o")),
    Case("an empty scenario file", lambda t: run(t, "--out", str(t / "o"), text=""), 2,
         ("pkg.toml: the file holds no setting",), _not_written("o")),
    Case("name with '/'", lambda t: run(t, "--out", str(t / "o"), text='name = "a/b"\n'), 2,
         ("key 'name': 'a/b' is not allowed",), _not_written("o")),
    Case("file name starting with '.'", lambda t: run(t, "--out", str(t / "o"), name=".hidden.toml"), 2,
         ("the file name gives the scenario name '.hidden'", "rename the file"), _not_written("o")),
]


@pytest.fixture
def batch_store(tmp_path_factory) -> Path:
    """A small finished batch: two scenarios (one named baseline) × 2 replications."""
    root = tmp_path_factory.mktemp("store")
    a = scen(root, "baseline.toml", 'description = "defaults"\n')
    b = scen(root, "pkg.toml")
    from studies.batch import Design

    run_batch(Design.from_files([a, b], 2, scale=float(SCALE)), root / "st", workers=1, progress=False,
              flush_runs=1)
    return root / "st"


def batch(tmp: Path, *extra: str) -> list[str]:
    return ["batch", scen(tmp), "--reps", "2", "--scale", SCALE, "--no-progress", *extra]


def _batch_out_file(tmp: Path) -> list[str]:
    (tmp / "taken").write_text("mine", encoding="utf-8")
    return batch(tmp, "--out", str(tmp / "taken"), "--workers", "1")


def _batch_readonly(tmp: Path) -> list[str]:
    stack = contextlib.ExitStack()
    stack.enter_context(tmpfs(tmp / "ro", ro=True))
    _CLEANUP.append(stack)
    return batch(tmp, "--out", str(tmp / "ro" / "b"), "--workers", "1")


BATCH_CASES = [
    Case("batch --out under /proc", lambda t: batch(t, "--out", "/proc/steppe/b", "--workers", "1"), 1,
         ("cannot write /proc/steppe/b", "nothing was stored")),
    Case("batch --out on a read-only disk", _batch_readonly, 1, ("read-only file system", "nothing was stored")),
    Case("batch --workers 500", lambda t: batch(t, "--out", str(t / "b"), "--workers", "500"), 2,
         ("--workers 500 is more than 4 × the", "use --workers"), _not_written("b")),
    Case("batch --dask notanaddress", lambda t: batch(t, "--out", str(t / "b"), "--dask", "notanaddress"), 2,
         ("--dask 'notanaddress' is not a scheduler address", "tcp://"), _not_written("b")),
    Case("batch --dask at a closed port", lambda t: batch(t, "--out", str(t / "b"), "--dask", "tcp://127.0.0.1:9"),
         2, ("cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'",), _not_written("b")),
    Case("batch --out ''", lambda t: batch(t, "--out", ""), 2, ("--out is empty",)),
    Case("batch --out naming an existing file", _batch_out_file, 1, ("taken: exists and is not a folder",),
         _unchanged("taken", "mine")),
]


def _check(case: Case, tmp: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp)
    args = case.setup(tmp)
    try:
        code = main(args)
    finally:
        while _CLEANUP:
            _CLEANUP.pop().close()
    err = capsys.readouterr().err
    assert code == case.status, err
    assert "Traceback" not in err
    for text in case.says:
        assert text in err, (text, err)
    if case.status:
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, err
    if case.after:
        case.after(tmp)


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.id for c in RUN_CASES])
def test_run_and_scenario_faults(case, tmp_path, capsys, monkeypatch):
    _check(case, tmp_path, capsys, monkeypatch)


@pytest.mark.parametrize("case", BATCH_CASES, ids=[c.id for c in BATCH_CASES])
def test_batch_faults(case, tmp_path, capsys, monkeypatch):
    _check(case, tmp_path, capsys, monkeypatch)


def test_run_checks_the_output_folder_before_simulating(tmp_path, monkeypatch, capsys):
    """A read-only --out fails before the (long) simulation, not after it."""
    import model.run

    def never(*a, **k):
        raise AssertionError("simulated although the output folder cannot be written")

    monkeypatch.setattr(model.run, "simulate", never)
    assert main(run(tmp_path, "--out", "/proc/steppe/res")) == 1
    assert "cannot write into /proc/steppe" in capsys.readouterr().err


# -- compare and store-check ------------------------------------------------------------------
def _compare_cases() -> list[Case]:
    def report_exists(t: Path) -> list[str]:
        (t / "rep").mkdir()
        (t / "rep" / "summary.txt").write_text("earlier report", encoding="utf-8")
        return ["compare", str(t / "st"), "--out", str(t / "rep")]

    def report_file(t: Path) -> list[str]:
        (t / "rep").write_text("mine", encoding="utf-8")
        return ["compare", str(t / "st"), "--out", str(t / "rep")]

    def readonly(t: Path) -> list[str]:
        stack = contextlib.ExitStack()
        stack.enter_context(tmpfs(t / "ro", ro=True))
        _CLEANUP.append(stack)
        return ["compare", str(t / "st"), "--out", str(t / "ro" / "rep")]

    def full(t: Path) -> list[str]:
        stack = contextlib.ExitStack()
        stack.enter_context(tmpfs(t / "small"))
        _CLEANUP.append(stack)
        fill(t / "small", 64 * 1024)
        return ["compare", str(t / "st"), "--out", str(t / "small" / "rep")]

    return [
        Case("compare --baseline nosuch", lambda t: ["compare", str(t / "st"), "--baseline", "nosuch",
                                                       "--out", str(t / "rep")], 2,
             ("--baseline 'nosuch': no such scenario", "its scenarios are: baseline, pkg"), _not_written("rep")),
        Case("compare into an existing report folder", report_exists, 2, ("rep: exists; add --force",),
             _unchanged("rep/summary.txt", "earlier report")),
        Case("compare --out naming an existing file", report_file, 1, ("rep: exists and is not a folder",),
             _unchanged("rep", "mine")),
        Case("compare --out under /proc", lambda t: ["compare", str(t / "st"), "--out", "/proc/steppe/rep"], 1,
             ("cannot write into /proc/steppe",)),
        Case("compare --out on a read-only disk", readonly, 1, ("read-only file system",)),
        Case("compare --out on a full disk", full, 1, ("the disk is full", "nothing was written"),
             lambda t: None if not [p for p in (t / "small").iterdir() if p.name != "filler"]
             else pytest.fail("half-written report")),
        Case("compare a folder that is not a store", lambda t: ["compare", str(t)], 2,
             ("not a batch result store",)),
        Case("store-check a folder that is not a store", lambda t: ["store-check", str(t)], 2,
             ("not a batch result store",)),
    ]


COMPARE_CASES = _compare_cases()


@pytest.mark.parametrize("case", COMPARE_CASES, ids=[c.id for c in COMPARE_CASES])
def test_compare_and_store_check_faults(case, tmp_path, batch_store, capsys, monkeypatch):
    shutil.copytree(batch_store, tmp_path / "st")
    _check(case, tmp_path, capsys, monkeypatch)


def test_store_check_set_aside_on_a_read_only_store_is_one_line(tmp_path, batch_store, capsys):
    mnt = tmp_path / "mnt"
    with tmpfs(mnt, size="8m"):
        shutil.copytree(batch_store, mnt / "st")
        part = sorted((mnt / "st" / "league").glob("part-*"))[0]
        part.write_bytes(part.read_bytes()[:-20])      # damaged: store-check wants to move it
        done = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot remount read-only ({done.stderr.strip()})")
        code = main(["store-check", str(mnt / "st"), "--set-aside"])
        err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: cannot write") and "read-only file system" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_compare_says_when_runs_are_missing_and_counts_them(tmp_path, batch_store, capsys):
    """A run-index part deleted from a finished store: compare reports on the rest and says how
    many runs each scenario has."""
    st = tmp_path / "st"
    shutil.copytree(batch_store, st)
    runs = ResultStore.open(st).read("runs")
    part = int(runs.loc[runs["run_id"] == "baseline/1", "part"].iloc[0])
    gone = runs[runs["part"] == part]
    (st / "runs" / f"part-{part:06d}.parquet").unlink()
    assert main(["compare", str(st)]) == 0
    err = capsys.readouterr().err
    n = 4 - len(gone)
    base = 2 - int((gone["scenario"] == "baseline").sum())
    assert f"the store is incomplete: {n} of 4 runs stored (baseline {base} of 2, pkg" in err
    assert "runs were removed since" in err and "store-check" in err
    assert "note: the store is incomplete" in (st / "report" / "summary.txt").read_text(encoding="utf-8")


def test_no_command_prints_a_traceback_for_an_unexpected_error(tmp_path, monkeypatch, capsys):
    import studies.compare

    def bug(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(studies.compare, "write_report", bug)
    assert main(["compare", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected ZeroDivisionError: division by zero (a bug")
    assert len(err.strip().splitlines()) == 1


# -- processes -----------------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_driver_leaves_no_forkserver_or_worker(tmp_path):
    """The OOM killer's SIGKILL reaches the `steppe batch` process only: the forkserver and the
    workers must end by themselves."""
    import signal
    import time

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "steppe", "batch", scen(tmp_path), "--reps", "40", "--scale", "0.2",
           "--out", str(out), "--workers", "2", "--no-progress", "--flush-runs", "1"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list((out / "runs").glob("part-*")) if (out / "runs").is_dir() else True:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        assert len(group_members(proc.pid)) >= 3          # driver, forkserver, workers
        proc.send_signal(signal.SIGKILL)            # the driver only, not its group
        proc.wait()
        deadline = time.monotonic() + 10
        while group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = group_members(proc.pid)
        assert not left, f"processes outlived the killed driver: {left}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_more_workers_than_cores_warns_with_the_reason(tmp_path, capsys, monkeypatch):
    import steppe.cli
    import studies.engines

    monkeypatch.setattr(steppe.cli, "default_workers", lambda: 1)
    monkeypatch.setattr(studies.engines, "default_workers", lambda: 1)
    missing = ["batch", str(tmp_path / "nope.toml"), "--reps", "1", "--out", str(tmp_path / "b")]
    assert main([*missing, "--workers", "2"]) == 2       # the warning comes first, then the error
    err = capsys.readouterr().err
    assert "warning: --workers 2 is more than the 1 cores" in err and "share them" in err
    assert "nope.toml: no such scenario file" in err
    assert main(batch(tmp_path, "--out", str(tmp_path / "c"), "--workers", "5")) == 2
    assert "--workers 5 is more than 4 × the 1 cores" in capsys.readouterr().err


def test_ctrl_c_during_a_run_leaves_nothing(tmp_path, monkeypatch, capsys):
    """Ctrl-C (or SIGTERM, turned into the same) while simulating: exit 130, one line, no output
    folder and no staging folder left behind."""
    import model.run

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(model.run, "run_scenario", interrupted)
    assert main(run(tmp_path, "--out", str(tmp_path / "res"))) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "interrupted; nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg.toml"]


# == the commands added since (issue 20): calibrate, report, app, paths, sensitivity, the API ==========
def _shipped_copy(dest: Path) -> Path:
    from calibration.posterior import SHIPPED

    shutil.copytree(SHIPPED, dest)
    return dest


def _run_folder(t: Path) -> Path:
    (t / "res").mkdir()
    for name in ("league.csv", "targets.json"):
        (t / "res" / name).write_text("a run's results", encoding="utf-8")
    return t / "res"


def _same_tree(rel: str) -> Callable[[Path], None]:
    """The folder ``rel`` holds exactly what it held before the command (recorded in .before)."""
    def check(tmp: Path) -> None:
        now = sorted(str(p.relative_to(tmp / rel)) for p in (tmp / rel).rglob("*"))
        assert now == (tmp / ".before").read_text().split("\n"), now
    return check


def _record(t: Path, rel: str) -> None:
    (t / ".before").write_text("\n".join(sorted(str(p.relative_to(t / rel)) for p in (t / rel).rglob("*"))))


def _cal(*extra: str) -> list[str]:
    return ["calibrate", "--scale", SCALE, "--population", "10", "--predictive-runs", "2",
            "--scale-check-runs", "2", "--workers", "1", *extra]


def _onto_posterior(t: Path, *extra: str) -> list[str]:
    _shipped_copy(t / "post")
    _record(t, "post")
    return _cal("--out", str(t / "post"), *extra)


def _onto_run(t: Path) -> list[str]:
    _run_folder(t)
    _record(t, "res")
    return _cal("--out", str(t / "res"), "--force")


def _cal_file(t: Path) -> list[str]:
    (t / "taken").write_text("mine", encoding="utf-8")
    return _cal("--out", str(t / "taken"))


CALIBRATE_CASES = [
    Case("calibrate --out ''", lambda t: _cal("--out", ""), 2, ("--out is empty",),
         lambda t: None if not (t / "work").exists() else pytest.fail("wrote work/ into the working folder")),
    Case("calibrate --out an existing posterior folder", _onto_posterior, 2,
         ("post: holds a finished calibration", "add --force to replace it", "nothing was run"), _same_tree("post")),
    Case("calibrate --out a steppe run folder, even with --force", _onto_run, 2,
         ("holds files that are not a calibration's (league.csv, targets.json)", "not used even with --force"),
         _same_tree("res")),
    Case("calibrate --out naming a file", _cal_file, 1, ("taken: exists and is not a folder",),
         _unchanged("taken", "mine")),
    Case("calibrate --parameters unknown", lambda t: _cal("--out", str(t / "c"), "--parameters", "herders.nope"), 2,
         ("--parameters: 'herders.nope' is not a parameter of this model", "calibratable parameters: ",
          "herders.literacy_mean"), _not_written("c")),
    Case("calibrate --parameters a vector", lambda t: _cal("--out", str(t / "c"), "--parameters",
                                                           "enterprises.sector_shares"), 2,
         ("'enterprises.sector_shares' is a vector or has no calibration prior",), _not_written("c")),
    Case("calibrate --parameters without a prior", lambda t: _cal("--out", str(t / "c"), "--parameters",
                                                                  "herders.household_size_persons"), 2,
         ("'herders.household_size_persons' is a vector or has no calibration prior",), _not_written("c")),
    Case("calibrate --parameters ',,'", lambda t: _cal("--out", str(t / "c"), "--parameters", ",,"), 2,
         ("--parameters ',,' names no parameter",), _not_written("c")),
    Case("calibrate --hold-out a pending target", lambda t: _cal("--out", str(t / "c"), "--hold-out",
                                                                 "A_digital_share_gdp"), 2,
         ("the target is 'pending', never fitted", "fitted targets: W1_depth_slow"), _not_written("c")),
    Case("calibrate --hold-out a check", lambda t: _cal("--out", str(t / "c"), "--hold-out", "A_firm_cloud"), 2,
         ("the target is 'check', never fitted",), _not_written("c")),
    Case("calibrate --budget below what the stages need",
         lambda t: ["calibrate", "--out", str(t / "c"), "--budget", "400", "--workers", "1"], 2,
         ("--budget 400 runs is less than this calibration needs", "screening",
          "predictive and like-for-like checks 240", "give --budget"), _not_written("c")),
    Case("calibrate --targets a folder", lambda t: (t / "tf").mkdir() or _cal("--out", str(t / "c"), "--targets",
                                                                           str(t / "tf")), 2,
         ("tf: is a folder, not a targets file", "calibration/targets.toml"), _not_written("c")),
    Case("calibrate --targets a FIFO", lambda t: os.mkfifo(t / "tp") or _cal("--out", str(t / "c"), "--targets",
                                                                          str(t / "tp")), 2,
         ("tp: is not a regular file",), _not_written("c")),
]


@pytest.mark.parametrize("case", CALIBRATE_CASES, ids=[c.id for c in CALIBRATE_CASES])
def test_calibrate_faults(case, tmp_path, capsys, monkeypatch):
    import calibration.calibrate

    def never(*a, **k):
        raise AssertionError("a run started although the request was refused")

    monkeypatch.setattr(calibration.calibrate, "scale_check", never)
    _check(case, tmp_path, capsys, monkeypatch)


def test_calibrate_force_replaces_a_finished_calibration_without_stale_files(tmp_path, capsys, monkeypatch):
    """--force onto the shipped posterior's copy: a fresh report folder (its screening.csv, from a
    calibration with screening, is gone: --parameters skips the screening), a new checksummed
    posterior, and the run budget held as a ceiling. (The scale check's full-scale runs are
    replaced by a table that says the scales agree: they are not what is tested here.)"""
    import pandas as pd

    import calibration.calibrate
    from calibration.posterior import load_posterior

    monkeypatch.setattr(calibration.calibrate, "scale_check", lambda targets, *a: pd.DataFrame(
        {"target": [t.id for t in targets.active], "mean_abs_diff_tol": 0.0}))

    post = _shipped_copy(tmp_path / "post")
    assert (post / "report" / "screening.csv").is_file()
    args = _cal("--out", str(post), "--force", "--budget", "50", "--parameters", "talent.adequacy_initial",
                "--scale", "0.02")
    assert main(args) == 0, capsys.readouterr().err
    assert not (post / "report" / "screening.csv").exists()
    m = json.loads((post / "manifest.json").read_text())
    assert m["parameters"] == ["talent.adequacy_initial"] and m["runs"]["this_session"] <= 50
    assert load_posterior(post).names == ["talent.adequacy_initial"]
    assert not [p for p in post.rglob(".*") if p.name != ".before"]


def test_ctrl_c_during_calibrate_is_one_line_and_ends_the_workers(tmp_path, capsys, monkeypatch):
    import calibration.calibrate

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration.calibrate, "scale_check", interrupted)
    assert main(_cal("--out", str(tmp_path / "c"))) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("interrupted; what was computed is kept in")
    assert "Traceback" not in err


def test_a_calibration_worker_ends_quietly_on_ctrl_c():
    """pyabc's worker processes share the terminal's process group: Ctrl-C reaches them too and
    used to print a ~60-line traceback from each. Once it has run a simulation, a worker ends
    with status 130 and prints nothing."""
    import multiprocessing as mp
    import signal

    from calibration.abc import _quiet_worker

    def worker(ready) -> None:
        _quiet_worker()
        ready.set()
        import time

        time.sleep(30)

    ctx = mp.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=worker, args=(ready,))
    proc.start()
    assert ready.wait(20)
    os.kill(proc.pid, signal.SIGINT)
    proc.join(10)
    assert proc.exitcode == 130


def _report(t: Path, *extra: str) -> list[str]:
    return ["report", scen(t), "--reps", "1", "--scale", SCALE, "--prior", "--workers", "1", *extra]


def _earlier_report(t: Path) -> list[str]:
    (t / "cmp.html").write_text("<p>my own notes</p>", encoding="utf-8")
    return _report(t, "--out", str(t / "cmp.html"))


def _damaged_posterior(t: Path) -> Path:
    post = _shipped_copy(t / "post")
    data = bytearray((post / "posterior.parquet").read_bytes())
    data[len(data) // 2] ^= 0x01          # one bit
    (post / "posterior.parquet").write_bytes(bytes(data))
    return post


def _report_damaged(t: Path) -> list[str]:
    post = _damaged_posterior(t)
    return ["report", scen(t), "--reps", "1", "--scale", SCALE, "--posterior", str(post),
            "--out", str(t / "r.html")]


REPORT_CASES = [
    Case("report --out an earlier report or a user's .html", _earlier_report, 2,
         ("cmp.html: exists; add --force to replace it",), _unchanged("cmp.html", "<p>my own notes</p>")),
    Case("report --out a folder", lambda t: (t / "r.html").mkdir() or _report(t, "--out", str(t / "r.html")), 1,
         ("r.html: is a folder",)),
    Case("report --out ''", lambda t: _report(t, "--out", ""), 2, ("--out must end in .html or .pdf",)),
    Case("report --out under /proc", lambda t: _report(t, "--out", "/proc/steppe/r.html"), 1,
         ("cannot write into /proc/steppe", "nothing was written")),
    Case("report with a damaged posterior (one flipped bit)", _report_damaged, 2,
         ("the calibrated posterior cannot be used", "posterior.parquet: damaged or changed since it was written",
          "give --prior"), _not_written("r.html")),
    Case("report of 6 packages × 10,000 replications", lambda t: ["report", *[scen(t)] * 6, "--reps", "10000",
                                                                  "--out", str(t / "r.html")], 2,
         ("report: 6 packages × 10000 replication(s) = 60,000 runs",
          "60,000 runs, more than 50,000", "--many-runs"), _not_written("r.html")),
]


@pytest.mark.parametrize("case", REPORT_CASES, ids=[c.id for c in REPORT_CASES])
def test_report_faults(case, tmp_path, capsys, monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    _check(case, tmp_path, capsys, monkeypatch)


def test_report_error_lines_follow_lang_then_the_locale(tmp_path, capsys, monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    post = _damaged_posterior(tmp_path)
    args = ["report", scen(tmp_path), "--posterior", str(post), "--out", str(tmp_path / "r.html")]
    assert main(args) == 2
    assert "校准后验不能使用" in capsys.readouterr().err
    assert main([*args, "--lang", "en"]) == 2
    assert "the calibrated posterior cannot be used" in capsys.readouterr().err
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(args) == 2
    assert "the calibrated posterior cannot be used" in capsys.readouterr().err


def test_report_on_a_full_disk_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    """The report's writer fails with ENOSPC after creating its hidden temporary file: the
    command ends with one line, exit 1, and neither the report nor a hidden file is left."""
    import errno

    import app.export

    def full(comp, lang, path, pngs=None):
        (Path(path).parent / f".{Path(path).name}.tmp-abc").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(app.export, "write", full)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(_report(tmp_path, "--out", str(tmp_path / "r.html"))) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({*before, "pkg.toml"})


def test_report_force_replaces_an_earlier_report(tmp_path, capsys):
    (tmp_path / "r.html").write_text("earlier", encoding="utf-8")
    assert main(_report(tmp_path, "--out", str(tmp_path / "r.html"), "--force")) == 0
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8").lower()
    assert not list(tmp_path.glob(".*"))


# -- posterior checksum, STEPPE_POSTERIOR ---------------------------------------------------
def test_a_one_bit_change_of_a_posterior_is_refused_naming_the_file(tmp_path, capsys):
    post = _damaged_posterior(tmp_path)
    assert main(["run", scen(tmp_path), "--scale", SCALE, "--posterior", str(post), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{post / 'posterior.parquet'}: damaged or changed since it was written" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_a_posterior_without_a_checksum_is_refused(tmp_path):
    from calibration.posterior import PosteriorError, load_posterior

    post = _shipped_copy(tmp_path / "post")
    m = json.loads((post / "manifest.json").read_text())
    del m["posterior_sha256"]
    (post / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(PosteriorError, match="no key 'posterior_sha256'"):
        load_posterior(post)


def test_the_shipped_posterior_carries_its_checksum():
    import hashlib

    from calibration.posterior import SHIPPED

    m = json.loads((SHIPPED / "manifest.json").read_text())
    assert m["posterior_sha256"] == hashlib.sha256((SHIPPED / "posterior.parquet").read_bytes()).hexdigest()


def test_steppe_posterior_is_honoured_by_run_and_report_alike(tmp_path, capsys, monkeypatch):
    post = _damaged_posterior(tmp_path)
    monkeypatch.setenv("STEPPE_POSTERIOR", str(post))
    assert main(["run", scen(tmp_path), "--scale", SCALE, "--out", str(tmp_path / "o")]) == 2
    assert str(post / "posterior.parquet") in capsys.readouterr().err
    assert main(["report", scen(tmp_path), "--lang", "en", "--out", str(tmp_path / "r.html")]) == 2
    assert str(post / "posterior.parquet") in capsys.readouterr().err
    assert main(["batch", scen(tmp_path), "--reps", "1", "--posterior-draws", "1", "--workers", "1",
                 "--out", str(tmp_path / "b")]) == 2
    assert str(post / "posterior.parquet") in capsys.readouterr().err


# -- batch, paths, sensitivity: requests ignored, trimmed or unusually large -----------------
STUDY_CASES = [
    Case("batch --posterior without --posterior-draws",
         lambda t: batch(t, "--out", str(t / "b"), "--posterior", "calibration/posterior"), 2,
         ("--posterior 'calibration/posterior' is used only with --posterior-draws K",), _not_written("b")),
    Case("paths --posterior-draws 100000", lambda t: ["paths", "--posterior-draws", "100000", "--out", str(t / "p")],
         2, ("parameter set(s) × 3 rep(s) = ", "more than 50,000", "--many-runs"), _not_written("p")),
    Case("paths --out ''", lambda t: ["paths", "--out", ""], 2, ("--out is empty",)),
    Case("sensitivity --out ''", lambda t: ["sensitivity", "--method", "morris", "--out", ""], 2, ("--out is empty",)),
    Case("paths --workers 500", lambda t: ["paths", "--workers", "500", "--out", str(t / "p")], 2,
         ("--workers 500 is more than 4 × the",), _not_written("p")),
    Case("sensitivity sobol, a million points",
         lambda t: ["sensitivity", "--method", "sobol", "--budget", "65536", "--out", str(t / "s")], 2,
         ("more than 50,000", "--many-runs"), _not_written("s")),
]


@pytest.mark.parametrize("case", STUDY_CASES, ids=[c.id for c in STUDY_CASES])
def test_study_request_faults(case, tmp_path, capsys, monkeypatch):
    shutil.copytree(REPO / "calibration" / "posterior", tmp_path / "calibration" / "posterior")
    _check(case, tmp_path, capsys, monkeypatch)


def _posterior_for_this_model(folder: Path) -> Path:
    """Three parameter sets inside the priors, written for the current model (not the shipped
    posterior, which a model change makes stale until it is rebuilt)."""
    import pandas as pd

    from calibration.posterior import FORMAT, model_hash, write_posterior
    from calibration.space import scalar_space

    v = scalar_space().variables[0]
    lo, hi = v.prior
    write_posterior(folder, pd.DataFrame({v.name: [lo + f * (hi - lo) for f in (0.2, 0.5, 0.8)], "weight": 1.0}),
                    {"format": FORMAT, "model_sha256": model_hash()})
    return folder


def test_more_posterior_draws_than_replications_is_noted(tmp_path, capsys):
    post = _posterior_for_this_model(tmp_path / "post")
    assert main(batch(tmp_path, "--reps", "1", "--posterior-draws", "5", "--workers", "1", "--posterior", str(post),
                      "--out", str(tmp_path / "b"))) == 0
    assert "note: --posterior-draws 5 with --reps 1: replication r uses parameter set r mod 5, so only 1 of the " \
           "5 sets are used" in capsys.readouterr().err


def test_ctrl_c_during_sensitivity_keeps_the_runs_for_the_same_command(tmp_path, capsys, monkeypatch):
    """A study's runs go to a resumable store beside --out (issue 18): Ctrl-C says how many are
    stored, --out is not created, and the same command finishes the study."""
    import studies.sweep
    from studies.points import store_path

    calls = []
    real = studies.sweep.run_chunk

    def interrupted(*a, **k):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(studies.sweep, "run_chunk", interrupted)
    args = ["sensitivity", "--method", "morris", "--budget", "4", "--scale", SCALE, "--workers", "1",
            "--inputs", "herders.literacy_mean", "talent.adequacy_initial", "--no-progress",
            "--out", str(tmp_path / "s")]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 130, err
    assert "run(s) stored; call again to compute the rest" in err
    assert not (tmp_path / "s").exists() and list(store_path(tmp_path / "s").rglob("*.parquet"))
    monkeypatch.setattr(studies.sweep, "run_chunk", real)
    assert main(args) == 0
    assert (tmp_path / "s" / "morris_indices.csv").is_file() and not store_path(tmp_path / "s").exists()


# -- the Python API and scenario files -------------------------------------------------------
@pytest.mark.parametrize(("kw", "says"), [
    ({"seed": None}, "argument 'seed' is None"), ({"seed": -1}, "argument 'seed' is -1"),
    ({"seed": 1.5}, "argument 'seed' is 1.5"), ({"seed": True}, "argument 'seed' is True"),
    ({"scale": "0.1"}, "argument 'scale' is '0.1'"), ({"scale": 0.0}, "argument 'scale' is 0.0"),
    ({"scale": float("nan")}, "argument 'scale' is nan"),
    ({"until": "2027"}, "argument 'until' is '2027'"), ({"until": 2031}, "argument 'until' is 2031"),
    ({"until": 2027.0}, "argument 'until' is 2027.0"),
])
def test_simulate_names_the_bad_argument(kw, says):
    from model import SettingError, simulate

    with pytest.raises(SettingError, match=re.escape(says)):
        simulate(**kw)


def test_lever_changes_out_of_date_order_are_refused(tmp_path, capsys):
    text = ('[[lever_changes]]\ndate = "2026-06"\npromotion_centres = 3\n'
            '[[lever_changes]]\ndate = "2025-06"\npromotion_centres = 2\n')
    assert main(run(tmp_path, "--out", str(tmp_path / "o"), text=text)) == 2
    err = capsys.readouterr().err
    assert "lever_changes[1].date: '2025-06' comes before the date of lever_changes[0]" in err
    assert "list the changes in date order" in err and not (tmp_path / "o").exists()


# -- store hygiene ------------------------------------------------------------------------------
def test_store_check_reports_and_sets_aside_a_stray_file(tmp_path, batch_store, capsys):
    import pandas as pd

    st = tmp_path / "st"
    shutil.copytree(batch_store, st)
    pd.DataFrame({"note": ["mine"]}).to_parquet(st / "league" / "notes.parquet")
    assert main(["store-check", str(st)]) == 1
    out = capsys.readouterr().out
    assert f"problem: {st / 'league' / 'notes.parquet'}: not a part of this store" in out
    assert main(["compare", str(st), "--out", str(tmp_path / "rep")]) == 0
    assert "1 stray file(s) in the store's table folders were not read" in capsys.readouterr().err
    assert main(["store-check", str(st), "--set-aside"]) == 0
    assert not (st / "league" / "notes.parquet").exists()
    assert main(["store-check", str(st)]) == 0
    pd.read_parquet(st / "league")          # the table folder reads again


STORE_CASES = [
    Case("compare --out inside a table folder of the store",
         lambda t: ["compare", str(t / "st"), "--out", str(t / "st" / "league" / "rep")], 2,
         ("inside the result store", "its league/ folder"),
         lambda t: None if not (t / "st" / "league" / "rep").exists() else pytest.fail("report in the store")),
    Case("compare on a file", lambda t: (t / "f").write_text("x") and ["compare", str(t / "f")], 2,
         ("f: is a file, not a folder",)),
    Case("store-check on a file", lambda t: (t / "f").write_text("x") and ["store-check", str(t / "f")], 2,
         ("f: is a file, not a folder",)),
]


@pytest.mark.parametrize("case", STORE_CASES, ids=[c.id for c in STORE_CASES])
def test_store_hygiene_faults(case, tmp_path, batch_store, capsys, monkeypatch):
    shutil.copytree(batch_store, tmp_path / "st")
    _check(case, tmp_path, capsys, monkeypatch)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["ctrl-c to the group", "sigterm to the driver"])
def test_ctrl_c_during_calibrate_with_workers_is_one_line(tmp_path, how):
    """Ctrl-C in a terminal reaches the whole process group: the driver and pyabc's two workers.
    It used to print two ~60-line worker tracebacks; now one line, exit 130, no process left.
    SIGTERM to the driver alone (``kill PID``, a batch scheduler) ends the same way: the driver
    takes its workers with it."""
    import signal
    import time

    cmd = [sys.executable, "-m", "steppe", "calibrate", "--out", str(tmp_path / "cal"), "--scale", "0.02",
           "--population", "10", "--predictive-runs", "2", "--scale-check-runs", "2", "--workers", "2",
           "--parameters", "talent.adequacy_initial,herders.literacy_mean", "--budget", "2000"]
    import pandas as pd

    (tmp_path / "cal" / "work").mkdir(parents=True)      # a cached scale check: straight to the ABC stage
    pd.DataFrame({"target": ["W1_depth_slow"], "mean_abs_diff_tol": [0.0]}).to_parquet(
        tmp_path / "cal" / "work" / "scale_check.parquet")
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        for line in proc.stderr:
            if "calibrating 2 parameters" in line:
                break
            assert time.monotonic() < deadline
        time.sleep(3.0)                       # pyabc's workers are running the first population
        if how == "ctrl-c to the group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGTERM)
        rest = proc.stderr.read()
        assert proc.wait(30) == 130
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    assert rest.strip().splitlines() == [f"interrupted; what was computed is kept in {tmp_path / 'cal'}/work: run "
                                         "the same command again to go on"]
    deadline = time.monotonic() + 10
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group_members(proc.pid)
