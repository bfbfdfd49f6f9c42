"""The calibrated posterior: load it, check it belongs to this model, and use it.

A posterior is a folder with ``posterior.parquet`` (one row per parameter set: ``"group.param"``
columns and a ``weight``) and ``manifest.json`` (written by ``steppe calibrate``). The one shipped
in ``calibration/posterior/`` is what ``steppe run`` and ``steppe batch --posterior-draws`` use
by default. It is valid only for the model it was calibrated on: a posterior whose
``model_sha256`` differs from the current model's is refused (rebuild it with
``python experiments/calibrate_posterior.py``).

The manifest's ``posterior_sha256`` is the sha256 of ``posterior.parquet``'s bytes, written by
:func:`write_posterior` with the file and checked on every read: a damaged or edited table (one
flipped bit can move a value and still stay inside its prior) is refused with the file named.
``STEPPE_POSTERIOR`` names another default folder, for every command and the app alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.parameter_source import CALIBRATED, CALIBRATED_FORMAT, Calibrated, ParameterSource

FORMAT = "digital-steppe-posterior/1"
SHIPPED = Path(__file__).resolve().parent / "posterior"
POSTERIOR_ENV = "STEPPE_POSTERIOR"


def default_folder() -> Path:
    """The posterior used when none is named: ``$STEPPE_POSTERIOR`` if set, else the shipped one."""
    return Path(os.environ.get(POSTERIOR_ENV) or SHIPPED)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_posterior(folder: str | Path, frame: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``posterior.parquet`` and ``manifest.json`` (with the table's ``posterior_sha256``),
    each to a temporary file renamed into place: no half-written posterior, no stale checksum.
    Returns the manifest as written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pq, mf = folder / "posterior.parquet", folder / "manifest.json"
    tmp_pq, tmp_mf = folder / ".posterior.parquet.tmp", folder / ".manifest.json.tmp"
    try:
        frame.to_parquet(tmp_pq, index=False)
        manifest = {**manifest, "posterior_sha256": file_sha256(tmp_pq)}
        tmp_mf.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        mf.unlink(missing_ok=True)          # never a new table beside an old manifest's checksum
        os.replace(tmp_pq, pq)
        os.replace(tmp_mf, mf)
    finally:
        tmp_pq.unlink(missing_ok=True)
        tmp_mf.unlink(missing_ok=True)
    return manifest


class PosteriorError(ValueError):
    """A posterior that cannot be used; the message names the file and the entry."""


def model_hash() -> str:
    """sha256 of the model source (the one batch manifests record)."""
    from model.parameter_source import model_source_hash

    return model_source_hash()


@dataclass(frozen=True)
class Posterior:
    frame: pd.DataFrame          # parameter columns + "weight" (sums to 1)
    manifest: dict[str, Any]
    path: str

    @property
    def names(self) -> list[str]:
        return [c for c in self.frame.columns if c != "weight"]

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256((Path(self.path) / "posterior.parquet").read_bytes()).hexdigest()

    def source(self, kind: str = "central", draws: int = 0, seed: int = 0) -> ParameterSource:
        """This posterior as the parameter source of runs (:mod:`model.parameter_source`)."""
        return calibrated_of(self).source(kind, draws, seed)

    def describe(self) -> dict[str, Any]:
        """What a run or batch manifest records about the posterior it used."""
        return {"path": shown_path(self.path), "posterior_sha256": self.manifest["posterior_sha256"],
                "model_sha256": self.manifest.get("model_sha256"),
                "targets_sha256": self.manifest.get("targets_sha256"),
                "created": self.manifest.get("created"), "rows": len(self.frame),
                "parameters": self.names}


def load_posterior(path: str | Path | None = None, check_model: bool = True) -> Posterior:
    """Read and check a posterior folder (default: the shipped one). A folder fitted on another model
    version is refused; the shipped one is then used with a :class:`StaleCalibrationWarning` (its
    runs say "stale"), until it is rebuilt."""
    from calibration.space import scalar_space

    folder = Path(path) if path is not None else default_folder()
    pq, mf = folder / "posterior.parquet", folder / "manifest.json"
    for f in (pq, mf):
        if not f.is_file():
            raise PosteriorError(f"{f}: no such file; a posterior folder holds posterior.parquet and "
                                 "manifest.json (written by `steppe calibrate`)")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PosteriorError(f"{mf}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise PosteriorError(f"{mf}: key 'format' is {got!r}; expected {FORMAT!r}")
    wanted = manifest.get("posterior_sha256")
    if not isinstance(wanted, str) or len(wanted) != 64:
        raise PosteriorError(f"{mf}: no key 'posterior_sha256' (the checksum of posterior.parquet), so the table "
                             "cannot be checked; write the posterior with `steppe calibrate` (or "
                             "calibration.posterior.write_posterior)")
    got = file_sha256(pq)
    if got != wanted:
        raise PosteriorError(f"{pq}: damaged or changed since it was written: its sha256 is {got[:12]}, the "
                             f"manifest's posterior_sha256 is {wanted[:12]}; restore the file or calibrate again")
    if check_model and manifest.get("model_sha256") != model_hash() and path is None:
        # The shipped posterior between a model change and its rebuild: used, and named stale, as the
        # model's own default source does (model/parameter_source.py); a folder one names is refused.
        import warnings

        from model.parameter_source import StaleCalibrationWarning

        warnings.warn(f"{shown_path(mf)}: the shipped posterior was fitted on model "
                      f"{str(manifest.get('model_sha256'))[:12]}, not this model ({model_hash()[:12]}); "
                      "rebuild it (python experiments/calibrate_posterior.py)", StaleCalibrationWarning, stacklevel=2)
    elif check_model and manifest.get("model_sha256") != model_hash():
        raise PosteriorError(
            f"{mf}: key 'model_sha256' is {str(manifest.get('model_sha256'))[:12]}, but this model's source "
            f"hashes to {model_hash()[:12]}: the posterior was calibrated on another model version. Rebuild "
            "it (python experiments/calibrate_posterior.py, or steppe calibrate) or run with --prior")
    try:
        frame = pd.read_parquet(pq)
    except Exception as exc:
        raise PosteriorError(f"{pq}: cannot be read as Parquet ({type(exc).__name__}: {exc})") from None
    if "weight" not in frame.columns or len(frame) == 0:
        raise PosteriorError(f"{pq}: expected rows of parameter columns and a 'weight' column")
    known = {v.name: v for v in scalar_space().variables}
    for col in frame.columns:
        if col == "weight":
            continue
        if col not in known:
            raise PosteriorError(f"{pq}: column {col!r} is not a calibration parameter of this model "
                                 "(see `steppe params`)")
        lo, hi = known[col].prior
        vals = frame[col].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(vals) | (vals < lo) | (vals > hi))
        if len(bad):
            raise PosteriorError(f"{pq}: row {int(bad[0])}, column {col!r}: {float(vals[bad[0]]):g} is outside "
                                 f"the prior [{lo:g}, {hi:g}]")
    w = frame["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise PosteriorError(f"{pq}: column 'weight' must hold non-negative numbers with a positive sum")
    frame = frame.assign(weight=w / w.sum())
    return Posterior(frame, manifest, str(folder))


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(x)
    c = np.cumsum(w[order])
    return float(x[order][np.searchsorted(c, 0.5 * c[-1])])


def central(posterior: Posterior) -> dict[str, float]:
    """The central parameter set: the weighted median of each marginal (integers rounded)."""
    from model.problem import PROBLEM

    ints = {v.name for v in PROBLEM.uncertainties if v.kind == "integer"}
    w = posterior.frame["weight"].to_numpy()
    out = {}
    for n in posterior.names:
        m = _weighted_median(posterior.frame[n].to_numpy(dtype=float), w)
        out[n] = float(round(m)) if n in ints else m
    return out


def draw(posterior: Posterior, k: int, seed: int) -> list[dict[str, float]]:
    """``k`` parameter sets drawn with replacement by weight (reproducible from ``seed``)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    from model.parameter_source import draw_rows

    idx = draw_rows(posterior.frame["weight"].to_numpy(), k, seed)
    names = posterior.names
    vals = posterior.frame[names].to_numpy(dtype=float)
    return [{n: float(vals[i, j]) for j, n in enumerate(names) if math.isfinite(vals[i, j])} for i in idx]


