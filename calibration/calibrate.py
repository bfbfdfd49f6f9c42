"""``steppe calibrate``: the whole calibration, from targets to a posterior with its report.

Output folder ``OUT``::

    posterior.parquet   parameter sets ("group.param" columns) and their normalised ``weight``
    manifest.json       model and targets hashes, seed, method settings, run counts, wall time
    report/             report.md, prior_posterior.png, predictive.png, identifiability.csv,
                        checks.csv, screening.csv, scale_check.csv
    work/               resumable state: screening, scale check, the pyabc SQLite history

The posterior and manifest are written last, each to a temporary file renamed into place, so
an interrupted calibration leaves no half-written posterior; the same command resumes it.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.abc import (
    STATE,
    CalibrationError,
    Progress,
    Runner,
    Settings,
    check_table,
    identifiability,
    predictive,
    resample,
    run_abc,
    say_stderr,
    scale_check,
    screen,
    select,
)
from calibration.posterior import FORMAT, model_hash, write_posterior
from calibration.space import Space, scalar_space
from calibration.targets import Target, TargetSet, load_targets

ABC_SPACE = "normal quantile of the uniform prior, standard normal prior (calibration.abc.to_prior_space)"


def _shown_path(path: str | Path, out: str | Path) -> str:
    """A path as a manifest records it: relative to the repository when inside it, else relative
    to the calibration's folder ``out`` (a manifest names no developer's folder)."""
    root = Path(__file__).resolve().parent.parent
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return os.path.relpath(Path(path).resolve(), Path(out).resolve())


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _cached(path: Path, make) -> pd.DataFrame:
    if path.is_file():
        return pd.read_parquet(path)
    frame = make()
    _atomic_write(path, lambda p: frame.to_parquet(p))
    return frame


def _check_state(work: Path, key: dict[str, Any]) -> None:
    """A work folder may only be resumed by the same calibration (model, targets, settings)."""
    path = work / STATE
    key = json.loads(json.dumps(key))      # tuples as lists, as stored
    if not path.is_file():
        path.write_text(json.dumps({"key": key}))
        return
    state = json.loads(path.read_text())
    old = state.get("key", {})
    diff = sorted(k for k in set(old) | set(key) if old.get(k) != key.get(k))
    if diff:
        raise CalibrationError(
            f"{work}: this work folder belongs to another calibration (differs in: {', '.join(diff)}); "
            "use another --out, or delete the folder to start afresh")


OUTPUTS = ("posterior.parquet", "manifest.json", "report", "work")


def check_out(out: str | Path, force: bool, key: dict[str, Any]) -> Path:
    """The output folder, checked before any run: new or empty, a calibration to resume (``work/``
    only), or a finished one (replaced only with ``force``). A folder holding anything else (a
    ``steppe run`` folder, a user's files) is refused even with ``force``."""
    from model.outputs import OutputError

    if not str(out).strip():
        raise OutputError("--out is empty; give the name of a new folder", 2)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; give a new folder as --out", 1)
    if not out.is_dir():
        return out
    names = {p.name for p in out.iterdir() if not (p.name.startswith(".") and p.name.endswith(".tmp"))}
    foreign = sorted(names - set(OUTPUTS))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise CalibrationError(f"{out}: holds files that are not a calibration's ({shown}); not used even "
                               "with --force: give a new folder as --out")
    finished = bool(names & {"posterior.parquet", "manifest.json", "report"})
    state = out / "work" / STATE
    try:
        same = (json.loads(state.read_text()).get("key") == json.loads(json.dumps(key)) if state.is_file()
                else names == {"work"})        # a work folder not yet stamped: this calibration's start
    except (OSError, ValueError):
        same = False
    if same or not names:
        return out              # a new folder, or this very calibration to resume (or re-run)
    if not force:
        what = "a finished calibration" if finished else "another calibration's work"
        raise CalibrationError(f"{out}: holds {what} ({', '.join(sorted(names))}); add --force to replace it, or "
                               "give another --out (nothing was run)")
    if (out / "work").exists():
        import shutil

        shutil.rmtree(out / "work")     # another calibration's work: --force starts afresh
    return out


def check_request(settings: Settings, targets: TargetSet) -> None:
    """--parameters and --hold-out, before any run: each name must be usable, else one line with
    the names that are."""
    space = scalar_space()
    if settings.parameters:
        from dataclasses import fields

        from model.params import Parameters

        known = set(space.names)
        every = {f"{g.name}.{f.name}" for g in fields(Parameters) for f in fields(getattr(Parameters(), g.name))}
        for name in settings.parameters:
            if name in known:
                continue
            why = ("is a vector or has no calibration prior (a sourced, fixed value)" if name in every
                   else "is not a parameter of this model")
            raise CalibrationError(f"--parameters: {name!r} {why}; calibratable parameters: {', '.join(space.names)}")
    fitted = [t.id for t in targets.active]
    for name in settings.held_out:
        target = next((t for t in targets.targets if t.id == name), None)
        if target is None:
            raise CalibrationError(f"--hold-out {name!r}: no such target in {targets.path}; fitted targets: "
                                   + ", ".join(fitted))
        if target.status != "active":
            raise CalibrationError(f"--hold-out {name!r}: the target is {target.status!r}, never fitted, so "
                                   f"holding it out would change nothing; fitted targets: {', '.join(fitted)}")


def stage_runs(settings: Settings, work: Path, started_abc: bool) -> dict[str, int]:
    """Runs each stage still needs in this session (stages cached in ``work/`` need none)."""
    n_params = len(scalar_space().names)
    return {"scale check": 0 if (work / "scale_check.parquet").is_file() or settings.scale == 1.0
            else 2 * settings.scale_check_runs,
            "screening": 0 if settings.parameters or (work / "screening.parquet").is_file()
            else settings.morris_trajectories * (n_params + 1),
            # a calibration sample (population runs), then a generation at about the half acceptance of
            # the median epsilon schedule (2 x population runs)
            "ABC (at least)": settings.population * (2 if started_abc else 3),
            # prior and posterior predictive runs, then the like-for-like runs (hand-set point, priors)
            "predictive and like-for-like checks": 4 * settings.predictive_runs}


def check_budget(settings: Settings, need: dict[str, int]) -> None:
    if settings.budget_runs is not None and settings.budget_runs < sum(need.values()):
        parts = ", ".join(f"{k} {v}" for k, v in need.items() if v)
        raise CalibrationError(
            f"--budget {settings.budget_runs} runs is less than this calibration needs: {parts} (the ABC needs a "
            f"calibration sample and one generation of --population {settings.population} at about half "
            f"acceptance); give --budget "
            f"{sum(need.values())} or more, or a smaller --population or --predictive-runs")


def calibrate(out: str | Path, settings: Settings, targets: TargetSet | None = None,
              runner: Runner | None = None, say=say_stderr, force: bool = False) -> dict[str, Any]:
    """Run (or resume) a calibration into ``out``; returns the manifest. Everything the request
    names is checked before the first run; the run budget is a ceiling (see :func:`run_abc`)."""
    start = time.monotonic()
    targets = targets if targets is not None else load_targets(until=settings.until)
    check_request(settings, targets)
    if settings.held_out:
        fitted = targets.without(settings.held_out)
    else:
        fitted = targets
    if not fitted.active:
        raise CalibrationError("no active target left to calibrate on")
    key = {"model_sha256": model_hash(), "targets_sha256": targets.sha256, "abc_space": ABC_SPACE,
           **settings.key()}
    out = check_out(out, force, key)
    work = out / "work"
    started = (work / "abc.db").is_file()
    check_budget(settings, stage_runs(settings, work, started))
    runner = runner or Runner()
    work.mkdir(parents=True, exist_ok=True)
    _check_state(work, key)
    space = scalar_space()
    progress = Progress(time.monotonic(), settings.budget_runs, settings.budget_minutes, 0)
    try:
        say(f"scale check: {settings.scale_check_runs} prior draws at scale {settings.scale:g} and 1")
        scale_tab = _cached(work / "scale_check.parquet", lambda: scale_check(fitted, space, settings, runner))
        worst = scale_tab.sort_values("mean_abs_diff_tol").iloc[-1]
        say(f"scale check: largest mean difference {worst['mean_abs_diff_tol']:.2f} tolerances ({worst['target']})")
        if settings.parameters:
            chosen = list(settings.parameters)
            screening = pd.DataFrame()
        else:
            n = settings.morris_trajectories * (len(space.names) + 1)
            say(f"screening: Morris, {len(space.names)} parameters, {n} runs")
            screening = _cached(work / "screening.parquet", lambda: screen(fitted, space, settings, runner))
            chosen = select(screening, settings)
        if not chosen:
            raise CalibrationError("no parameter moves the targets (screening found none above "
                                   f"{settings.screen_threshold:g} tolerances)")
        sub = space.subset(chosen)
        say(f"calibrating {len(chosen)} parameters: {', '.join(chosen)}")
        post, facts = run_abc(sub, fitted, settings, runner, work, say, progress,
                              reserve=4 * settings.predictive_runs)
        if facts.get("budget_note"):
            say(f"note: {facts['budget_note']}")
        say(f"predictive checks: {settings.predictive_runs} prior and {settings.predictive_runs} posterior runs")
        # The prior predictive draws every parameter from its prior (the uncertainty before
        # calibration); the posterior predictive draws the calibrated ones from the posterior and
        # keeps the rest at their hand-set values, as projections do.
        rng = np.random.default_rng([settings.seed, 7])
        prior_pts = [dict(zip(space.names, row, strict=True))
                     for row in space.sample(settings.predictive_runs, rng)]
        post_pts = resample(post, settings.predictive_runs, settings.seed)
        prior_pred = predictive(targets.measured, prior_pts, settings, runner, "prior predictive")
        post_pred = predictive(targets.measured, post_pts, settings, runner, "posterior predictive")
        # Like for like: (a) the hand-set point (every parameter at its hand-set value, chance varying)
        # and (b) the calibrated parameters drawn from their priors, the rest hand-set as in the
        # posterior runs; (c) is the posterior predictive above.
        say(f"like-for-like checks: {settings.predictive_runs} runs at the hand-set point and "
            f"{settings.predictive_runs} with the calibrated parameters from their priors")
        rng_b = np.random.default_rng([settings.seed, 8])
        sub_prior_pts = [dict(zip(sub.names, row, strict=True))
                         for row in sub.sample(settings.predictive_runs, rng_b)]
        hand_pred = predictive(targets.measured, [{}] * settings.predictive_runs, settings, runner, "hand-set point")
        sub_prior_pred = predictive(targets.measured, sub_prior_pts, settings, runner, "calibrated from priors")
    finally:
        runner.close()
    checks = check_table(targets.measured, prior_pred, post_pred, settings.held_out,
                         like={"handset": hand_pred, "calibrated_prior": sub_prior_pred})
    fitted_rows = checks[checks["role"] == "fitted"]
    like_for_like = {
        "note": "mean over fitted targets of the share of runs in which each holds: (a) the hand-set point, "
                "(b) the calibrated parameters drawn from their priors with the rest hand-set as in the "
                "posterior runs, (c) the posterior predictive; (prior) every parameter from its prior",
        "handset": round(float(fitted_rows["handset_holds_share"].mean()), 3),
        "calibrated_from_priors": round(float(fitted_rows["calibrated_prior_holds_share"].mean()), 3),
        "posterior": round(float(fitted_rows["posterior_holds_share"].mean()), 3),
        "all_from_priors": round(float(fitted_rows["prior_holds_share"].mean()), 3)}
    point = checks[checks["point_covered"].notna()]
    ident = identifiability(sub, post)
    wall = time.monotonic() - start
    manifest = {
        "format": FORMAT,
        "model_sha256": key["model_sha256"],
        "targets_file": _shown_path(targets.path, out),
        "targets_sha256": targets.sha256,
        "targets_used": [t.id for t in fitted.active],
        "targets_held_out": list(settings.held_out),
        "targets_pending": [t.id for t in targets.pending],
        "targets_checks": [t.id for t in targets.checks],
        "seed": settings.seed,
        "method": "ABC-SMC (pyabc), Morris screening (SALib)",
        "abc_space": ABC_SPACE,
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.__dict__.items()},
        "parameters": chosen,
        "fixed_parameters": [n for n in space.names if n not in chosen],
        "fixed_note": "parameters not calibrated keep their hand-set values (model/params.py) in projections",
        "runs": {"this_session": runner.runs, "abc": facts["abc_runs"],
                 "like_for_like": 2 * settings.predictive_runs,
                 "screening": 0 if screening.empty else int(settings.morris_trajectories * (len(space.names) + 1)),
                 "predictive": 2 * settings.predictive_runs, "scale_check": 2 * settings.scale_check_runs,
                 "note": "stages cached in work/ by an earlier session (screening, scale check) are not "
                         "counted in this_session, nor in wall_s"},
        "abc": {**facts, "database": _shown_path(facts["database"], out)},
        "wall_s": round(wall, 1),
        "runs_per_s": round(runner.runs / runner.seconds, 2) if runner.seconds > 0 else None,
        "posterior_rows": len(post),
        "posterior_ess": round(float(1 / np.sum(np.square(post["weight"].to_numpy()))), 1),
        "coverage": {"targets": int(checks["covered"].sum()), "of": len(checks),
                     "fitted": int(checks.query("role == 'fitted'")["covered"].sum()),
                     "of_fitted": int((checks["role"] == "fitted").sum()),
                     "meaning": "band overlap: the 90% posterior predictive interval meets observed ± tolerance"},
        "point_coverage": {"targets": int(point["point_covered"].astype(bool).sum()), "of": len(point),
                           "meaning": "the observed value (targets with a point value) inside the 90% "
                                      "posterior predictive interval"},
        "like_for_like": like_for_like,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
    }
    report = out / "report"
    staging = out / ".report.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:       # a fresh report folder: no stale file of an earlier calibration (e.g. screening.csv)
        write_report(staging, sub, post, checks, ident, screening, scale_tab, manifest, targets)
        shutil.rmtree(report, ignore_errors=True)
        os.replace(staging, report)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = write_posterior(out, post, manifest)
    if manifest["posterior_ess"] < 0.1 * len(post):
        say(f"warning: the posterior's effective sample size is {manifest['posterior_ess']} of {len(post)} "
            "particles (weights concentrated on a few): draws repeat the same sets; give a larger --budget "
            "or --population")
    say(f"posterior of {len(post)} parameter sets -> {out / 'posterior.parquet'}; report in {report}; "
        f"{runner.runs} runs in {wall / 60:.1f} min ({manifest['runs_per_s']} runs/s)")
    return manifest


