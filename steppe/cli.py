"""The ``steppe`` command, wired in one place: run a scenario, list levers and parameters, run
batches, compare them and check their stores."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from model.levers import Levers
from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE
from model.outputs import OutputError, os_reason
from model.params import Parameters
from model.scenario import MAX_UNTIL, MIN_UNTIL, ScenarioError, load_scenario
from model.settings import SettingError, describe
from studies.batch import MAX_REPS, Design, run_batch
from studies.engines import default_workers
from studies.errors import BatchError, BatchInterrupted
from studies.store import ResultStore, StoreError

REPO_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def default_scenario() -> Path:
    here = Path("scenarios/baseline.toml")
    return here if here.is_file() else REPO_SCENARIOS / "baseline.toml"


def _bounded(kind: type, low: float, high: float, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be {kind.__name__}: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} {value} is out of range; allowed [{low}, {high}]")
        return value
    return parse


def cmd_run(args: argparse.Namespace) -> int:
    from model.outputs import prepare_output, target_table, write_outputs
    from model.run import simulate

    path = Path(args.scenario) if args.scenario else default_scenario()
    scenario = load_scenario(path, until=args.until)
    if args.out == "":
        raise OutputError("--out is empty; give the name of a new folder", 2)
    out = Path(args.out) if args.out is not None else Path("results") / scenario.name
    staging = prepare_output(out, args.force)       # before the run: a bad --out fails at once
    try:
        start = time.perf_counter()
        print(f"running {scenario.name} ({path}) to end-{scenario.until}, seed {args.seed}, "
              f"scale {args.scale:g} -> {out} ...", file=sys.stderr)
        result = simulate(scenario, seed=args.seed, scale=args.scale)
        written = write_outputs(result, out, force=args.force, staging=staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(target_table(result.targets))
    print(f"\n{len(written)} files in {out} ({time.perf_counter() - start:.1f} s): "
          + ", ".join(p.name for p in written), file=sys.stderr)
    return 0


def _print_settings(cls: type, prefix: str = "") -> None:
    for row in describe(cls):
        rng = "" if row["low"] is None else f"[{row['low']:g}, {row['high']:g}]"
        ref = row["source"] or f"calibration prior {row['prior']}"
        print(f"{prefix}{row['name']:<44} {row['default']!s:>14}  {rng:<22} {row['unit']:<22} "
              f"{row['zh']} {row['doc']} ({ref})")


def cmd_levers(args: argparse.Namespace) -> int:
    _print_settings(Levers)
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from dataclasses import fields

    for f in fields(Parameters):
        print(f"[parameters.{f.name}]")
        _print_settings(type(getattr(Parameters(), f.name)), "  ")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steppe", description="Digital Steppe 数字草原: an "
                                     "agent-based model of Xilingol's digital economy")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario and report the 2027 targets")
    run.add_argument("scenario", nargs="?", help="scenario TOML (default scenarios/baseline.toml)")
    run.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0)
    run.add_argument("--out", default=None,
                     help="output folder (default results/NAME, NAME the scenario's name); must not "
                     "exist unless --force")
    run.add_argument("--force", action="store_true",
                     help="replace an existing output folder (only one holding a run's outputs)")
    run.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=1.0,
                     help="agents per household or firm (0.1: one agent per ten)")
    run.add_argument("--until", type=_bounded(int, MIN_UNTIL, MAX_UNTIL, "--until"), default=None,
                     help="last simulated year (default: the scenario's, else 2027)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("levers", help="list the policy levers").set_defaults(func=cmd_levers)
    sub.add_parser("params", help="list the behavioural parameters").set_defaults(func=cmd_params)
    add_batch_commands(sub)
    add_app_commands(sub)
    return parser


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _check_workers(option: str, n: int | None) -> None:
    """More local workers than cores only share the cores (and each holds a model in memory):
    warn above the core count, refuse far above it."""
    cores = default_workers()
    if not n or n <= cores:
        return
    if n > 4 * cores:
        raise BatchError(f"{option} {n} is more than 4 × the {cores} cores this process may use: each "
                         "worker holds a model in memory (about 300 MB at scale 1) and more workers "
                         f"than cores only share them; use {option} {cores}")
    print(f"warning: {option} {n} is more than the {cores} cores this process may use; the workers "
          "will share them (no faster, more memory)", file=sys.stderr)


def cmd_batch(args: argparse.Namespace) -> int:
    if args.out == "":
        raise BatchError("--out is empty; give the result store's folder")
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    design = Design.from_files(args.scenarios, args.reps, args.seed, args.scale, args.until,
                               args.counties)
    print(f"batch: {len(design.scenarios)} scenario(s) × {design.reps} replication(s) = "
          f"{len(design.scenarios) * design.reps} runs, base seed {design.base_seed}, scale "
          f"{design.scale:g} -> {args.out}", file=sys.stderr)
    summary = run_batch(design, args.out, workers=args.workers, dask_address=args.dask,
                        dask_local=args.dask_local, dask_timeout=args.dask_timeout,
                        progress=False if args.no_progress else None,
                        flush_runs=args.flush_runs, flush_seconds=args.flush_seconds,
                        argv=sys.argv)
    print(summary.text(), file=sys.stderr)
    print(f"compare the scenarios with: steppe compare {args.out}", file=sys.stderr)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from studies.compare import write_report

    if args.out == "":
        raise OutputError("--out is empty; give the name of a new folder", 2)
    report = write_report(args.dir, args.out, baseline=args.baseline, force=args.force)
    print(report.table_text)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"\n{len(report.files)} files in {report.folder}", file=sys.stderr)
    return 0


def cmd_store_check(args: argparse.Namespace) -> int:
    store = ResultStore.open(args.dir)
    if args.set_aside:
        store.lock()      # before scanning, so that no batch commits a part in between
    try:
        return _store_check(store, args)
    finally:
        store.close()


def _store_check(store: ResultStore, args: argparse.Namespace) -> int:
    state = store.scan(check_files=True, hashes=True, full=True)
    total = store.manifest().get("runs_total")
    print(f"{args.dir}: {len(state.run_ids)} of {total} runs stored in {len(state.committed)} parts")
    if state.uncommitted:
        print(f"{len(state.uncommitted)} part(s) without a run index (interrupted writes, or a batch "
              "writing now)")
    for p in state.problems:
        print(f"problem: {p}")
    bad = set(state.damaged_parts) | (set(state.uncommitted) if args.set_aside else set())
    if args.set_aside and bad:
        moved = store.set_aside(bad)
        print(f"moved {len(moved)} file(s) to {store.root / '_set_aside'}; repeat the batch command "
              "to recompute their runs")
        return 0
    return 1 if state.problems else 0


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``batch``, ``compare`` and ``store-check``."""
    b = sub.add_parser("batch", help="run scenarios × replications into a resumable result store",
                       description="Run every scenario × replication and store the results as "
                       "Parquet in --out. Started again with the same command, a batch finishes "
                       "the runs not yet stored. See docs/BATCH.md.")
    b.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files")
    b.add_argument("--reps", type=_bounded(int, 1, MAX_REPS, "--reps"), required=True,
                   help="replications per scenario (run r of every scenario uses the same seed)")
    b.add_argument("--out", required=True, help="result store folder (new, or the same design to resume)")
    b.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0,
                   help="base seed; replication r runs with a hash of (seed, r)")
    b.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=1.0,
                   help="agents per household or firm (0.1: one agent per ten)")
    b.add_argument("--until", type=_bounded(int, MIN_UNTIL, MAX_UNTIL, "--until"), default=None,
                   help="last simulated year for every scenario (default: each scenario's)")
    b.add_argument("--counties", action="store_true", help="also store one row per county and month")
    ex = b.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                    help=f"local worker processes (default: all cores, here {default_workers()})")
    ex.add_argument("--dask", metavar="ADDRESS", default=None,
                    help="run on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786)")
    ex.add_argument("--dask-local", type=_bounded(int, 1, 4096, "--dask-local"), metavar="N",
                    default=None, help="start a Dask LocalCluster of N worker processes on loopback")
    b.add_argument("--dask-timeout", type=_bounded(float, 0.1, 3600, "--dask-timeout"), default=10.0,
                   help="seconds to wait for the scheduler (default 10)")
    b.add_argument("--flush-runs", type=_bounded(int, 1, 10**6, "--flush-runs"), default=200,
                   help="store finished runs at least every this many runs (default 200)")
    b.add_argument("--flush-seconds", type=_bounded(float, 0.0, 86400, "--flush-seconds"),
                   default=10.0, help="... and at least every this many seconds (default 10)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    b.set_defaults(func=cmd_batch)

    c = sub.add_parser("compare", help="compare the scenarios of a batch: target probabilities, "
                       "intervals, costs, fan charts")
    c.add_argument("dir", help="result store of `steppe batch`")
    c.add_argument("--out", default=None, help="report folder (default DIR/report); must not exist "
                   "unless --force")
    c.add_argument("--force", action="store_true",
                   help="replace an existing report folder (only one holding a report's files)")
    c.add_argument("--baseline", default=None,
                   help="scenario the differences are taken from (default: the one named baseline, "
                   "if any)")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser("store-check", help="check a result store; --set-aside moves damaged parts")
    s.add_argument("dir", help="result store of `steppe batch`")
    s.add_argument("--set-aside", action="store_true",
                   help="move damaged or uncommitted parts to DIR/_set_aside (their runs are "
                   "recomputed by the next batch)")
    s.set_defaults(func=cmd_store_check)


# -- the app and its report (issue 11) ---------------------------------------------------------
def cmd_app(args: argparse.Namespace) -> int:
    from app.server import serve

    return serve(args.host, args.port, args.packages_dir, args.workers)


def cmd_report(args: argparse.Namespace) -> int:
    from app.messages import t
    from app.packages import PackageError, load_file
    from app.report import write
    from app.results import build
    from app.runner import Request, RunService

    suffix = Path(args.out).suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        print(f"error: {t('cli_format', args.lang, path=args.out)}", file=sys.stderr)
        return 2
    try:
        pkgs = tuple(load_file(p) for p in args.scenarios)
    except PackageError as exc:
        print(f"error: {exc.text(args.lang)}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    service = RunService(workers=args.workers)
    try:
        job = service.run(Request(pkgs, args.reps, args.scale, args.seed))
    finally:
        service.close()
    write(build(job), args.lang, args.out)
    print(t("cli_written", args.lang, path=args.out, n=len(pkgs), reps=args.reps,
            seconds=time.perf_counter() - start), file=sys.stderr)
    return 0


def add_app_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``app`` (the web app for policy staff) and ``report`` (its report from the shell)."""
    a = sub.add_parser("app", help="start the web app: compare policy packages side by side (中文/English)")
    a.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    a.add_argument("--port", type=_bounded(int, 1, 65535, "--port"), default=8501)
    a.add_argument("--packages-dir", default=None,
                   help="folder where the app saves scenario files (default ./my_packages)")
    a.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                   help=f"simulation processes (default: all cores, here {default_workers()})")
    a.set_defaults(func=cmd_app)
    r = sub.add_parser("report", help="compare scenario files and write the app's report (HTML or PDF)")
    r.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="scenario TOML files; the first is the reference the others are compared with")
    r.add_argument("--out", required=True, help="report file, .html or .pdf")
    r.add_argument("--reps", type=_bounded(int, 1, 10000, "--reps"), default=10, help="replications (default 10)")
    r.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2,
                   help="agents per household or firm (default 0.2)")
    r.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0, help="base seed")
    r.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    r.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                   help="simulation processes (default: all cores)")
    r.set_defaults(func=cmd_report)


EXPECTED = (BatchError, StoreError, ScenarioError, OutputError, SettingError)
INTERRUPTED = {"batch": "interrupted before any run was stored",
               "compare": "interrupted; no report was written",
               "store-check": "interrupted; nothing was moved"}


def _error(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input ends with one ``error:`` line and exit status 2, a fault of the
    system (read-only or full disk, no permission) with status 1, Ctrl-C or SIGTERM with 130;
    never a traceback (``STEPPE_DEBUG=1`` shows it for unexpected errors)."""
    args = build_parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    except ValueError:               # not the main thread: leave signals alone
        previous = None
    try:
        return args.func(args)
    except EXPECTED as exc:
        return _error(str(exc), getattr(exc, "exit_status", 2))
    except BatchInterrupted as exc:
        print(str(exc), file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(INTERRUPTED.get(args.command, "interrupted; nothing was written"), file=sys.stderr)
        return 130
    except BrokenPipeError:          # e.g. `steppe levers | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except MemoryError:
        return _error("out of memory; try a smaller --scale or fewer --workers", 1)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _error(f"{where}{os_reason(exc)}", 1)
    except Exception as exc:
        if os.environ.get("STEPPE_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        return _error(f"unexpected {type(exc).__name__}: {first} (a bug: please report it with the "
                      "command; STEPPE_DEBUG=1 shows the traceback)", 1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
