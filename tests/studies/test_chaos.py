"""A long study (`make test-slow`): a batch killed 15 times at random moments (SIGKILL of the
whole process group, or of the driver alone as the OOM killer does), then finished by the same
command, stores every run exactly once, bit for bit equal to an uninterrupted batch, and no
process outlives a kill."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _batch_common import SCALE, TWO_LEVERS, assert_same_tables, design, write_scenarios
from _procs import group_members

from steppe.cli import main
from studies.batch import run_batch
from studies.store import ResultStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 15


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_fifteen_random_kills_then_the_same_command_loses_and_doubles_nothing(tmp_path):
    scen = write_scenarios(tmp_path / "scen", {
        "a": TWO_LEVERS, "b": 'description = "b"\n[levers]\nai_plus_programmes_per_year = 8\n'})
    out = tmp_path / "out"
    args = ["batch", *map(str, scen), "--reps", "30", "--scale", str(SCALE), "--out", str(out),
            "--flush-runs", "1", "--no-progress"]
    rng = random.Random(12)
    stored = []
    for i in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-m", "steppe", *args, "--workers", "2"], cwd=REPO,
                                start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(rng.uniform(2.0, 6.0))       # start-up takes 2-4 s: some kills come before any run
        finally:
            whole_group = i % 3 != 2
            if whole_group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + 10
        while group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_members(proc.pid), f"kill {i}: processes outlived the batch"
        if (out / "manifest.json").exists():
            stored.append(len(ResultStore.open(out).read("runs")))
    assert stored == sorted(stored), "a kill lost stored runs"
    assert any(0 < n < 60 for n in stored), f"no kill came while runs were being stored: {stored}"
    assert main([*args, "--workers", "1"]) == 0
    runs = ResultStore.open(out).read("runs")
    assert runs["run_id"].is_unique and len(runs) == 60
    run_batch(design(scen, 30), tmp_path / "ref", workers=1, progress=False)
    assert_same_tables(out, tmp_path / "ref")