# -- report -----------------------------------------------------------------------------------
def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def _md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c]) for c in cols) + " |")
    return "\n".join(lines)


def plot_marginals(space: Space, post: pd.DataFrame, path: Path) -> None:
    """Prior (flat, dashed) and weighted posterior histograms of the calibrated parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from model.plotting import save

    k = len(space.variables)
    cols = 4
    rows = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for ax, v in zip(axes.flat, space.variables, strict=False):
        lo, hi = v.prior
        ax.hist(post[v.name], bins=20, range=(lo, hi), weights=post["weight"], density=True,
                color="tab:blue", alpha=0.7, label="posterior")
        ax.axhline(1 / (hi - lo), color="0.3", ls="--", lw=1, label="prior")
        ax.axvline(float(v.default), color="tab:red", lw=1, label="hand-set")
        ax.set_title(v.name.split(".", 1)[1], fontsize=8)
        ax.set_yticks([])
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle("Prior (dashed) and posterior marginals; red: hand-set value", fontsize=10)
    fig.tight_layout()
    save(fig, str(path), dpi=110)


def plot_predictive(checks: pd.DataFrame, targets: Sequence[Target], path: Path) -> None:
    """One row per target: 90% prior and posterior predictive intervals against the observed value
    or band, in tolerances from it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from model.plotting import save

    tg = {t.id: t for t in targets}
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(checks) + 1.2))
    for i, r in enumerate(checks.itertuples()):
        t = tg[r.target]
        lo, hi = t.interval()
        centre = t.observed if t.observed is not None else (lo if math.isfinite(lo) else hi)
        def z(x, t=t, centre=centre):
            return (x - centre) / t.tolerance
        for dy, name, colr in ((0.15, "prior", "0.6"), (-0.15, "posterior", "tab:blue")):
            a, m, b = getattr(r, f"{name}_q05"), getattr(r, f"{name}_median"), getattr(r, f"{name}_q95")
            ax.plot([z(a), z(b)], [i + dy, i + dy], color=colr, lw=3, solid_capstyle="butt")
            ax.plot([z(m)], [i + dy], "o", color=colr, ms=3)
        zl = z(lo) if math.isfinite(lo) else -8
        zh = z(hi) if math.isfinite(hi) else 8
        ax.fill_betweenx([i - 0.35, i + 0.35], max(zl, -8), min(zh, 8), color="tab:green", alpha=0.2)
    ax.set_yticks(range(len(checks)))
    ax.set_yticklabels([f"{r.target}{'' if r.role == 'fitted' else f' ({r.role})'}" for r in checks.itertuples()],
                       fontsize=7)
    ax.set_xlim(-8, 8)
    ax.set_xlabel("measure, in tolerances from the observed value (bands: from the bound)")
    ax.set_title("90% predictive intervals: prior (grey), posterior (blue); green: observed / allowed", fontsize=9)
    ax.invert_yaxis()
    fig.tight_layout()
    save(fig, str(path), dpi=110)


