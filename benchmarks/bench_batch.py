"""Batch throughput (runs per second): 1 and 2 local workers, and a 2-worker Dask LocalCluster.

Each configuration runs the same batch (baseline and the full plan of seed 003, ``--reps``
replications each) into a fresh result store. "end to end" is the whole ``run_batch`` call,
with executor start-up and writing the store; "steady" leaves out start-up: runs finished after
the first ones of each worker, over the time they took. Goals of issue 3: 2 workers at least
1.8x one worker; Dask within 15% of the local pool.

    python benchmarks/bench_batch.py                  # scale 1, 2 x 30 runs per configuration (~80 s)
    python benchmarks/bench_batch.py --scale 0.1 --reps 40
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

from model.run import simulate
from studies.batch import Design, run_batch
from studies.engines import default_workers
from studies.store import ResultStore

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = [REPO / "scenarios" / "baseline.toml", REPO / "scenarios" / "full_plan_003.toml"]
CONFIGS = [("local, 1 worker", {"workers": 1}, 1), ("local, 2 workers", {"workers": 2}, 2),
           ("Dask LocalCluster, 2 workers", {"dask_local": 2}, 2)]


def steady_rate(out: Path, workers: int) -> float:
    """Runs per second after each worker's first run (start-up and warm-up excluded)."""
    t = pd.to_datetime(ResultStore.open(out).read("runs")["finished_at"]).sort_values()
    t = t.iloc[workers - 1:]
    span = (t.iloc[-1] - t.iloc[0]).total_seconds()
    return (len(t) - 1) / span if span > 0 else float("nan")


def measure(design: Design, kwargs: dict, workers: int, root: Path, name: str) -> dict:
    out = root / name
    start = time.perf_counter()
    summary = run_batch(design, out, progress=False, **kwargs)
    wall = time.perf_counter() - start
    return {"runs": summary.new, "wall_s": wall, "end_to_end": summary.new / wall,
            "steady": steady_rate(out, workers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=30, help="replications per scenario (2 scenarios)")
    args = parser.parse_args()
    design = Design.from_files(SCENARIOS, args.reps, scale=args.scale)
    simulate(design.scenarios[0], seed=0, scale=args.scale)   # warm up this process
    print(f"batch throughput, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
          f"{default_workers()} cores, Python {platform.python_version()}, scale {args.scale:g}, "
          f"{len(design.runs())} runs per configuration (pid {os.getpid()})")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        for i, (label, kwargs, workers) in enumerate(CONFIGS):
            results[label] = r = measure(design, kwargs, workers, Path(tmp), f"c{i}")
            print(f"  {label:<30} {r['end_to_end']:6.2f} runs/s end to end ({r['wall_s']:.1f} s), "
                  f"{r['steady']:6.2f} runs/s steady", flush=True)
    one, two, dask = (results[c[0]] for c in CONFIGS)
    for kind in ("end_to_end", "steady"):
        speedup = two[kind] / one[kind]
        ratio = dask[kind] / two[kind]
        print(f"{kind.replace('_', ' '):>11}: 2 workers / 1 worker = {speedup:.2f}x (goal >= 1.8: "
              f"{'met' if speedup >= 1.8 else 'missed'}); Dask / local pool = {ratio:.2f} (goal >= 0.85: "
              f"{'met' if ratio >= 0.85 else 'missed'})")


if __name__ == "__main__":
    main()
