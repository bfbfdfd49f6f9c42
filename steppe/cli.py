"""The ``steppe`` command, wired in one place: run a scenario, list levers and parameters, run
batches, compare them and check their stores."""

from __future__ import annotations

import argparse
import json
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
from studies.deep import MAX_FUTURES
from studies.engines import default_workers
from studies.errors import BatchError, BatchInterrupted
from studies.store import ResultStore, StoreError

REPO_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def default_scenario() -> Path:
    here = Path("scenarios/baseline.toml")
    return here if here.is_file() else REPO_SCENARIOS / "baseline.toml"


PARAMETERS_HELP = ("where parameter values come from: central (default: the calibrated posterior's central set), "
                   "hand-set (the values in model/params.py) or draws:K (K posterior draws; run r uses set r mod K)")


def _parameter_source_arg(text: str) -> str:
    if text in ("central", "hand-set") or (text.startswith("draws:") and text[6:].isdigit() and int(text[6:]) >= 1):
        return text
    raise argparse.ArgumentTypeError(f"--parameters {text!r}: allowed central, hand-set, draws:K (K >= 1)")


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
    from model.run import run_scenario

    if args.from_store:
        from studies.sweep import stored_run

        if args.scenario:
            raise BatchError("give either a scenario file or --from-store STORE RUN, not both")
        scenario, args.seed, args.scale, used = stored_run(*args.from_store)
        path = Path(args.from_store[0]) / "manifest.json"
    else:
        path = Path(args.scenario) if args.scenario else default_scenario()
        scenario = load_scenario(path, until=args.until)
    if args.out == "":
        raise OutputError("--out is empty; give the name of a new folder", 2)
    out = Path(args.out) if args.out is not None else Path("results") / scenario.name
    if not args.from_store:
        scenario, used = _with_source(scenario, "hand-set" if args.prior else args.parameters, args.posterior,
                                      args.seed)
    staging = prepare_output(out, args.force)       # before the run: a bad --out fails at once
    try:
        start = time.perf_counter()
        print(f"running {scenario.name} ({path}) to end-{scenario.until}, seed {args.seed}, "
              f"scale {args.scale:g}, {used} -> {out} ...", file=sys.stderr)
        result = run_scenario(scenario, seed=args.seed, scale=args.scale, parameter_source=used)
        written = write_outputs(result, out, force=args.force, staging=staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(target_table(result.targets))
    print(f"\n{len(written)} files in {out} ({time.perf_counter() - start:.1f} s): "
          + ", ".join(p.name for p in written), file=sys.stderr)
    return 0


def _with_source(scenario, parameters: str | None, posterior: str | None, seed: int):
    """The scenario with the values of the parameter source (``--parameters``: the posterior
    central set by default) applied where the file leaves a parameter at its hand-set value, and
    the phrase saying which values were used."""
    from studies.batch import parameter_source

    source = parameter_source(parameters, posterior, seed)
    return source.apply(scenario), source.describe()


def _with_posterior(scenario, posterior: str | None):
    """The scenario with the posterior's central parameter set (``posterior`` "" = the shipped
    one, None = hand-set priors), and a phrase saying which parameters were used."""
    if posterior is None:
        return scenario, "hand-set parameters (--prior)", None
    from calibration.posterior import PosteriorError, central, load_posterior
    from calibration.space import apply_unless_set

    try:
        post = load_posterior(posterior or None)
    except PosteriorError as exc:
        raise ScenarioError(str(exc)) from None
    return apply_unless_set(scenario, central(post)), f"calibrated parameters (posterior {post.path})", post


def _print_settings(cls: type, prefix: str = "", costs: dict[str, str] | None = None) -> None:
    for row in describe(cls):
        rng = "" if row["low"] is None else f"[{row['low']:g}, {row['high']:g}]"
        ref = row["source"] or f"calibration prior {row['prior']}"
        print(f"{prefix}{row['name']:<44} {row['default']!s:>14}  {rng:<22} {row['unit']:<22} "
              f"{row['zh']} {row['doc']} ({ref})")
        if costs is not None:
            print(f"{prefix}{'':<44} public cost: {costs[row['name']]}")


def _print_json(doc: dict) -> None:
    import json

    print(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False))