def write_report(folder: Path, space: Space, post: pd.DataFrame, checks: pd.DataFrame, ident: pd.DataFrame,
                 screening: pd.DataFrame, scale_tab: pd.DataFrame, manifest: dict[str, Any],
                 targets: TargetSet) -> None:
    plot_marginals(space, post, folder / "prior_posterior.png")
    plot_predictive(checks, targets.measured, folder / "predictive.png")

    checks.to_csv(folder / "checks.csv", index=False)
    ident.to_csv(folder / "identifiability.csv", index=False)
    scale_tab.to_csv(folder / "scale_check.csv", index=False)
    if not screening.empty:
        screening.to_csv(folder / "screening.csv")
    c = manifest["coverage"]
    pc = manifest.get("point_coverage", {})
    lf = manifest.get("like_for_like", {})
    text = [
        "# Calibration report",
        "",
        f"Method: {manifest['method']}; {manifest['runs']['this_session']} runs in {manifest['wall_s'] / 60:.1f} min "
        f"({manifest['runs_per_s']} runs/s); ABC: {manifest['abc']['generations']} generations, epsilon "
        + " → ".join(f"{e:.3g}" for e in manifest["abc"]["epsilons"])
        + f", stopped by {manifest['abc']['stopped_by']}. Scale {manifest['settings']['scale']}, seed "
        f"{manifest['seed']}. Model sha256 {manifest['model_sha256'][:12]}, targets sha256 "
        f"{manifest['targets_sha256'][:12]}. Posterior: {manifest['posterior_rows']} particles, effective "
        f"sample size {manifest['posterior_ess']}.",
        "",
        f"Band overlap: the observed value's tolerance band meets the 90% posterior predictive "
        f"interval for {c['fitted']} of {c['of_fitted']} fitted targets ({c['targets']} of {c['of']} with "
        f"the held-out targets and the checks). Point coverage: the observed value itself lies inside the "
        f"interval for {pc.get('targets', '–')} of {pc.get('of', '–')} targets with a point value. Like for like "
        f"(mean share of runs in which a fitted target holds): hand-set point {lf.get('handset', '–')}, "
        f"calibrated parameters from their priors (rest hand-set) {lf.get('calibrated_from_priors', '–')}, "
        f"posterior {lf.get('posterior', '–')} (every parameter from its prior: "
        f"{lf.get('all_from_priors', '–')}). The prior predictive draws every parameter from its prior; "
        "the posterior predictive draws the calibrated ones from the posterior and keeps the rest at their "
        "hand-set values, as projections do. Checks (status \"check\") hold in every prior draw and are not "
        "fitted.",
        "",
        "## Targets: observed against predictive intervals (5%, median, 95%) and share of runs that hold",
        "",
        _md_table(checks[["target", "kind", "role", "observed", "prior_q05", "prior_median", "prior_q95",
                          "prior_holds_share", "posterior_q05", "posterior_median", "posterior_q95",
                          "posterior_holds_share", "covered", "point_covered",
                          *[c for c in ("handset_holds_share", "calibrated_prior_holds_share") if c in checks]]]),
        "",
        "![predictive](predictive.png)",
        "",
        "## Identifiability (posterior 90% width / prior 90% width)",
        "",
        _md_table(ident[["parameter", "prior_low", "prior_high", "default", "posterior_q05", "posterior_median",
                         "posterior_q95", "width_ratio", "verdict"]]),
        "",
        "![marginals](prior_posterior.png)",
        "",
        f"Not calibrated (hand-set values kept): {len(manifest['fixed_parameters'])} parameters; see screening.csv.",
        "Pending targets (not yet comparable with the model; see targets.toml): "
        f"{', '.join(manifest['targets_pending']) or 'none'}.",
        "",
        "## Scale check (mean |measure at calibration scale − at scale 1|, in tolerances)",
        "",
        _md_table(scale_tab),
        "",
    ]
    (folder / "report.md").write_text("\n".join(text), encoding="utf-8")

