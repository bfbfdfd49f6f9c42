"""Sweep throughput (runs per second): 1 and 2 local workers, at scale 0.1 and 1.

Each configuration evaluates the same lever sweep (random points of the lever space, common
random numbers across points) with :func:`studies.sweep.evaluate` into a fresh result store.
"end to end" is the whole call (pool start-up, validation, storing); "steady" leaves out
start-up: runs finished after each worker's first chunk, over the time they took. On a machine
busy with other work, "if N cores were free" (N / the mean CPU time of a run, set-up copy and
outcomes included, measured in the worker) estimates what the same sweep does on N idle cores,
leaving out the driver and the transfer of results (small: see the 1-worker end-to-end rate).
CPU time also grows on a busy machine (shared caches), so the estimate is low. Goals of
issue 8: at scale 0.1, 2 workers at least 20 runs/s and at least 1.8x one worker.

    python benchmarks/bench_sweep.py                     # scale 0.1: 240 runs; scale 1: 24 runs
    python benchmarks/bench_sweep.py --points 60 --reps 4 --full-points 6
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from model.problem import PROBLEM
from studies.engines import default_workers
from studies.store import ResultStore
from studies.sweep import evaluate


def lever_points(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` random points of the lever space (uniform within each lever's range)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for v in PROBLEM.levers:
        if v.kind == "boolean":
            cols[v.name] = rng.random(n) < 0.5
        elif v.kind == "integer":
            cols[v.name] = rng.integers(int(v.low), int(v.high) + 1, n)
        else:
            cols[v.name] = rng.uniform(v.low, v.high, n)
    return pd.DataFrame(cols)


def steady_rate(out: Path, skip: int) -> float:
    t = pd.to_datetime(ResultStore.open(out).read("runs")["finished_at"]).sort_values()
    t = t.iloc[min(skip, max(len(t) - 2, 0)):]
    if len(t) < 2:
        return float("nan")
    span = (t.iloc[-1] - t.iloc[0]).total_seconds()
    return (len(t) - 1) / span if span > 0 else float("nan")


def measure(points: pd.DataFrame, reps: int, scale: float, workers: int, out: Path) -> dict:
    start = time.perf_counter()
    frame = evaluate(points, reps=reps, scale=scale, workers=workers, out=out, progress=False)
    wall = time.perf_counter() - start
    chunk = max(1, min(64, -(-len(frame) // (4 * workers))))
    cpu = ResultStore.open(out).read("runs")["cpu_s"].mean()   # per run, measured in the worker
    return {"runs": len(frame), "wall_s": wall, "end_to_end": len(frame) / wall,
            "steady": steady_rate(out, workers * chunk), "cpu_per_run": cpu, "cpu_bound": workers / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60, help="points at scale 0.1")
    parser.add_argument("--reps", type=int, default=4, help="replications per point")
    parser.add_argument("--full-points", type=int, default=6, help="points at scale 1")
    args = parser.parse_args()
    print(f"sweep throughput, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
          f"{default_workers()} cores, load average {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()} (pid {os.getpid()})")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        for scale, n in ((0.1, args.points), (1.0, args.full_points)):
            points = lever_points(n)
            res = {}
            for workers in (1, 2):
                res[workers] = r = measure(points, args.reps, scale, workers,
                                           Path(tmp) / f"s{scale}-w{workers}")
                print(f"  scale {scale:<4g} {workers} worker(s): {r['runs']} runs, "
                      f"{r['end_to_end']:6.2f} runs/s end to end ({r['wall_s']:.1f} s), "
                      f"{r['steady']:6.2f} runs/s steady; {r['cpu_per_run'] * 1000:.0f} ms CPU per run, "
                      f"{r['cpu_bound']:.2f} runs/s if {workers} core(s) were free", flush=True)
            for kind in ("end_to_end", "steady"):
                ratio = res[2][kind] / res[1][kind]
                line = f"  scale {scale:g} {kind.replace('_', ' ')}: 2 workers / 1 worker = {ratio:.2f}x"
                if scale == 0.1:
                    line += (f" (goal >= 1.8: {'met' if ratio >= 1.8 else 'missed'}); 2 workers "
                             f"{res[2][kind]:.1f} runs/s (goal >= 20: "
                             f"{'met' if res[2][kind] >= 20 else 'missed'})")
                print(line)


if __name__ == "__main__":
    main()