def cmd_levers(args: argparse.Namespace) -> int:
    if args.json:
        from model.problem import levers_document

        _print_json(levers_document())
        return 0
    from model.levers import LEVER_COSTS

    _print_settings(Levers, costs=LEVER_COSTS)
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from dataclasses import fields

    if args.json:
        from model.problem import parameters_document

        _print_json(parameters_document())
        return 0
    from model.problem import parameter_kinds

    kinds = parameter_kinds()
    counts: dict[str, int] = {}
    for f in fields(Parameters):
        print(f"[parameters.{f.name}]")
        for row in describe(type(getattr(Parameters(), f.name))):
            kind, basis = kinds[f"{f.name}.{row['name']}"]
            counts[kind] = counts.get(kind, 0) + 1
            rng = "" if row["low"] is None else f"[{row['low']:g}, {row['high']:g}]"
            prior = f"; prior {row['prior']}" if row["prior"] else ""
            print(f"  {row['name']:<42} {kind:<16} {row['default']!s:>14}  {rng:<22} {row['unit']:<22} "
                  f"{row['zh']} {row['doc']} ({basis}{prior})")
    print("kinds: " + ", ".join(f"{k} {n}" for k, n in counts.items()) + " (see docs/PARAMETERS.md)")
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
    run.add_argument("--from-store", nargs=2, metavar=("STORE", "RUN"), default=None,
                     help="re-run run RUN (SCENARIO/REP; KEY/REP in a study's store) of a batch or study store "
                     "exactly: its scenario, seed, "
                     "scale and parameter values as the store recorded them")
    run.add_argument("--parameters", default=None, metavar="SOURCE", type=_parameter_source_arg,
                     help=PARAMETERS_HELP)
    pg = run.add_mutually_exclusive_group()
    pg.add_argument("--prior", action="store_true",
                    help="use the hand-set parameter values, not the calibrated posterior's central set")
    pg.add_argument("--posterior", metavar="DIR", default=None,
                    help="posterior folder (default: the shipped calibration/posterior)")
    run.set_defaults(func=cmd_run)
    lv = sub.add_parser("levers", help="list the policy levers (--json: with timings, outcomes and "
                        "targets, as docs/problem.schema.json)")
    lv.add_argument("--json", action="store_true", help="machine-readable (docs/problem.schema.json)")
    lv.set_defaults(func=cmd_levers)
    pa = sub.add_parser("params", help="list the behavioural parameters")
    pa.add_argument("--json", action="store_true", help="machine-readable (docs/problem.schema.json)")
    pa.set_defaults(func=cmd_params)
    add_batch_commands(sub)
    add_study_commands(sub)
    add_calibrate_command(sub)
    add_robustness_command(sub)
    add_emulate_command(sub)
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


MAX_RUNS = 50_000      # about a day of one core at scale 0.2: more is a deliberate choice (--many-runs)


def _check_runs(runs: int, what: str, allowed: bool) -> None:
    """Say how many runs a study will start; refuse more than ``MAX_RUNS`` unless --many-runs."""
    print(f"{what} = {runs:,} runs", file=sys.stderr)
    if runs > MAX_RUNS and not allowed:
        raise BatchError(f"{what} = {runs:,} runs, more than {MAX_RUNS:,} (about a day of one core at scale 0.2); "
                         "give smaller numbers, or add --many-runs to start it anyway")


def _check_out_given(out: str) -> None:
    if not out.strip():
        raise OutputError("--out is empty; give the name of a new folder", 2)


def _check_draws(draws: int, reps: int, posterior: str | None) -> None:
    """--posterior without --posterior-draws would be ignored: refuse it. More draws than
    replications: only the first ``reps`` sets are used (replication r uses set r mod K); say so."""
    if posterior is not None and not draws:
        raise BatchError(f"--posterior {posterior!r} is used only with --posterior-draws K (replication r uses "
                         "parameter set r mod K); add --posterior-draws, e.g. 10, or leave out --posterior")
    if draws > reps:
        print(f"note: --posterior-draws {draws} with --reps {reps}: replication r uses parameter set r mod "
              f"{draws}, so only {reps} of the {draws} sets are used; give --reps {draws} to use them all",
              file=sys.stderr)


def cmd_batch(args: argparse.Namespace) -> int:
    if args.out == "":
        raise BatchError("--out is empty; give the result store's folder")
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    _check_draws(args.posterior_draws, args.reps, args.posterior)
    design = Design.from_files(args.scenarios, args.reps, args.seed, args.scale, args.until,
                               args.counties, args.posterior_draws, args.posterior, args.parameters)
    print(f"batch: {len(design.scenarios)} scenario(s) × {design.reps} replication(s) = "
          f"{len(design.scenarios) * design.reps} runs, base seed {design.base_seed}, scale "
          f"{design.scale:g}, {design.source.describe()} -> {args.out}", file=sys.stderr)
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
    if args.set_aside and (bad or state.stray):
        moved = store.set_aside(bad, state.stray)
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
    b.add_argument("--posterior-draws", type=_bounded(int, 0, MAX_REPS, "--posterior-draws"), default=0,
                   metavar="K", help="same as --parameters draws:K: K parameter sets from the calibrated "
                   "posterior; replication r of every scenario uses set r %% K")
    b.add_argument("--parameters", default=None, metavar="SOURCE", type=_parameter_source_arg,
                   help=PARAMETERS_HELP)
    b.add_argument("--posterior", metavar="DIR", default=None,
                   help="posterior folder for --parameters (default: the shipped calibrated values, "
                   "model/data/calibrated.json)")
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


