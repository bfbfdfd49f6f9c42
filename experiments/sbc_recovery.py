"""Simulation-based calibration (Talts et al. 2018) of the shipped calibration problem.

    python experiments/sbc_recovery.py [--truths 20] [--population 100] [--generations 4]
                                       [--scale 0.1] [--workers N] [--out results/sbc]

For each of ``--truths`` synthetic truths drawn from the prior of the shipped calibrated parameters
(the names in ``calibration/posterior/manifest.json``; the rest hand-set, as in calibration), one run
at the truth gives synthetic observations of every fitted target of ``calibration/targets.toml``
(same measures and tolerances; the observed value or band replaced by the synthetic value). The
shipped ABC-SMC pipeline (:func:`calibration.abc.run_abc`, same settings except population,
generations and scale) calibrates each at the reduced budget. Per parameter: the coverage of the
central 50% and 90% posterior intervals (a calibrated method covers about 50% and 90% of truths) and
the rank of the truth among ``L`` = 99 weighted posterior draws, whose histogram is uniform for a
calibrated method. Writes ``sbc.csv`` (one row per truth and parameter), ``coverage.csv`` and
``ranks.png``; prints the wall time. The default budget is large (about 20 x 4 x 100 / 0.4 runs):
run it on an idle machine. ``tests/calibration/test_calibration_sbc.py`` runs a tiny version (slow).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calibration.abc import Progress, Runner, Settings, run_abc, run_point, seeds_for, weighted_quantile  # noqa: E402
from calibration.posterior import SHIPPED  # noqa: E402
from calibration.space import scalar_space  # noqa: E402
from calibration.targets import TargetSet, load_targets  # noqa: E402

RANK_DRAWS = 99


def synthetic(targets: TargetSet, measures: dict[str, float]) -> TargetSet:
    """The fitted targets with their observation replaced by the synthetic measure (tolerance kept)."""
    out = [dataclasses.replace(t, observed=float(measures[t.id]), lower=None, upper=None)
           for t in targets.active if np.isfinite(measures[t.id])]
    return TargetSet(tuple(out), "<synthetic>", "", targets.until)


def sbc(names: list[str], truths: int, settings: Settings, runner: Runner, work: Path,
        say=lambda s: None) -> pd.DataFrame:
    """One row per (truth, parameter): truth, posterior 25/75/5/95% quantiles, rank among L draws."""
    space = scalar_space().subset(names)
    targets = load_targets(until=settings.until)
    rng = np.random.default_rng([settings.seed, 0x5BC])
    X = space.sample(truths, rng)
    obs_seeds = seeds_for(settings.seed, "sbc obs", truths)
    rows = []
    for k, row in enumerate(X):
        truth = dict(zip(names, row, strict=True))
        measures = run_point(truth, obs_seeds[k], settings.scale, settings.until, targets.active)
        tg = synthetic(targets, measures)
        folder = work / f"truth{k:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        s = dataclasses.replace(settings, seed=settings.seed + 1000 + k)
        post, facts = run_abc(space, tg, s, runner, folder, say,
                              Progress(time.monotonic(), settings.budget_runs, settings.budget_minutes, 0))
        w = post["weight"].to_numpy()
        draw = np.random.default_rng([settings.seed, k]).choice(len(post), size=RANK_DRAWS, p=w / w.sum())
        for n in names:
            x = post[n].to_numpy()
            q = weighted_quantile(x, w, [0.05, 0.25, 0.75, 0.95])
            rows.append({"truth_id": k, "parameter": n, "truth": truth[n], "q05": q[0], "q25": q[1], "q75": q[2],
                         "q95": q[3], "rank": int(np.sum(x[draw] < truth[n])), "generations": facts["generations"],
                         "final_epsilon": facts["epsilons"][-1], "abc_runs": facts["abc_runs"]})
        say(f"truth {k + 1}/{truths}: {facts['generations']} generations, epsilon {facts['epsilons'][-1]:.3g}")
    frame = pd.DataFrame(rows)
    frame["in50"] = (frame["q25"] <= frame["truth"]) & (frame["truth"] <= frame["q75"])
    frame["in90"] = (frame["q05"] <= frame["truth"]) & (frame["truth"] <= frame["q95"])
    return frame


def coverage(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("parameter").agg(truths=("truth", "size"), coverage50=("in50", "mean"),
                                          coverage90=("in90", "mean")).reset_index()


def plot_ranks(frame: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(frame["parameter"]))
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.2 * rows), squeeze=False)
    for ax, n in zip(axes.flat, names, strict=False):
        r = frame.loc[frame["parameter"] == n, "rank"]
        ax.hist(r, bins=10, range=(0, RANK_DRAWS + 1), color="tab:blue")
        ax.axhline(len(r) / 10, color="0.3", ls="--", lw=1)
        ax.set_title(n.split(".", 1)[1], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank of the truth among {RANK_DRAWS} posterior draws (uniform if calibrated)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truths", type=int, default=20)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "results" / "sbc"))
    ap.add_argument("--parameters", default=None, help="comma-separated (default: the shipped calibrated set)")
    args = ap.parse_args(argv)
    names = (args.parameters.split(",") if args.parameters else
             json.loads((SHIPPED / "manifest.json").read_text())["parameters"])
    settings = Settings(scale=args.scale, population=args.population, max_generations=args.generations,
                        min_epsilon=0.3, seed=args.seed, budget_runs=None, budget_minutes=None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    frame = sbc(names, args.truths, settings, Runner(workers=args.workers), out / "work",
                say=lambda s: print(s, file=sys.stderr, flush=True))
    wall = time.monotonic() - start
    frame.to_csv(out / "sbc.csv", index=False)
    cov = coverage(frame)
    cov.to_csv(out / "coverage.csv", index=False)
    plot_ranks(frame, out / "ranks.png")
    print(cov.to_string(index=False))
    print(f"{args.truths} truths, {int(frame.groupby('truth_id')['abc_runs'].first().sum())} ABC runs in "
          f"{wall / 60:.1f} min -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
