"""Study throughput: runs per second of the sensitivity and paths tools, and the time the full
studies of issue 10 take at that rate.

The machine may be shared, so two rates are printed: the *measured* one (wall clock, with
whatever else runs) and an *idle-machine* estimate from the CPU time the runs used
(``workers / CPU seconds per run``; it assumes the workers scale perfectly, which the batch
benchmark measured at about 1.9× for 2 workers). The full studies:

- Morris screen of every scalar prior parameter, r = 20: 20 × (k + 1) runs (goal < 5 min);
- Sobol, 15 inputs, N = 1024, first and total order: 1024 × 17 runs (goal < 30 min);
- paths, 500 portfolios × 10 draws (+ 64 NSGA-II trials × 10 and the 10 packages × 10):
  goal < 30 min.

    python benchmarks/bench_studies.py                    # scale 0.2, a Morris of r = 2 (332 runs)
    python benchmarks/bench_studies.py --r 1 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil

from model.run import simulate
from model.scenario import Scenario
from studies.sensitivity import Study, check_outcomes, run_study, select_inputs


class DescendantsCPU:
    """CPU seconds used by every descendant process (pool workers are children of a forkserver,
    which ``RUSAGE_CHILDREN`` never sees), sampled every 0.2 s until ``stop``."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        me = psutil.Process()
        while not self.done.is_set():
            for p in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    self.seen[p.pid] = max(self.seen.get(p.pid, 0.0), t.user + t.system)
            self.done.wait(0.2)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return sum(self.seen.values())


def single_runs(scale: float, n: int) -> tuple[float, float]:
    """Median wall and CPU seconds of one in-process run."""
    walls, cpus = [], []
    simulate(Scenario(), seed=0, scale=scale)
    for i in range(n):
        w, c = time.perf_counter(), time.process_time()
        simulate(Scenario(), seed=i, scale=scale)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.2, help="population scale (default 0.2, the studies' scale)")
    ap.add_argument("--r", type=int, default=2, help="Morris trajectories of the measured screen")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--singles", type=int, default=10)
    args = ap.parse_args()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"study throughput, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, scale {args.scale:g}, "
          f"load average at start {load}")
    wall1, cpu1 = single_runs(args.scale, args.singles)
    print(f"one run in process: median wall {wall1:.3f} s, CPU {cpu1:.3f} s ({args.singles} runs)")
    inputs, skipped = select_inputs("prior")
    study = Study("morris", "prior", inputs, check_outcomes(None, False), args.r, scale=args.scale,
                  skipped=skipped)
    with tempfile.TemporaryDirectory() as tmp:
        meter, w0 = DescendantsCPU(), time.perf_counter()
        report = run_study(study, Path(tmp) / "m", workers=args.workers)
        wall = time.perf_counter() - w0
        cpu = meter.stop()
    runs = report.runs
    measured = runs / wall
    cpu_per_run = cpu / runs
    idle = args.workers / cpu_per_run
    print(f"Morris over {len(inputs)} prior parameters, r = {args.r}: {runs} runs in {wall:.1f} s wall "
          f"({args.workers} workers, sampling, analysis and figures included) -> measured {measured:.2f} runs/s; "
          f"workers' CPU {cpu_per_run:.3f} s per run (imports included) -> idle-machine estimate "
          f"{idle:.2f} runs/s")
    k = len(inputs)
    studies = [("Morris, every prior parameter, r = 20", 20 * (k + 1), 5),
               ("Sobol, 15 inputs, N = 1024, S1 + ST", 1024 * 17, 30),
               ("paths, 500 portfolios × 10 draws (+ 64 trials, 10 packages)", 500 * 10 + 64 * 10 + 10 * 10, 30)]
    print(f"{'study':<62} {'runs':>7} {'measured rate':>14} {'idle estimate':>14} {'goal':>7}")
    for name, n, goal in studies:
        print(f"{name:<62} {n:>7} {n / measured / 60:>11.1f} min {n / idle / 60:>11.1f} min {goal:>4} min")


if __name__ == "__main__":
    main()
