"""The ``steppe`` command: run a scenario, list levers and parameters."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from model.levers import Levers
from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE
from model.params import Parameters
from model.scenario import MAX_UNTIL, MIN_UNTIL, ScenarioError, load_scenario
from model.settings import describe

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
    from model.outputs import target_table, write_outputs
    from model.run import simulate

    path = Path(args.scenario) if args.scenario else default_scenario()
    scenario = load_scenario(path, until=args.until)
    start = time.perf_counter()
    print(f"running {scenario.name} ({path}) to end-{scenario.until}, seed {args.seed}, "
          f"scale {args.scale:g} ...", file=sys.stderr)
    result = simulate(scenario, seed=args.seed, scale=args.scale)
    written = write_outputs(result, Path(args.out))
    print(target_table(result.targets))
    print(f"\n{len(written)} files in {args.out} ({time.perf_counter() - start:.1f} s): "
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
    run.add_argument("--out", default="results/baseline", help="output folder")
    run.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=1.0,
                     help="agents per household or firm (0.1: one agent per ten)")
    run.add_argument("--until", type=_bounded(int, MIN_UNTIL, MAX_UNTIL, "--until"), default=None,
                     help="last simulated year (default: the scenario's, else 2027)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("levers", help="list the policy levers").set_defaults(func=cmd_levers)
    sub.add_parser("params", help="list the behavioural parameters").set_defaults(func=cmd_params)
    from model.batch import add_commands
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
