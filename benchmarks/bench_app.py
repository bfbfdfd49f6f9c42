"""Response time of the app's comparison: three packages × 10 replications at scale 0.2, from the
request to the tables and figures the page shows (what the user waits for), measured through the
app's service (the page adds its own rendering). Prints the time of a cold request (worker
processes warm, empty cache), of the identical request again (request cache), and of the same
request with one lever of one package changed (only that package's runs recomputed).

    .venv/bin/python benchmarks/bench_app.py [--workers N] [--reps 10] [--scale 0.2]
"""

from __future__ import annotations

import argparse
import os
import time

from app import results
from app.packages import library, load_file
from app.runner import Request
from app.service import AppService


def wait(svc: AppService, request: Request) -> tuple[float, float, float, int]:
    """Seconds until the runs are done, until the comparison and figures are ready, and the number
    of new runs."""
    t0 = time.perf_counter()
    job = svc.submit_cached(request)
    while not job.finished:
        time.sleep(0.05)
    runs = time.perf_counter() - t0
    if job.error:
        raise SystemExit(job.error)
    comp = svc.comparison(job)
    for fn in (results.targets_table, results.diff_table, results.cost_lever_table):
        fn(comp, "zh")
    svc.figures(comp, "zh")
    return runs, time.perf_counter() - t0, os.getloadavg()[0], job.new


def wait_with_preview(svc: AppService, request: Request) -> tuple[float, float, float]:
    """As the page does on "run": the preview (3 replications at scale 0.05) queued first, then
    the full request. Seconds until the preview's targets table is ready, until the full result
    (tables and figures) is ready, and the load average then."""
    from app.ui import PREVIEW_REPS, PREVIEW_SCALE

    t0 = time.perf_counter()
    quick = Request(request.packages, PREVIEW_REPS, PREVIEW_SCALE, request.base_seed, request.parameters)
    pj, job = svc.submit_cached(quick), svc.submit_cached(request)
    while not pj.finished:
        time.sleep(0.02)
    results.targets_table(svc.comparison(pj), "zh")
    preview = time.perf_counter() - t0
    while not job.finished:
        time.sleep(0.05)
    comp = svc.comparison(job)
    for fn in (results.targets_table, results.diff_table, results.cost_lever_table, results.conclusion):
        fn(comp, "zh")
    svc.figures(comp, "zh")
    return preview, time.perf_counter() - t0, os.getloadavg()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--scale", type=float, default=0.2)
    args = ap.parse_args()
    lib = library()
    pkgs = [load_file(lib[n]) for n in ("baseline", "capability", "finance")]
    svc = AppService(workers=args.workers)
    t0 = time.perf_counter()
    svc.warm()
    svc.submit(Request((pkgs[0],), 1, 0.01))   # waits for the warm-up behind the run lock
    while not all(j.finished for j in svc.jobs.values()):
        time.sleep(0.05)
    print(f"workers {svc.workers}; start-up of the worker pool {time.perf_counter() - t0:.1f} s")
    print("request                                   runs done   results shown   new runs   load(1 min)")
    cases = [("cold (empty cache)", pkgs), ("identical again", pkgs)]
    changed = [pkgs[0], pkgs[1], load_file(lib["finance"])]
    changed[2].levers["promotion_centres"] = 2
    cases.append(("one lever of one package changed", changed))
    for label, ps in cases:
        runs, shown, load, new = wait(svc, Request(tuple(ps), args.reps, args.scale, 0))
        print(f"{label:<40} {runs:>8.1f} s {shown:>12.1f} s {new:>10} {load:>12.1f}")
    preview, full, load = wait_with_preview(svc, Request(tuple(pkgs), args.reps, args.scale, 1))
    print(f"cold, another seed, as the page runs it: preview shown {preview:.1f} s, full result {full:.1f} s, "
          f"load {load:.1f}")
    svc.close()


if __name__ == "__main__":
    main()