# -- sensitivity and paths (studies/sensitivity.py, studies/paths.py) ------------------------
def cmd_sensitivity(args: argparse.Namespace) -> int:
    from studies.sensitivity import Study, check_budget, check_outcomes, run_study, select_inputs, summary_text

    inputs, skipped = select_inputs(args.over, args.inputs)
    study = Study(args.method, args.over, inputs, check_outcomes(args.outcomes, args.yearly),
                  args.budget if args.budget is not None else (20 if args.method == "morris" else 512),
                  reps=args.reps, seed=args.seed, scale=args.scale, groups=args.groups,
                  second_order=args.second_order, yearly=args.yearly, skipped=skipped, under=args.under)
    check_budget(study)
    study.policy_label()              # an unknown --under is refused before anything is written
    _check_out_given(args.out)
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    _check_runs(study.runs_per_rep() * args.reps, f"sensitivity: {study.runs_per_rep():,} points × {args.reps} rep(s)",
                args.many_runs)
    print(f"sensitivity: {args.method} over {args.over} {study.policy_label()}, {len(inputs)} inputs"
          f"{' in ' + str(study.n_factors) + ' groups' if args.groups else ''} ({len(skipped)} vector "
          f"parameters skipped), {study.runs_per_rep()} points × {args.reps} rep(s), scale {args.scale:g} "
          f"-> {args.out}", file=sys.stderr)
    report = run_study(study, args.out, workers=args.workers, progress=not args.no_progress,
                       dask_address=args.dask, dask_local=args.dask_local)
    print(summary_text(report, study))
    for note in report.notes:
        print(f"warning: {note}", file=sys.stderr)
    if report.recommendation is not None and len(report.recommendation):
        names = " ".join(report.recommendation["input"])
        print(f"\nSobol subset recommended by this screen ({len(report.recommendation)} inputs):\n"
              f"  steppe sensitivity --method sobol --over {args.over} --inputs {names} --out DIR",
              file=sys.stderr)
    print(f"{report.runs} runs in {report.wall_s:.1f} s; results in {report.out}", file=sys.stderr)
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    from studies.paths import PathsStudy, run_paths

    draws, source = (args.posterior_draws, "posterior") if args.posterior_draws else (
        (args.prior_draws, "prior") if args.prior_draws else (0, "default"))
    study = PathsStudy(levers=args.levers or PathsStudy().levers, portfolios=args.portfolios, draws=draws,
                       draw_source=source, reps=args.reps, seed=args.seed, scale=args.scale, p=args.p,
                       trials=args.trials, timing=not args.no_timing, packages=not args.no_packages)
    _check_out_given(args.out)
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    n_pkg = len(list(REPO_SCENARIOS.glob("*.toml"))) if study.packages else 0
    _check_runs((args.portfolios + args.trials + n_pkg) * max(draws, 1) * args.reps,
                f"paths: ({args.portfolios} portfolios + {args.trials} trials + {n_pkg} packages) × {max(draws, 1)} "
                f"parameter set(s) × {args.reps} rep(s)", args.many_runs)
    report = run_paths(study, args.out, workers=args.workers, progress=not args.no_progress,
                       dask_address=args.dask, dask_local=args.dask_local)
    t = report.table
    print(f"{len(t)} portfolios, {report.runs} runs in {report.wall_s:.1f} s -> {report.out}")
    print("highest probability of meeting each target: "
          + ", ".join(f"{c[2:]} {t[c].max():.2f}" for c in t.columns if c.startswith("P_")))
    if report.cheapest is not None:
        c = report.cheapest
        print(f"cheapest portfolio with P(all met) >= {args.p:g}: #{int(c['portfolio'])}, "
              f"{c['cost_cny'] / 1e6:.0f} million CNY, P(all) {c['P_all']:.2f}")
    if report.prim.stats:
        print(f"PRIM box for P(all met) >= {args.p:g}: " + json.dumps(report.prim.stats))
        print(report.prim.box.to_string())
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    from studies.paths import deep_uncertainty_record

    print(f"note: {deep_uncertainty_record()['line']}", file=sys.stderr)
    return 0


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """--workers | --dask ADDRESS | --dask-local N, as for `steppe batch` (studies run on the sweep engine)."""
    ex = parser.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                    help=f"local worker processes (default: all cores, here {default_workers()})")
    ex.add_argument("--dask", metavar="ADDRESS", default=None,
                    help="run on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786)")
    ex.add_argument("--dask-local", type=_bounded(int, 1, 4096, "--dask-local"), metavar="N",
                    default=None, help="start a Dask LocalCluster of N worker processes on loopback")


