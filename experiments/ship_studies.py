"""Ship the paper's robustness and paths studies with the app: copy their tables and the robust
portfolios' scenario files from results/studies to studies/shipped, with a manifest of what was
run (design, runs, wall time, the model's source hash), for the app's "study results" tab.

    python experiments/ship_studies.py [--robustness DIR] [--paths DIR] [--out DIR]

Default: results/studies/robustness and results/studies/paths (run experiments/robustness.py and
experiments/paths_prim.py first) into studies/shipped. The copy is refused when a study is
missing or unfinished; the old shipped folder is replaced only once the new one is complete.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from _common import ROOT, STUDIES, copy_files

ROBUSTNESS_FILES = ["robustness.csv", "robust_at_ceilings.csv", "vulnerability_boxes.csv", "vulnerability.txt",
                    "futures.csv", "cart.txt"]
PATHS_FILES = ["portfolios.csv", "pareto_front.csv", "packages.csv", "prim_per_target.csv", "prim.json",
               "notes.txt"]


def design(folder: Path) -> dict:
    f = folder / "design.json"
    if not f.is_file():
        sys.exit(f"error: {folder}: no design.json (the study has not finished; run its experiment script)")
    return json.loads(f.read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robustness", type=Path, default=STUDIES / "robustness")
    ap.add_argument("--paths", type=Path, default=STUDIES / "paths")
    ap.add_argument("--out", type=Path, default=ROOT / "studies" / "shipped")
    args = ap.parse_args()
    rob, paths = design(args.robustness), design(args.paths)
    rk, pk = rob["key"], paths["key"]
    if rk["model_sha256"] != pk["model_sha256"]:
        sys.exit("error: the robustness and paths studies were run on different models; run both again")
    manifest = {
        "format": "digital-steppe-shipped-studies/1",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "written_by": "experiments/ship_studies.py",
        "model_sha256": rk["model_sha256"],
        "robustness": {"command": "python experiments/robustness.py", "portfolios": rk["portfolios"],
                       "packages": rk["packages"], "posterior_draws": rk["posterior_draws"],
                       "deep_points": rk["futures"], "futures": rob["futures"], "reps": rk["reps"],
                       "deep_count": len(rk["deep_ranges"]), "scale": rk["scale"], "seed": rk["seed"],
                       "runs_total": rob["runs_total"], "wall_s": rob["wall_s"]},
        "paths": {"command": "python experiments/paths_prim.py", "portfolios": pk["portfolios"],
                  "trials": pk["trials"], "draws": pk["draws"], "draw_source": pk["draw_source"], "reps": pk["reps"],
                  "p": pk["p"], "scale": pk["scale"], "seed": pk["seed"], "runs_total": paths["runs_total"],
                  "wall_s": paths["wall_s"]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".shipping-", dir=args.out.parent))
    tmp.chmod(0o755)                    # mkdtemp makes it private; the shipped folder is for everyone
    for sub, src, names in (("robustness", args.robustness, ROBUSTNESS_FILES), ("paths", args.paths, PATHS_FILES)):
        (tmp / sub).mkdir()
        copy_files(src, tmp / sub, names)
    shutil.copytree(args.robustness / "scenarios", tmp / "robustness" / "scenarios")
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if args.out.exists():
        shutil.rmtree(args.out)
    tmp.rename(args.out)
    print(f"shipped {args.robustness} and {args.paths} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
