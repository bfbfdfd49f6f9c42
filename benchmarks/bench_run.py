"""Where the time of one ``steppe run`` process goes: interpreter start-up, imports, set-up and
simulation, writing the tables, the figure, and process exit.

Each repetition is a fresh process running ``steppe run`` (the ``main`` of ``steppe.cli``) with
timers wrapped around ``simulate``, ``write_outputs`` and ``summary_figure``; the parent measures
the whole process from launch to exit. Medians over ``--reps`` processes. Goal of issue 8: the
whole process under 3 s at full scale.

    python benchmarks/bench_run.py               # full scale, 5 processes
    python benchmarks/bench_run.py --scale 0.1 --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
t0 = time.time()
import steppe.cli as cli
t1 = time.time()
import model.outputs as outputs, model.run as run
marks = {}
def timed(mod, name):
    fn = getattr(mod, name)
    def wrapper(*a, **k):
        s = time.time(); r = fn(*a, **k); marks[name] = marks.get(name, 0.0) + time.time() - s; return r
    setattr(mod, name, wrapper)
timed(run, "simulate"); timed(outputs, "write_outputs"); timed(outputs, "summary_figure")
main = cli.main
def main_then_report(*a, **k):
    rc = main(*a, **k)
    sys.stderr.write("\nBENCH " + json.dumps({"start": t0, "imported": t1, "main_done": time.time(), **marks})
                     + "\n")
    return rc
cli.main = main_then_report
sys.argv[0] = "steppe"
if hasattr(cli, "console"):
    cli.console()      # the `steppe` command's entry point, exit included
else:                  # a checkout from before console() (for comparisons with --repo)
    sys.exit(cli.main())
"""


def one(scale: float, out: Path, repo: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    launch = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, "run", str(repo / "scenarios" / "baseline.toml"),
                           "--scale", str(scale), "--out", str(out)], capture_output=True, text=True,
                          cwd=repo, check=True)
    end = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = json.loads(proc.stderr.rsplit("BENCH ", 1)[1])
    return {"whole process": end - launch,
            "whole process, CPU time (user + sys)": (after.ru_utime - before.ru_utime)
            + (after.ru_stime - before.ru_stime),
            "interpreter start-up": m["start"] - launch,
            "imports (steppe.cli)": m["imported"] - m["start"],
            "set-up + 36 steps (simulate)": m["simulate"],
            "tables (write_outputs less figure)": m["write_outputs"] - m["summary_figure"],
            "summary.png (summary_figure)": m["summary_figure"],
            "rest of main (imports inside run, printing)": (m["main_done"] - m["imported"]) - m["simulate"]
            - m["write_outputs"],
            "process exit": end - m["main_done"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="checkout to measure (e.g. an export of main, to compare); default this one")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for i in range(args.reps):
            rows.append(one(args.scale, Path(tmp) / f"r{i}", args.repo.resolve()))
    print(f"steppe run ({args.repo}), scale {args.scale:g}, median of {args.reps} processes, {platform.node()}, "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(f"  {key:<44} {statistics.median(values):6.2f} s  (min {min(values):.2f})")
    whole = statistics.median(r["whole process"] for r in rows)
    print(f"  goal: whole process under 3 s at full scale: {'met' if whole < 3 else 'missed'} (wall "
          "time; on a busy machine the CPU time is the fairer figure)")


if __name__ == "__main__":
    main()
