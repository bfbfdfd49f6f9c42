"""Which parameters the app's runs use, by the one parameter rule (:mod:`model.parameter_source`):
the calibrated posterior's central set (``draws = 0``, as every entry point's default), K parameter
sets drawn from it, or the hand-set values. The shipped values are read from
``model/data/calibrated.json`` (a stale file is used and named "stale"); a posterior folder named by
``STEPPE_POSTERIOR`` or ``path`` is loaded and checked against the model.

Replication r of every package uses parameter set r mod K, applied with
:func:`calibration.space.apply_unless_set` (a value a package sets itself wins), with the same
seed: packages stay paired (common random numbers and common parameters). The sets are drawn
with :func:`calibration.posterior.draw` from the request's base seed, so a request is
reproducible. The posterior folder is the shipped one unless ``STEPPE_POSTERIOR`` names another
(:func:`calibration.posterior.default_folder`, the same rule as every ``steppe`` command).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.messages import t
from calibration.posterior import POSTERIOR_ENV, Posterior, PosteriorError, default_folder, load_posterior

__all__ = ["POSTERIOR_ENV", "Parameters", "choose", "describe", "error_text", "folder", "load"]
DEFAULT_DRAWS = 0      # the central set, as every entry point (model.simulate, steppe run/batch/report)
MAX_DRAWS = 200


@dataclass(frozen=True)
class Parameters:
    """The parameter sets of a request (empty: hand-set priors) and what the report says of them."""

    sets: tuple[dict[str, float], ...] = ()
    info: dict[str, Any] | None = None        # None: hand-set priors

    @property
    def key(self) -> tuple:
        """What the results depend on: the posterior file's hash, K and the draw seed."""
        if self.info is None:
            return ("prior",)
        return (self.info["posterior_sha256"], self.info["draws"], self.info["draw_seed"],
                self.info.get("kind", "draws"))


PRIORS = Parameters()


def folder() -> Path:
    return default_folder()


_loaded: dict[tuple, Posterior] = {}


def load(path: str | Path | None = None) -> Posterior:
    """The posterior (checked against this model), re-read only when its files change."""
    p = Path(path) if path is not None else folder()
    stamp = tuple((f.stat().st_mtime_ns, f.stat().st_size) if f.is_file() else None
                  for f in (p / "manifest.json", p / "posterior.parquet"))
    key = (str(p.resolve()), stamp)
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = load_posterior(p)   # raises PosteriorError with the file and key
    return _loaded[key]


def choose(draws: int, seed: int, prior: bool = False, path: str | Path | None = None) -> Parameters:
    """``draws`` parameter sets from the posterior, drawn from ``seed``; ``draws = 0`` the central
    set (the default of every entry point); or the hand-set values (``prior``)."""
    if prior:
        return PRIORS
    if not 0 <= draws <= MAX_DRAWS:
        raise PosteriorError(f"posterior draws {draws} is out of range; allowed [0 (the central set), {MAX_DRAWS}]")
    if path is None and not os.environ.get(POSTERIOR_ENV):
        from model.parameter_source import ParameterSourceError, load_calibrated

        try:
            cal = load_calibrated()
        except ParameterSourceError as exc:
            raise PosteriorError(str(exc)) from None
        src = cal.source("draws" if draws else "central", draws, seed)
        info = {"path": cal.origin, "posterior_sha256": cal.posterior_sha256, "model_sha256": cal.model_sha256,
                "rows": len(cal.table), "created": None, "runs": None, "ess": None}
    else:
        post = load(path)
        src = post.source("draws" if draws else "central", draws, seed)
        m = post.manifest
        info = {**post.describe(), "runs": _runs(m.get("runs")), "ess": m.get("posterior_ess")}
    info.update({"draws": draws, "draw_seed": seed, "kind": src.kind, "description": src.describe(),
                 "rule": "replication r of every package uses parameter set r mod draws" if draws else
                 "every run uses the central set"})
    return Parameters(src.sets, info)


def _runs(runs: Any) -> int | None:
    if isinstance(runs, int):
        return runs
    if isinstance(runs, dict):
        for k in ("abc", "this_session", "total"):
            if isinstance(runs.get(k), int):
                return runs[k]
    return None


def describe(info: dict[str, Any] | None, lang: str) -> str:
    """One line for the page and the report: the posterior's manifest, or the hand-set priors."""
    if info is None:
        return t("posterior_priors", lang)
    if info.get("kind") == "central":      # the line every entry point prints, then what K does
        return t("posterior_central", lang, what=str(info["description"]))
    created = str(info.get("created") or "–").replace("T", " ").rstrip("Z")
    ess = info.get("ess")
    return t("posterior_line", lang, model=str(info.get("model_sha256") or "–")[:12], created=created,
             runs="–" if info.get("runs") is None else info["runs"], rows=info.get("rows", "–"),
             ess="–" if ess is None else f"{float(ess):.1f}", k=info["draws"],
             sha=str(info.get("posterior_sha256", ""))[:12])


def error_text(exc: Exception, lang: str) -> str:
    """A posterior that cannot be used, in the user's language (the loader's detail follows)."""
    detail = str(exc)
    key = "posterior_mismatch" if "model_sha256" in detail else "posterior_unusable"
    return f"{t(key, lang)} ({detail})"