def add_study_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``sensitivity`` and ``paths``."""
    s = sub.add_parser("sensitivity", help="Morris screening or Sobol indices of the 2027 outcomes (SALib)",
                       description="Global sensitivity of the end-2027 outcomes to the behavioural "
                       "parameters (their priors or the posterior) or to the levers. See docs/STUDIES.md.")
    s.add_argument("--method", choices=("morris", "sobol"), required=True)
    s.add_argument("--over", choices=("prior", "levers", "posterior", "deep"), default="prior",
                   help="inputs and ranges: parameter priors (default), lever ranges, the posterior, or the "
                   "deep uncertainties")
    s.add_argument("--under", metavar="SCENARIO", default=None,
                   help="hold this scenario's levers (a library package such as full_plan_003, or a TOML "
                   "file) while the parameters vary; default: 2024 policy, labelled as such")
    s.add_argument("--inputs", nargs="+", default=None, metavar="NAME",
                   help="only these inputs (lever names or group.parameter names)")
    s.add_argument("--outcomes", nargs="+", default=None, metavar="NAME",
                   help="only these outcomes (T1..T8, T1_margin.., targets_met, herder_platform_share, ...)")
    s.add_argument("--budget", type=_bounded(int, 1, 10**7, "--budget"), default=None,
                   help="Morris: trajectories r (default 20); Sobol: base sample N, a power of two (default 512)")
    s.add_argument("--groups", action="store_true", help="group inputs by submodel / lever group")
    s.add_argument("--second-order", action="store_true", help="Sobol: also second-order indices")
    s.add_argument("--yearly", action="store_true", help="also indices of December values 2025-2027")
    s.add_argument("--reps", type=_bounded(int, 1, 1000, "--reps"), default=1,
                   help="replications per point, averaged (common random numbers)")
    s.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0)
    s.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2,
                   help="agents per household or firm (default 0.2, the scale calibration validated)")
    add_executor_options(s)
    s.add_argument("--no-progress", action="store_true")
    s.add_argument("--out", required=True, help="output folder (new, or a study of the same design); an "
                   "interrupted study is resumed by the same command")
    s.add_argument("--many-runs", action="store_true", help=f"start a study of more than {MAX_RUNS:,} runs")
    s.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("paths", help="lever portfolios that reach the 2027 targets, PRIM/CART, least-cost "
                       "Pareto front", description="Sample lever portfolios, evaluate them over parameter "
                       "draws × replications, discover the lever ranges that reach the targets and the "
                       "least-cost portfolios. See docs/STUDIES.md.")
    p.add_argument("--levers", nargs="+", default=None, metavar="NAME", help="levers to vary (default all)")
    p.add_argument("--portfolios", type=_bounded(int, 1, 10**6, "--portfolios"), default=200)
    d = p.add_mutually_exclusive_group()
    d.add_argument("--posterior-draws", type=_bounded(int, 1, 10**5, "--posterior-draws"), default=None,
                   metavar="K", help="parameter sets drawn from the calibrated posterior")
    d.add_argument("--prior-draws", type=_bounded(int, 1, 10**5, "--prior-draws"), default=None,
                   metavar="K", help="parameter sets from a Latin hypercube of the priors")
    p.add_argument("--reps", type=_bounded(int, 1, 1000, "--reps"), default=3)
    p.add_argument("--trials", type=_bounded(int, 0, 10**5, "--trials"), default=64,
                   help="NSGA-II portfolios after the sample (0: none)")
    p.add_argument("--p", type=_bounded(float, 1e-9, 1.0, "--p"), default=0.8,
                   help="attainment probability that counts as reaching the targets (default 0.8)")
    p.add_argument("--no-timing", action="store_true", help="levers start in 2025 (no start-year axis)")
    p.add_argument("--no-packages", action="store_true", help="do not place scenarios/*.toml on the front")
    p.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0)
    p.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2,
                   help="agents per household or firm (default 0.2, the scale calibration validated)")
    add_executor_options(p)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--out", required=True, help="output folder (must not exist); an interrupted study is "
                   "resumed by the same command")
    p.add_argument("--many-runs", action="store_true", help=f"start a study of more than {MAX_RUNS:,} runs")
    p.set_defaults(func=cmd_paths)
# -- robustness under deep uncertainty (studies/robustness.py, issue 18) -----------------------
def cmd_robustness(args: argparse.Namespace) -> int:
    from studies.robustness import RobustnessStudy, run_robustness, summary_text

    study = RobustnessStudy(levers=args.levers or RobustnessStudy().levers, portfolios=args.portfolios,
                            packages=list(args.packages), posterior_draws=args.posterior_draws,
                            futures=args.futures, deep=list(args.deep or []), reps=args.reps, seed=args.seed,
                            scale=args.scale, timing=not args.no_timing, ceilings_mcny=list(args.ceilings or []))
    _check_out_given(args.out)
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    n_ports = args.portfolios + len(args.packages)
    n_futures = max(args.posterior_draws, 1) * args.futures
    _check_runs(n_ports * n_futures * args.reps, f"robustness: {n_ports} portfolios × {n_futures} futures × "
                f"{args.reps} rep(s)", args.many_runs)
    report = run_robustness(study, args.out, workers=args.workers, progress=not args.no_progress,
                            dask_address=args.dask, dask_local=args.dask_local)
    print(f"{len(report.table)} portfolios, {report.runs} runs in {report.wall_s:.1f} s -> {report.out}; "
          f"deep uncertainties from the {report.deep_source}")
    print(summary_text(report))
    print("\nmost robust within each budget ceiling (scenario files in scenarios/):")
    for _, r in report.at_ceilings.iterrows():
        print(f"  <= {r['ceiling_mcny']:g} M CNY: {r['name']}")
    print("\nvulnerability (PRIM over the futures):")
    for line in report.sentences:
        print("  " + line)
    return 0


def add_robustness_command(sub: argparse._SubParsersAction) -> None:
    """Register ``robustness``."""
    r = sub.add_parser("robustness", help="portfolios × futures under deep uncertainty: satisficing, regret, "
                       "cost, vulnerability (PRIM/CART)", description="Evaluate lever portfolios and library "
                       "packages in futures (posterior draws × a Latin hypercube over the deep uncertainties), "
                       "with common random numbers. See docs/STUDIES.md.")
    r.add_argument("--levers", nargs="+", default=None, metavar="NAME", help="levers to vary (default all)")
    r.add_argument("--portfolios", type=_bounded(int, 0, 10**6, "--portfolios"), default=200,
                   help="Latin-hypercube portfolios (0: the packages only)")
    r.add_argument("--packages", nargs="*", default=["full_plan_003", "baseline"], metavar="NAME",
                   help="library packages (scenarios/NAME.toml) evaluated beside them")
    r.add_argument("--posterior-draws", type=_bounded(int, 0, 10**5, "--posterior-draws"), default=10,
                   metavar="K", help="calibrated parameter sets from the posterior (0: hand-set values)")
    r.add_argument("--futures", type=_bounded(int, 1, 10**5, "--futures"), default=10, metavar="L",
                   help="Latin-hypercube points over the deep uncertainties, crossed with the draws")
    r.add_argument("--deep", nargs="+", default=None, metavar="NAME",
                   help="deep uncertainties (group.parameter, over its prior); default the problem's list")
    r.add_argument("--reps", type=_bounded(int, 1, 1000, "--reps"), default=1)
    r.add_argument("--ceilings", nargs="+", type=_bounded(float, 1e-6, 1e9, "--ceilings"), default=None,
                   metavar="MCNY", help="budget ceilings, million CNY (default: cost terciles and the top)")
    r.add_argument("--no-timing", action="store_true", help="levers start in 2025 (no start-year axis)")
    r.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0)
    r.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2,
                   help="agents per household or firm (default 0.2, the scale calibration validated)")
    add_executor_options(r)
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("--out", required=True, help="output folder (must not exist); an interrupted study is "
                   "resumed by the same command")
    r.add_argument("--many-runs", action="store_true", help=f"start a study of more than {MAX_RUNS:,} runs")
    r.set_defaults(func=cmd_robustness)


def cmd_emulate(args: argparse.Namespace) -> int:
    from studies.emulator import EmulatorStudy, run_emulator, summary_text
    from studies.sensitivity import select_inputs

    inputs, _ = select_inputs(args.over, args.inputs)
    study = EmulatorStudy(inputs, under=args.under, train=args.train, rounds=args.rounds, batch=args.batch,
                          validate=args.validate, sobol_n=args.sobol_n, search=args.search, reps=args.reps,
                          seed=args.seed, scale=args.scale)
    _check_out_given(args.out)
    _check_workers("--workers", args.workers)
    _check_workers("--dask-local", args.dask_local)
    _check_runs((args.train + args.rounds * args.batch + args.validate + args.search) * args.reps,
                f"emulate: ({args.train} training + {args.rounds} × {args.batch} adaptive + {args.validate} held-out + "
                f"{args.search} search) × {args.reps} rep(s)", args.many_runs)
    report = run_emulator(study, args.out, workers=args.workers, dask_address=args.dask,
                          dask_local=args.dask_local, progress=not args.no_progress)
    print(f"emulator of {len(inputs)} inputs from {report.runs} simulation runs, {report.wall_s:.1f} s "
          f"-> {report.out}")
    print(summary_text(report))
    return 0


def add_emulate_command(sub: argparse._SubParsersAction) -> None:
    """Register ``emulate``."""
    e = sub.add_parser("emulate", help="a Gaussian-process emulator of the 2027 outcomes: adaptive training, "
                       "held-out validation, Sobol with 10^5 evaluations, portfolio search re-run by simulation",
                       description="See docs/STUDIES.md.")
    e.add_argument("--over", choices=("deep", "levers", "prior", "posterior"), default="deep",
                   help="inputs and ranges (default: the deep uncertainties)")
    e.add_argument("--inputs", nargs="+", default=None, metavar="NAME", help="only these inputs")
    e.add_argument("--under", metavar="SCENARIO", default=None,
                   help="hold this scenario's levers while parameters vary (e.g. full_plan_003)")
    e.add_argument("--train", type=_bounded(int, 2, 10**5, "--train"), default=64, help="initial runs")
    e.add_argument("--rounds", type=_bounded(int, 0, 100, "--rounds"), default=2, help="adaptive rounds")
    e.add_argument("--batch", type=_bounded(int, 1, 10**4, "--batch"), default=16, help="runs per round")
    e.add_argument("--validate", type=_bounded(int, 5, 10**5, "--validate"), default=32, help="held-out runs")
    e.add_argument("--sobol-n", type=_bounded(int, 1, 10**8, "--sobol-n"), default=100_000,
                   help="at least this many emulator evaluations for Sobol (default 100,000)")
    e.add_argument("--search", type=_bounded(int, 0, 1000, "--search"), default=0,
                   help="with --over levers: portfolios to find on the emulator and re-run by simulation")
    e.add_argument("--reps", type=_bounded(int, 1, 1000, "--reps"), default=1)
    e.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0)
    e.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2)
    add_executor_options(e)
    e.add_argument("--no-progress", action="store_true")
    e.add_argument("--out", required=True, help="output folder (must not exist)")
    e.add_argument("--many-runs", action="store_true", help=f"start a study of more than {MAX_RUNS:,} runs")
    e.set_defaults(func=cmd_emulate)


# -- the app and its report (issue 11) ---------------------------------------------------------
def cmd_app(args: argparse.Namespace) -> int:
    from app.server import AddressError, serve

    _check_workers("--workers", args.workers)
    if args.packages_dir is not None and (not args.packages_dir.strip() or (
            os.path.exists(args.packages_dir) and not os.path.isdir(args.packages_dir))):
        return _error(f"--packages-dir {args.packages_dir!r}: not a folder; give the folder where the app saves "
                      "scenario files (it is made if missing)", 2)
    try:
        return serve(args.host, args.port, args.packages_dir, args.workers)
    except AddressError as exc:
        return _error(str(exc), 2)


CLI_TEXT = {
    "posterior": {"en": "the calibrated posterior cannot be used ({detail}); give --prior to run with the hand-set "
                        "priors, or --posterior DIR for another posterior",
                  "zh": "校准后验不能使用（{detail}）；加 --prior 改用手设先验默认值，"
                        "或用 --posterior DIR 指定另一后验"},
}


def _message_lang(given: str | None) -> str:
    """The language of error lines: --lang if given, else the locale's (zh_* -> zh), else English."""
    if given:
        return given
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _report_staging(out: Path, force: bool) -> Path:
    """Check the report file --out before any run and make a hidden staging file beside it (a
    folder that cannot be written fails at once); an existing file is replaced only with --force."""
    import tempfile

    if out.is_symlink() or (out.exists() and not out.is_file()):
        kind = "a symbolic link" if out.is_symlink() else "a folder or other non-file"
        raise OutputError(f"{out}: is {kind}; give a new .html or .pdf file as --out", 1)
    if out.exists() and not force:
        raise OutputError(f"{out}: exists; add --force to replace it, or give another --out (nothing was written)", 2)
    parent = Path(os.path.abspath(out)).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{out.name}.tmp-", suffix=out.suffix)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write into {parent} ({os_reason(exc)}); nothing was written", 1) from None
    return Path(tmp)


