"""The paper's experiment scripts write the same bytes when run again (small budgets here; the
full scripts run with `make figures`, and `make figures-check` compares two full runs)."""

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "experiments" / script), *args], check=True, cwd=ROOT,
                   capture_output=True, text=True, timeout=600)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_calibration_report_is_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run("calibration_report.py", str(a))
    run("calibration_report.py", str(b))
    assert set(digests(a)) == {"prior_posterior.png", "predictive.png", "checks.csv", "identifiability.csv",
                               "summary.md"}
    assert digests(a) == digests(b)
    text = (a / "summary.md").read_text(encoding="utf-8")
    assert "fitted targets" in text and "effective sample size" in text


def test_lever_responses_are_byte_identical(tmp_path):
    args = ["--lever", "talent_training_seats_per_year", "--lever", "herder_device_subsidy_rate", "--seeds", "2",
            "--scale", "0.02", "--no-facts"]
    run("lever_responses.py", *args, "--out", str(tmp_path / "a"))
    run("lever_responses.py", *args, "--out", str(tmp_path / "b"))
    assert set(digests(tmp_path / "a")) == {"lever_responses.csv", "lever_responses.png",
                                            "lever_effect_per_100m_cny.csv"}
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
