"""Shared by the experiment scripts: where studies are cached, and copying a study's paper files.

A study (its runs and analysis) is cached under ``results/studies/<name>``; the paper's files
are copied from it to ``results/experiments/<name>`` (or the folder given on the command line).
Only deterministic files are copied (tables and figures; not ``design.json``, which records the
wall time), so running a script again gives the same bytes.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ROOT / "results" / "studies"
EXPERIMENTS = ROOT / "results" / "experiments"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def out_dir(name: str, argv: list[str]) -> Path:
    out = Path(argv[0]) if argv else EXPERIMENTS / name
    out.mkdir(parents=True, exist_ok=True)
    return out


def copy_files(src: Path, dst: Path, names: list[str]) -> list[Path]:
    written = []
    for n in names:
        if (src / n).is_file():
            shutil.copyfile(src / n, dst / n)
            written.append(dst / n)
    return written


def stored_key(folder: Path) -> dict | None:
    f = folder / "design.json"
    return json.loads(f.read_text(encoding="utf-8"))["key"] if f.is_file() else None


def paths_study(portfolios: int = 500, draws: int = 10, reps: int = 1, trials: int = 64,
                workers: int | None = None):
    """The paper's paths study (all levers with start years, draws from the shipped posterior),
    cached in results/studies/paths[_<size>]; returns (folder, study)."""
    from studies.paths import PathsStudy, run_paths

    study = PathsStudy(portfolios=portfolios, draws=draws, draw_source="posterior" if draws else "default",
                       reps=reps, trials=trials, seed=0, scale=0.2)
    paper = (portfolios, draws, reps, trials) == (500, 10, 1, 64)
    folder = STUDIES / ("paths" if paper else f"paths_{portfolios}x{draws}x{reps}_t{trials}")
    key = json.loads(json.dumps(study.key()))
    if folder.exists() and stored_key(folder) != key:
        print(f"note: {folder} holds another design; running the study again", file=sys.stderr)
        shutil.rmtree(folder)
    if not folder.exists():
        run_paths(study, folder, workers=workers, progress=True)
    return folder, study


def paths_args(description: str):
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("out", nargs="*")
    ap.add_argument("--portfolios", type=int, default=500)
    ap.add_argument("--draws", type=int, default=10, help="posterior draws (0: hand-set parameters)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--trials", type=int, default=64)
    ap.add_argument("--workers", type=int, default=None)
    return ap.parse_args()


def clear_stale(folder: Path, key: dict) -> None:
    """Remove a cached study of another design (e.g. after the model changed) so it runs again."""
    stored = stored_key(folder)
    if stored is not None and stored != json.loads(json.dumps(key)):
        print(f"note: {folder} holds another design (model or budget changed); running the study again",
              file=sys.stderr)
        shutil.rmtree(folder)
        from studies.points import store_path

        if store_path(folder).exists():           # the runs of an interrupted study of that design
            shutil.rmtree(store_path(folder))
