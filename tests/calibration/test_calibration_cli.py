"""`steppe calibrate` end to end at a tiny budget; bad input gives one clear line and writes
nothing; `steppe run` and `steppe batch` use the posterior."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd

from calibration.posterior import SHIPPED, load_posterior
from steppe.cli import main


def _absolute_paths(value) -> list[str]:
    """Every string in a manifest that is an absolute path."""
    if isinstance(value, dict):
        return [p for v in value.values() for p in _absolute_paths(v)]
    if isinstance(value, list):
        return [p for v in value for p in _absolute_paths(v)]
    return [value] if isinstance(value, str) and value.startswith("/") else []


def test_the_shipped_manifest_names_no_absolute_path():
    assert not _absolute_paths(json.loads((SHIPPED / "manifest.json").read_text()))


def test_calibrate_writes_posterior_manifest_and_report(tmp_path, capsys):
    out = tmp_path / "cal"
    args = ["calibrate", "--out", str(out), "--scale", "0.02", "--population", "10", "--budget", "70",
            "--parameters", "herders.bass_q_per_year,talent.adequacy_initial", "--workers", "1",
            "--predictive-runs", "4", "--scale-check-runs", "2", "--hold-out", "A_compute_growth"]
    assert main(args) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["parameters"] == ["herders.bass_q_per_year", "talent.adequacy_initial"]
    assert m["targets_held_out"] == ["A_compute_growth"] and "A_compute_growth" not in m["targets_used"]
    assert m["runs"]["abc"] >= 10 and m["wall_s"] > 0 and m["runs_per_s"] > 0
    assert m["runs"]["this_session"] <= 70          # the budget is a ceiling, every stage included
    assert not _absolute_paths(m), _absolute_paths(m)   # a manifest names no developer's folder
    assert m["abc"]["database"] == "work/abc.db"
    post = load_posterior(out)
    assert len(post.frame) == 10
    for name in ("report.md", "prior_posterior.png", "predictive.png", "checks.csv", "identifiability.csv"):
        assert (out / "report" / name).is_file(), name
    checks = pd.read_csv(out / "report" / "checks.csv")
    assert bool(checks.set_index("target").loc["A_compute_growth", "held_out"])
    # like for like: hand-set point, calibrated parameters from their priors, posterior; point coverage
    lf = m["like_for_like"]
    assert all(0 <= lf[k] <= 1 for k in ("handset", "calibrated_from_priors", "posterior", "all_from_priors"))
    assert {"point_covered", "handset_holds_share", "calibrated_prior_holds_share"} <= set(checks.columns)
    assert m["point_coverage"]["of"] == int(checks["point_covered"].notna().sum())
    assert "Point coverage" in (out / "report" / "report.md").read_text()
    # the same command again resumes: no new ABC generation is needed, the posterior is rewritten
    assert main(args) == 0
    assert "resuming ABC-SMC" in capsys.readouterr().err


def test_bad_targets_file_is_one_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "t.toml"
    text = (SHIPPED.parent / "targets.toml").read_text().replace('tolerance = 0.05', 'tolerance = -0.05', 1)
    bad.write_text(text)
    out = tmp_path / "cal"
    assert main(["calibrate", "--targets", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "target 'W1_shallow_persists': key 'tolerance'" in err[0]
    assert not out.exists()


def test_unknown_held_out_target_writes_nothing(tmp_path, capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "--hold-out", "nope", "--out", str(out)]) == 2
    assert "--hold-out 'nope': no such target" in capsys.readouterr().err
    assert not out.exists()


def test_run_uses_the_posterior_unless_prior(tmp_path, capsys):
    assert main(["run", "--scale", "0.02", "--out", str(tmp_path / "post")]) == 0
    assert "posterior central set of " in capsys.readouterr().err
    assert main(["run", "--scale", "0.02", "--prior", "--out", str(tmp_path / "prior")]) == 0
    a = pd.read_csv(tmp_path / "post" / "league.csv")
    b = pd.read_csv(tmp_path / "prior" / "league.csv")
    assert not a.equals(b)


def test_run_refuses_a_posterior_of_another_model(tmp_path, capsys):
    folder = tmp_path / "p"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("report"))
    m = json.loads((folder / "manifest.json").read_text())
    m["model_sha256"] = "f" * 64
    (folder / "manifest.json").write_text(json.dumps(m))
    out = tmp_path / "run"
    assert main(["run", "--scale", "0.02", "--posterior", str(folder), "--out", str(out)]) == 2
    assert "another model version" in capsys.readouterr().err
    assert not out.exists()


def test_batch_posterior_draws_keep_common_random_numbers(tmp_path):
    out = tmp_path / "b"
    scen = str(SHIPPED.parent.parent / "scenarios" / "baseline.toml")
    copy = tmp_path / "copy.toml"
    text = (SHIPPED.parent.parent / "scenarios" / "baseline.toml").read_text()
    copy.write_text(re.sub(r'(?m)^name = .*$', 'name = "copy"', text))
    assert main(["batch", scen, str(copy), "--reps", "2", "--posterior-draws", "2", "--scale", "0.02",
                 "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    rec = m["design"]["parameters"]
    assert rec["draws"] == 2 and len(rec["posterior_sha256"]) == 64 and len(rec["sets"]) == 2
    lg = pd.read_parquet(out / "league")
    # identical scenarios with the same replication share seed and parameter set: identical runs
    def one(name, rep):
        return lg[(lg.scenario == name) & (lg.rep == rep)].drop(columns=["run_id", "scenario"]).reset_index(drop=True)

    for rep in (0, 1):
        pd.testing.assert_frame_equal(one("baseline", rep), one("copy", rep))
    r0 = lg[(lg.scenario == "baseline") & (lg.rep == 0)].reset_index(drop=True)
    r1 = lg[(lg.scenario == "baseline") & (lg.rep == 1)].reset_index(drop=True)
    assert not r0["talent_adequacy"].equals(r1["talent_adequacy"])