def cmd_report(args: argparse.Namespace) -> int:
    from app.export import write
    from app.messages import t
    from app.packages import PackageError, load_file
    from app.results import build, deep_line
    from app.runner import Request, RunService

    say = _message_lang(args.lang)      # error lines: --lang, else the locale, else English
    lang = args.lang or "zh"            # the report itself: Chinese unless --lang en
    suffix = Path(args.out).suffix.lower()
    if not args.out.strip() or suffix not in (".html", ".htm", ".pdf"):
        print(f"error: {t('cli_format', say, path=args.out)}", file=sys.stderr)
        return 2
    try:
        pkgs = tuple(load_file(p) for p in args.scenarios)
    except PackageError as exc:
        print(f"error: {exc.text(say)}", file=sys.stderr)
        return 2
    from app.posterior import choose
    from calibration.posterior import PosteriorError

    if args.prior and (args.posterior is not None or args.posterior_draws is not None):
        pairs = (("--posterior", args.posterior), ("--posterior-draws", args.posterior_draws))
        given = " and ".join(o for o, v in pairs if v is not None)
        print(f"note: --prior: the hand-set parameters are used, so {given} is ignored", file=sys.stderr)
    draws = 0 if args.posterior_draws is None else args.posterior_draws   # 0: the central set
    try:
        params = choose(draws, args.seed, prior=args.prior, path=args.posterior)
    except PosteriorError as exc:
        print(f"error: {CLI_TEXT['posterior'][say].format(detail=exc)}", file=sys.stderr)
        return 2
    if params.info is not None:
        print(f"parameters: {draws} set(s) drawn from the posterior {params.info['path']}",
              file=sys.stderr)
        if draws > args.reps:
            print(f"note: --posterior-draws {draws} with --reps {args.reps}: replication r uses parameter set r "
                  f"mod {draws}, so only {args.reps} of the {draws} sets are used", file=sys.stderr)
    runs = len(pkgs) * args.reps * (1 + args.futures)
    if args.futures:
        print(t("cli_runs_futures", say, n=len(pkgs), reps=args.reps, L=args.futures, runs=runs), file=sys.stderr)
    else:
        print(t("cli_runs", say, n=len(pkgs), reps=args.reps, runs=runs), file=sys.stderr)
    if runs > MAX_RUNS and not args.many_runs:
        print(f"error: {t('cli_too_many_runs', say, runs=runs, limit=MAX_RUNS)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    staging = _report_staging(out, args.force)
    start = time.perf_counter()
    try:
        service = RunService(workers=args.workers)
        try:
            job = service.run(Request(pkgs, args.reps, args.scale, args.seed, params, args.futures))
        finally:
            service.close()
        comp = build(job)
        write(comp, lang, str(staging))
        os.replace(staging, out)
    finally:
        for left in (staging, *staging.parent.glob(f".{staging.name}.tmp-*")):
            left.unlink(missing_ok=True)
    print(t("cli_written", lang, path=args.out, n=len(pkgs), reps=args.reps,
            seconds=time.perf_counter() - start), file=sys.stderr)
    print(deep_line(comp, lang), file=sys.stderr)     # what every result but the futures holds fixed
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
    r.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="report language (default zh); error lines follow --lang, else the locale, else English")
    r.add_argument("--force", action="store_true", help="replace an existing report file")
    r.add_argument("--posterior-draws", type=_bounded(int, 1, 200, "--posterior-draws"), default=None, metavar="K",
                   help="parameter sets drawn from the calibrated posterior; replication r of every package "
                        "uses set r mod K (default 0: the posterior's central set, as every entry point)")
    r.add_argument("--prior", action="store_true",
                   help="use the hand-set priors instead of the calibrated posterior")
    r.add_argument("--posterior", default=None, metavar="DIR",
                   help="posterior folder (default: the shipped calibration/posterior, or $STEPPE_POSTERIOR)")
    r.add_argument("--futures", type=_bounded(int, 0, MAX_FUTURES, "--futures"), default=0, metavar="L",
                   help="also run every package in L futures across the deep uncertainties (a Latin hypercube "
                        "over their ranges from --seed, shared by every package), reported in a separate "
                        "section; default 0: the deep uncertainties at their central values only")
    r.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                   help="simulation processes (default: all cores)")
    r.add_argument("--many-runs", action="store_true", help=f"start a report of more than {MAX_RUNS:,} runs")
    r.set_defaults(func=cmd_report)


