"""Speed of the model: setup, the 36 monthly steps of 2025-2027 and peak memory, at full scale
and at 10x scale, and the speed of the array adoption submodels against the one-agent-per-
household Mesa reference (model/reference.py). Each measurement runs in a fresh process so that
peak memory is its own; times exclude interpreter start-up and imports.

    python benchmarks/bench_model.py            # full measurement (about 2 minutes)
    python benchmarks/bench_model.py --quick    # reference at scale 0.2 instead of 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
kind, scale = sys.argv[1], float(sys.argv[2])
from model.model import SteppeModel
from model.reference import array_adoption_curves, reference_adoption_curves
if kind == "model":
    t0 = time.perf_counter(); m = SteppeModel(seed=0, scale=scale); t1 = time.perf_counter()
    c1 = time.process_time(); m.run(); t2 = time.perf_counter(); c2 = time.process_time()
    out = {"setup_s": t1 - t0, "steps_s": t2 - t1, "steps_cpu_s": c2 - c1, "herders": m.herders.n,
           "firms": m.firms.n}
else:
    m = SteppeModel(seed=0, scale=scale)
    agents = m.herders.n + m.firms.n
    t0, c0 = time.perf_counter(), time.process_time()
    if kind == "array":
        array_adoption_curves(m, 36)
    else:
        from model.reference import ReferenceModel
        ref = ReferenceModel(m, 1)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(36):
            ref.step()
    out = {"adoption_steps_s": time.perf_counter() - t0, "adoption_cpu_s": time.process_time() - c0,
           "agents": agents}
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(kind: str, scale: float) -> dict:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    res = subprocess.run([sys.executable, "-c", CHILD, kind, str(scale)], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


def best_of(n: int, kind: str, scale: float, key: str) -> dict:
    runs = [child(kind, scale) for _ in range(n)]
    return min(runs, key=lambda r: r[key])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reference at scale 0.2")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print("(wall-clock and CPU seconds; on a loaded machine compare the CPU column)")
    print(f"{'scale':>6} {'herders':>10} {'firms':>8} {'setup s':>8} {'36 steps s':>11} {'CPU s':>7} {'peak MB':>8}")
    for scale in (1.0, 10.0):
        r = best_of(3 if scale == 1 else 1, "model", scale, "steps_cpu_s")
        print(f"{scale:>6g} {r['herders']:>10,} {r['firms']:>8,} {r['setup_s']:>8.2f} "
              f"{r['steps_s']:>11.2f} {r['steps_cpu_s']:>7.2f} {r['peak_rss_mb']:>8.0f}")
    ref_scale = 0.2 if args.quick else 1.0
    arr = best_of(3, "array", ref_scale, "adoption_cpu_s")
    ref = child("reference", ref_scale)
    ratio = ref["adoption_steps_s"] / arr["adoption_steps_s"]
    ratio_cpu = ref["adoption_cpu_s"] / arr["adoption_cpu_s"]
    print(f"\nadoption submodels (herders + enterprises), 36 steps at scale {ref_scale:g}, "
          f"{arr['agents']:,} agents:")
    print(f"  arrays          {arr['adoption_steps_s']:8.3f} s  {arr['adoption_cpu_s']:8.3f} s CPU"
          f"   peak {arr['peak_rss_mb']:.0f} MB")
    print(f"  Mesa reference  {ref['adoption_steps_s']:8.3f} s  {ref['adoption_cpu_s']:8.3f} s CPU"
          f"   peak {ref['peak_rss_mb']:.0f} MB")
    print(f"  speed ratio     {ratio:8.0f}x  {ratio_cpu:8.0f}x CPU   (goal: at least 100x)")


if __name__ == "__main__":
    main()
