"""Batches: seeds and common random numbers, executors giving identical results, a batch
killed midway and restarted storing every run exactly once, Ctrl-C and failing runs, bad input."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from _batch_common import SCALE, TWO_LEVERS, assert_same_tables, design, tables, write_scenarios
from _procs import group_members

import studies.batch as batch
from model.run import simulate
from model.scenario import load_scenario
from steppe.cli import main
from studies.batch import BatchError, BatchInterrupted, rep_seed, run_batch
from studies.store import ResultStore

REPO = Path(__file__).resolve().parents[2]
IDS = ["run_id", "scenario"]


@pytest.fixture
def scen(tmp_path: Path) -> list[Path]:
    """Two files with the same levers under different names, and a third that differs."""
    return write_scenarios(tmp_path / "scen", {
        "same_a": TWO_LEVERS, "same_b": TWO_LEVERS.replace("test", "other words"),
        "other": 'description = "x"\n[levers]\nai_plus_programmes_per_year = 12\n'
                 "transformation_subsidy_rate = 0.3\n"})


def test_seed_of_a_replication_depends_on_base_seed_and_rep_only(scen):
    d = design(scen, 4, base_seed=11)
    by_rep = {}
    for spec in d.runs():
        by_rep.setdefault(spec.rep, set()).add(spec.seed)
    assert all(len(s) == 1 for s in by_rep.values())
    seeds = [next(iter(by_rep[r])) for r in range(4)]
    assert seeds == [rep_seed(11, r) for r in range(4)]
    assert len(set(seeds)) == 4 and all(0 <= s < 2**63 for s in seeds)
    assert rep_seed(11, 0) != rep_seed(12, 0) and rep_seed(0, 1) != rep_seed(1, 0)
    assert [s.seed for s in design(scen, 2, base_seed=11).runs()][:2] == seeds[:2]


def test_common_random_numbers_make_identical_scenarios_identical(tmp_path, scen):
    run_batch(design(scen, 3), tmp_path / "out", workers=1, progress=False)
    league = ResultStore.open(tmp_path / "out").read("league")
    a, b, c = (league[league["scenario"] == s].drop(columns=IDS).reset_index(drop=True)
               for s in ("same_a", "same_b", "other"))
    assert len(a) == 3 * 36
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a.equals(c)
    assert (a.groupby("rep")["cases"].last() != c.groupby("rep")["cases"].last()).any()


def test_local_pool_gives_exactly_the_in_process_results(tmp_path, scen):
    d = design(scen, 2)
    one = run_batch(d, tmp_path / "one", workers=1, progress=False)
    two = run_batch(d, tmp_path / "two", workers=2, progress=False, flush_runs=2)
    assert one.new == two.new == 6
    assert "2 workers" in two.engine and "in-process" in one.engine
    assert_same_tables(tmp_path / "one", tmp_path / "two")


def test_stored_run_equals_a_direct_simulation(tmp_path, scen):
    d = design(scen[:1], 2)
    run_batch(d, tmp_path / "out", workers=1, progress=False)
    league = ResultStore.open(tmp_path / "out").read("league")
    spec = d.runs()[1]
    direct = simulate(load_scenario(scen[0]), seed=spec.seed, scale=SCALE).league
    stored = league[league["run_id"] == spec.run_id].drop(columns=[*IDS, "rep", "seed"])
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), direct, check_exact=True)


def _wait_for_parts(out: Path, proc: subprocess.Popen, n: int) -> None:
    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("part-*.parquet"))) < n:
        assert proc.poll() is None, "the batch ended before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _live_members(pgid: int) -> list[int]:
    """Processes of a process group still running (zombies excepted), after a short grace."""
    deadline = time.monotonic() + 5
    while True:
        alive = group_members(pgid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_killed_then_terminated_batch_stores_every_run_exactly_once(tmp_path, scen):
    """Session 1 is killed with SIGKILL, session 2 gets SIGTERM (the whole process group, as
    SLURM does) and must exit promptly, session 3 finishes: every run is stored exactly once."""
    out = tmp_path / "out"
    args = ["batch", str(scen[0]), "--reps", "12", "--scale", str(SCALE), "--out", str(out),
            "--flush-runs", "1", "--no-progress"]
    cmd = [sys.executable, "-m", "steppe", *args, "--workers", "2"]
    log = tmp_path / "stderr.txt"
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=fh)
    try:
        _wait_for_parts(out, proc, 2)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_with = len(ResultStore.open(out).read("runs"))
    assert 2 <= killed_with < 12, "some parts, not all, must be committed before the kill"

    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=fh)
    try:
        _wait_for_parts(out, proc, killed_with + 1)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)     # no hang: workers ignore SIGTERM and the driver ends them
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = log.read_text(encoding="utf-8")
    assert f"{killed_with} already stored were skipped" in err
    assert proc.returncode in (0, 130), err
    assert not _live_members(proc.pid), "worker processes outlived the batch"
    sessions = ResultStore.open(out).manifest()["sessions"]
    assert sessions[0]["status"] == "running"       # killed: it never wrote its end
    assert sessions[1]["status"] == ("interrupted" if proc.returncode == 130 else "completed")

    assert main([*args, "--workers", "1"]) == 0
    t = tables(out)
    runs = t["runs"]
    assert sorted(runs["run_id"]) == sorted(s.run_id for s in design(scen[:1], 12).runs())
    assert runs["run_id"].is_unique
    assert (t["league"].groupby("run_id").size() == 36).all() and len(t["league"]) == 12 * 36
    assert (t["targets"].groupby("run_id").size() == 8).all() and len(t["targets"]) == 12 * 8
    assert {1, 2} <= set(ResultStore.open(out).read("runs")["session"])
    for rid in (runs["run_id"].iloc[0], runs["run_id"].iloc[-1]):
        direct = simulate(load_scenario(scen[0]), seed=rep_seed(0, int(rid.split("/")[1])),
                          scale=SCALE).league
        got = t["league"][t["league"]["run_id"] == rid].drop(columns=[*IDS, "rep", "seed"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), direct, check_exact=True)


def test_interrupt_stores_finished_runs_and_the_same_command_finishes(tmp_path, scen, monkeypatch):
    real, calls = batch.run_one, []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(batch, "run_one", flaky)
    d = design(scen[:2], 3)
    with pytest.raises(BatchInterrupted, match="remaining 3 run"):
        run_batch(d, tmp_path / "out", workers=1, progress=False)
    assert len(ResultStore.open(tmp_path / "out").read("runs")) == 3
    monkeypatch.setattr(batch, "run_one", real)
    summary = run_batch(d, tmp_path / "out", workers=1, progress=False)
    assert (summary.skipped, summary.new, summary.stored) == (3, 3, 6)
    run_batch(d, tmp_path / "ref", workers=1, progress=False)
    assert_same_tables(tmp_path / "out", tmp_path / "ref")
    statuses = [s["status"] for s in ResultStore.open(tmp_path / "out").manifest()["sessions"]]
    assert statuses == ["interrupted", "completed"]


def test_a_failing_run_names_itself_and_keeps_the_finished_ones(tmp_path, scen, monkeypatch):
    real = batch.run_one

    def broken(scenario, spec, *rest):
        if spec.run_id == "same_b/1":
            raise RuntimeError("boom")
        return real(scenario, spec, *rest)

    monkeypatch.setattr(batch, "run_one", broken)
    with pytest.raises(BatchError, match=r"run same_b/1 \(seed \d+\) failed: RuntimeError: boom.*steppe run"):
        run_batch(design(scen[:2], 2), tmp_path / "out", workers=1, progress=False)
    assert len(ResultStore.open(tmp_path / "out").read("runs")) == 3


def test_counties_are_stored_on_request(tmp_path, scen):
    run_batch(design(scen[:1], 2, counties=True), tmp_path / "out", workers=1, progress=False)
    counties = ResultStore.open(tmp_path / "out").read("counties")
    assert len(counties) == 2 * 36 * 13
    assert {"run_id", "scenario", "rep", "seed", "county_id", "digital_index"} <= set(counties)


def test_cli_batch_runs_and_a_second_call_skips_everything(tmp_path, scen, capsys):
    args = ["batch", str(scen[0]), "--reps", "2", "--scale", str(SCALE), "--out", str(tmp_path / "o"),
            "--workers", "1"]
    assert main(args) == 0
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "2 already stored were skipped" in err and "holds 2 of 2 runs" in err


def test_cli_refuses_another_design_in_the_same_folder(tmp_path, scen, capsys):
    out = tmp_path / "o"
    base = ["batch", str(scen[0]), "--scale", str(SCALE), "--out", str(out), "--workers", "1"]
    assert main([*base, "--reps", "2"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    assert main([*base, "--reps", "1"]) == 2
    assert main([*base, "--reps", "2", "--seed", "5"]) == 2
    assert main([*base, "--reps", "2", "--counties"]) == 2
    assert main([*base[:2], "--scale", "0.1", *base[4:], "--reps", "2"]) == 2
    assert main([*base, "--reps", "2", "--until", "2026"]) == 2
    scen[0].write_text(TWO_LEVERS + "# edited\n", encoding="utf-8")
    assert main([*base, "--reps", "2"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "different batch design" in err
    assert "reps 2 there, 1 here (fewer: give --reps 2" in err and "base_seed 0 there, 5 here" in err
    assert "counties False there, True here" in err and "scale 0.05 there, 0.1 here" in err
    assert "runs until 2027 there, 2026 here" in err
    assert "scenario 'same_a' has changed (sha256" in err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    assert before == after


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]])
def test_cli_unknown_scenario_file_is_a_clear_error(tmp_path, scen, capsys, extra):
    out = tmp_path / "o"
    code = main(["batch", str(scen[0]), str(tmp_path / "nope.toml"), "--reps", "2", "--out",
                 str(out), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "nope.toml: no such scenario file" in err
    assert not out.exists()


def test_until_is_compared_as_each_scenarios_horizon(tmp_path, scen, capsys):
    out = tmp_path / "o"
    base = ["batch", str(scen[0]), "--reps", "1", "--scale", str(SCALE), "--out", str(out),
            "--workers", "1"]
    assert main(base) == 0
    assert main([*base, "--until", "2027"]) == 0    # the file says 2027: the same design
    assert "1 already stored were skipped" in capsys.readouterr().err


def test_a_failing_run_hint_repeats_until(tmp_path, scen, monkeypatch):
    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(batch, "run_one", broken)
    with pytest.raises(BatchError, match=r"steppe run --from-store \S+ (\S+)`") as info:
        run_batch(design(scen[:1], 1, until=2026), tmp_path / "out", workers=1, progress=False)
    run_id = re.search(r"--from-store \S+ (\S+)`", str(info.value)).group(1)
    # the hint reproduces the run: same horizon, seed and scale
    scenario, seed, scale, _ = batch.stored_run(tmp_path / "out", run_id)
    assert scenario.until == 2026 and scale == 0.05 and seed == batch.rep_seed(0, 0)


def test_two_scenarios_with_one_name_are_refused(tmp_path, scen):
    dup = write_scenarios(tmp_path / "elsewhere", {"same_a": TWO_LEVERS})
    with pytest.raises(BatchError, match="two scenarios are named 'same_a'"):
        design([scen[0], dup[0]], 2)


def test_a_finished_store_takes_more_replications_with_common_random_numbers(tmp_path, scen, capsys):
    """10 -> 12 replications (here 2 -> 3): the stored runs are kept, the new ones added, and the
    store equals one batch of 3 replications run at once, bit for bit."""
    out, ref = tmp_path / "o", tmp_path / "ref"
    base = ["batch", str(scen[0]), str(scen[2]), "--scale", str(SCALE), "--workers", "1", "--no-progress"]
    assert main([*base, "--reps", "2", "--out", str(out)]) == 0
    assert main([*base, "--reps", "3", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "adding replications 2 to 2" in err and "4 already stored were skipped" in err
    assert "holds 6 of 6 runs" in err
    m = ResultStore.open(out).manifest()
    assert m["design"]["reps"] == 3 and m["runs_total"] == 6 and m["completed"]
    assert m["extensions"][0]["reps_from"] == 2 and m["extensions"][0]["reps_to"] == 3
    assert main([*base, "--reps", "3", "--out", str(ref)]) == 0
    assert_same_tables(out, ref)
    assert main([*base, "--reps", "3", "--seed", "1", "--out", str(out)]) == 2   # not only reps
