"""The emulator Sobol study end to end, and brute-force scale-out, side by side in one run.

1. **Emulator Sobol** (``studies.emulator.run_emulator``): training runs, adaptive rounds,
   held-out validation runs and Sobol with ≥ 10⁵ emulator evaluations, over the deep
   uncertainties under ``full_plan_003``; wall time of each stage and in all, with the validation
   printed beside the result (the issue's goal: under 15 minutes on 2 cores at scale 0.2 with
   128 + 4 × 32 training and 64 validation runs).
2. **Brute force, 2 workers / 1 worker**: the same sweep of ``--brute`` runs with 1 local worker,
   2 local workers, a 2-worker Dask LocalCluster started inside the call (``--dask-local 2``)
   and one already running (``--dask ADDRESS``), ``--repeat`` times each, interleaved; medians
   and ratios; goal ≥ 1.8×). The machine may be shared: the load average is printed.

    python benchmarks/bench_emulator.py                                  # the full emulator study
    python benchmarks/bench_emulator.py --train 12 --rounds 1 --batch 4 --validate 8 --scale 0.05 --brute 24
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from studies.emulator import EmulatorStudy, run_emulator, summary_text
from studies.points import evaluate  # types each value (integers rounded), then the sweep engine
from studies.sensitivity import select_inputs


def brute(n: int, scale: float, repeat: int) -> None:
    """Median wall seconds of one sweep of n runs on 1 worker, 2 workers and a 2-worker LocalCluster."""
    rng = np.random.default_rng(0)
    inputs, _ = select_inputs("deep", ["datacentres.build_months", "datacentres.price_elasticity"])
    points = pd.DataFrame({i.name: rng.uniform(i.low, i.high, n) for i in inputs})
    import logging

    from dask.distributed import LocalCluster

    # --dask-local starts its cluster inside the timed call; --dask ADDRESS finds one running (its
    # workers warm after the first sweep), which is how a cluster is used for long studies
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    evaluate(points.head(4), scale=scale, progress=False, dask_address=cluster.scheduler_address)   # warm-up
    setups = {"1 local worker": {"workers": 1}, "2 local workers": {"workers": 2},
              "Dask LocalCluster, 2 workers": {"dask_local": 2},
              "Dask, running 2-worker cluster": {"dask_address": cluster.scheduler_address}}
    walls: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(repeat):            # interleaved, so that a busy spell on the machine hits every setup
        for name, kw in setups.items():
            start = time.perf_counter()
            evaluate(points, scale=scale, progress=False, **kw)
            walls[name].append(time.perf_counter() - start)
    times = {name: statistics.median(w) for name, w in walls.items()}
    for name in setups:
        print(f"  {name:<30} {n} runs: median {times[name]:.1f} s ({n / times[name]:.2f} runs/s; {repeat} repeat(s))")
    cluster.close()
    one = times["1 local worker"]
    for name in list(setups)[1:]:
        print(f"  {name:<30} speed-up over 1 worker: {one / times[name]:.2f}×")
    print("  (Dask LocalCluster includes starting the cluster and its workers' imports, as --dask-local does)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--validate", type=int, default=64)
    ap.add_argument("--sobol-n", type=int, default=100_000)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--brute", type=int, default=96, help="runs of the brute-force comparison (0: skip)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-emulator", action="store_true", help="only the brute-force comparison")
    args = ap.parse_args()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"emulator benchmark, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, scale {args.scale:g}, "
          f"load average at start {load}")
    if args.no_emulator:
        print("brute force:")
        brute(args.brute, args.scale, args.repeat)
        return
    inputs, _ = select_inputs("deep")
    study = EmulatorStudy(inputs, under="full_plan_003", train=args.train, rounds=args.rounds, batch=args.batch,
                          validate=args.validate, sobol_n=args.sobol_n, scale=args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = run_emulator(study, Path(tmp) / "e", workers=args.workers)
        wall = time.perf_counter() - start
        timings = json.loads((Path(tmp) / "e" / "design.json").read_text())["timings_s"]
    print(f"emulator Sobol over {len(inputs)} deep uncertainties under full_plan_003: {report.runs} simulation runs, "
          f"{report.evaluations:,} emulator evaluations, {wall:.1f} s end to end ("
          + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in timings.items()) + ")")
    print(summary_text(report))
    if args.brute:
        print("brute force:")
        brute(args.brute, args.scale, args.repeat)


if __name__ == "__main__":
    main()