EXPECTED = (BatchError, StoreError, ScenarioError, OutputError, SettingError)
INTERRUPTED = {"batch": "interrupted before any run was stored",
               "compare": "interrupted; no report was written",
               "store-check": "interrupted; nothing was moved"}


def _error(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _budget(text: str) -> tuple[int | None, float | None]:
    """``--budget``: N runs, or N minutes written ``Nm``/``Nmin``."""
    t = text.strip().lower()
    try:
        if t.endswith(("min", "m")):
            minutes = float(t.removesuffix("min").removesuffix("m"))
            if not 0 < minutes <= 7 * 24 * 60:
                raise ValueError
            return None, minutes
        runs = int(t)
        if not 1 <= runs <= 10**8:
            raise ValueError
        return runs, None
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget {text!r}: expected a number of runs (e.g. 8000) or of "
                                         "minutes (e.g. 25m), positive") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    from calibration.abc import CalibrationError, Runner, Settings
    from calibration.calibrate import calibrate
    from calibration.posterior import PosteriorError
    from calibration.targets import TargetError, load_targets

    kw = {}
    if args.budget is not None:
        kw["budget_runs"], kw["budget_minutes"] = args.budget
    if args.parameters is not None:
        kw["parameters"] = tuple(p.strip() for p in args.parameters.split(",") if p.strip())
        if not kw["parameters"]:
            return _error(f"--parameters {args.parameters!r} names no parameter; give names separated by commas, "
                          "e.g. talent.adequacy_initial,herders.literacy_mean (or leave it out to screen them)", 2)
    settings = Settings(scale=args.scale, seed=args.seed, population=args.population,
                        held_out=tuple(args.hold_out or ()), predictive_runs=args.predictive_runs,
                        scale_check_runs=args.scale_check_runs, **kw)
    runner = Runner(workers=args.workers, dask_address=args.dask, dask_local=args.dask_local)
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        targets = load_targets(args.targets, until=settings.until)
        calibrate(args.out, settings, targets, runner, force=args.force)
    except (TargetError, CalibrationError, PosteriorError, BatchError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _end_children()
        print(f"interrupted; what was computed is kept in {args.out}/work: run the same command again "
              "to go on", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _end_children() -> None:
    """End the worker processes an interrupted command leaves (pyabc's are daemons, but the
    console exits without the interpreter's clean-up that would end them)."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


def add_calibrate_command(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("calibrate", help="calibrate the behavioural parameters to the targets (ABC-SMC)",
                       description="Screen the parameters (Morris), calibrate those that move the targets "
                       "of calibration/targets.toml with ABC-SMC, and write the posterior, its manifest "
                       "and a report to --out. Interrupted, the same command resumes. See docs/CALIBRATION.md.")
    c.add_argument("--budget", type=_budget, default=None,
                   help="at most this many runs (e.g. 8000), every stage included, or minutes of ABC (e.g. "
                   "25m); a generation the budget cannot finish is cut and the posterior is the last "
                   "complete one; default 20000 runs or 25 minutes, whichever comes first")
    c.add_argument("--out", default="results/calibration", help="output folder (default results/calibration): new, "
                   "or a calibration to resume; a finished one is replaced only with --force")
    c.add_argument("--force", action="store_true",
                   help="replace a finished calibration in --out (only a folder holding nothing else)")
    c.add_argument("--targets", default=None, help="targets file (default calibration/targets.toml)")
    c.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=0.2,
                   help="agents per household or firm in calibration runs (default 0.2; see the scale check)")
    c.add_argument("--seed", type=_bounded(int, 0, 2**32 - 1, "--seed"), default=0)
    c.add_argument("--population", type=_bounded(int, 10, 100000, "--population"), default=400,
                   help="ABC particles per generation (default 400)")
    c.add_argument("--predictive-runs", type=_bounded(int, 2, 100000, "--predictive-runs"), default=60,
                   help="prior and posterior predictive runs for the checks (default 60 each)")
    c.add_argument("--scale-check-runs", type=_bounded(int, 2, 1000, "--scale-check-runs"), default=6,
                   help="prior draws run at --scale and at full scale to check they agree (default 6)")
    c.add_argument("--hold-out", action="append", metavar="TARGET",
                   help="leave this target out of the fit and report how well the posterior predicts it")
    c.add_argument("--parameters", default=None,
                   help="comma-separated parameters to calibrate (skips the screening)")
    ex = c.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                    help=f"local worker processes (default: all cores, here {default_workers()})")
    ex.add_argument("--dask", metavar="ADDRESS", default=None, help="run on the Dask scheduler at ADDRESS")
    ex.add_argument("--dask-local", type=_bounded(int, 1, 4096, "--dask-local"), metavar="N", default=None,
                    help="start a Dask LocalCluster of N worker processes on loopback")
    c.set_defaults(func=cmd_calibrate)


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input ends with one ``error:`` line and exit status 2, a fault of the
    system (read-only or full disk, no permission) with status 1, Ctrl-C or SIGTERM with 130;
    never a traceback (``STEPPE_DEBUG=1`` shows it for unexpected errors)."""
    import warnings

    from model.parameter_source import StaleCalibrationWarning

    # every command prints its parameter source, which says "stale" itself: no second warning line
    warnings.filterwarnings("ignore", category=StaleCalibrationWarning)
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


def console() -> None:
    """The ``steppe`` command: :func:`main`, then leave at once. Tearing the interpreter down
    (freeing every module and array one by one) took 0.36 s after a full-scale run, for nothing:
    every file is closed and every worker ended by then, so the output streams are flushed and
    the process exits without it."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):     # a reader that left (`steppe levers | head`)
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    console()