def shown_path(path: str | Path) -> str:
    """A path inside the repository relative to it (manifests hold no absolute path); a folder
    outside it by its name only."""
    root = Path(__file__).resolve().parent.parent
    p = Path(path).resolve()
    try:
        return str(p.relative_to(root))
    except ValueError:
        return p.name


def calibrated_of(posterior: Posterior) -> Calibrated:
    """The posterior in the form the model reads (:class:`model.parameter_source.Calibrated`)."""
    names = tuple(posterior.names)
    return Calibrated(names, posterior.frame[list(names)].to_numpy(dtype=float),
                      posterior.frame["weight"].to_numpy(dtype=float), central(posterior), posterior.sha256,
                      str(posterior.manifest.get("model_sha256")), shown_path(posterior.path))


def export_calibrated(posterior: Posterior, path: str | Path = CALIBRATED) -> Path:
    """Write ``model/data/calibrated.json``: the shipped calibrated values the model reads (central
    set, rows and weights, posterior and model hashes). The calibration pipeline calls it after
    rebuilding the shipped posterior; ``python -m calibration.posterior`` re-exports it."""
    import os

    c = calibrated_of(posterior)
    doc = {"format": CALIBRATED_FORMAT, "posterior_sha256": c.posterior_sha256, "model_sha256": c.model_sha256,
           "targets_sha256": posterior.manifest.get("targets_sha256"), "created": posterior.manifest.get("created"),
           "written_by": "calibration.posterior.export_calibrated", "posterior": c.origin,
           "central_rule": "weighted median of each marginal (integers rounded)",
           "names": list(c.names), "central": c.central, "weights": [float(w) for w in c.weights],
           "rows": [[float(x) for x in row] for row in c.table]}
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":      # python -m calibration.posterior [FOLDER]: re-export the shipped values
    import sys

    folder = sys.argv[1] if len(sys.argv) > 1 else None
    out = export_calibrated(load_posterior(folder, check_model=False))
    print(f"wrote {out}")
