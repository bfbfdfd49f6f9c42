"""The result store: readable by pandas, a manifest with provenance, and no loss on a corrupt
file, a full disk or a kill between the files of a part."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from _batch_common import TWO_LEVERS, assert_same_tables, design, write_scenarios

import studies.store as store_mod
from steppe.cli import main
from studies.batch import rep_seed, run_batch
from studies.compare import write_report
from studies.store import ResultStore, StoreError


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (".lock", "manifest.json")}


@pytest.fixture
def scen(tmp_path: Path) -> list[Path]:
    return write_scenarios(tmp_path / "scen", {
        "alpha": TWO_LEVERS, "beta": 'description = "b"\n[levers]\nexchange_service_base = true\n'})


@pytest.fixture
def stored(tmp_path, scen) -> Path:
    """A finished batch of 2 scenarios × 3 replications in 3 parts."""
    out = tmp_path / "out"
    run_batch(design(scen, 3), out, workers=1, progress=False, flush_runs=2)
    return out


def test_tables_read_with_plain_pandas(stored):
    league = pd.read_parquet(stored / "league")
    assert len(league) == 6 * 36 and league.groupby("run_id").size().eq(36).all()
    assert {"run_id", "scenario", "rep", "seed", "date", "data_industry_cny_per_year"} <= set(league)
    targets = pd.read_parquet(stored / "targets")
    assert len(targets) == 6 * 8 and str(targets["met"].dtype) == "boolean"
    costs = pd.read_parquet(stored / "costs")
    assert {"year", "lever", "lever_zh", "cost_cny"} <= set(costs)
    runs = pd.read_parquet(stored / "runs")
    assert runs["run_id"].is_unique and len(runs) == 6
    assert sorted(runs["part"].unique()) == [1, 2, 3]


def test_manifest_records_design_texts_hashes_seeds_versions_and_times(stored, scen):
    m = json.loads((stored / "manifest.json").read_text(encoding="utf-8"))
    d = m["design"]
    assert [s["name"] for s in d["scenarios"]] == ["alpha", "beta"]
    for s, path in zip(d["scenarios"], scen, strict=True):
        text = path.read_text(encoding="utf-8")
        assert s["sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert m["scenario_texts"][s["name"]] == text
        assert (stored / "scenarios" / f"{s['name']}.toml").read_text(encoding="utf-8") == text
    assert (d["reps"], d["base_seed"], d["scale"], d["until"], d["counties"]) == (3, 0, 0.05, None, False)
    assert m["seeds"] == [rep_seed(0, r) for r in range(3)]
    assert len(d["model_sha256"]) == 64 and d["model_version"]
    assert m["package_version"] and "git_commit" in m and m["created"] and m["completed"]
    (session,) = m["sessions"]
    assert session["status"] == "completed" and session["runs_new"] == 6
    assert session["started"] <= session["ended"]


def test_corrupt_part_is_refused_naming_the_file_and_nothing_is_lost(stored, scen, capsys):
    bad = stored / "league" / "part-000002.parquet"
    bad.write_bytes(bad.read_bytes()[:200])
    before = snapshot(stored)
    with pytest.raises(StoreError, match=r"league/part-000002\.parquet: (damaged|not a readable)") as err:
        run_batch(design(scen, 3), stored, workers=1, progress=False)
    assert "steppe store-check" in str(err.value) and "--set-aside" in str(err.value)
    with pytest.raises(StoreError, match=r"league/part-000002\.parquet"):
        write_report(stored, stored / "report")
    assert main(["compare", str(stored)]) == 1   # a damaged store is a fault of the system, not of the input
    assert "error:" in capsys.readouterr().err
    assert snapshot(stored) == before
    assert main(["store-check", str(stored)]) == 1
    assert main(["store-check", str(stored), "--set-aside"]) == 0
    aside = list((stored / "_set_aside").rglob("part-000002.parquet"))
    assert len(aside) == 4 and any(p.read_bytes() == before[bad] for p in aside)
    summary = run_batch(design(scen, 3), stored, workers=1, progress=False)
    assert (summary.skipped, summary.new) == (4, 2)
    assert ResultStore.open(stored).read("runs")["run_id"].is_unique


def test_full_disk_is_a_clear_error_that_keeps_stored_parts(tmp_path, scen, monkeypatch):
    out = tmp_path / "out"
    real, calls = store_mod._write_parquet, []

    def fill_up(frame, path, *rest):
        calls.append(path)
        if len(calls) == 6:   # the second file of the second part (each part has 4 files)
            path.write_bytes(b"half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(frame, path, *rest)

    monkeypatch.setattr(store_mod, "_write_parquet", fill_up)
    with pytest.raises(StoreError, match="disk is full") as err:
        run_batch(design(scen, 3), out, workers=1, progress=False, flush_runs=2)
    assert "runs stored before are intact" in str(err.value)
    assert not [p for p in out.rglob("*.tmp")]
    first = snapshot(out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["part-000001.parquet"]
    assert len(ResultStore.open(out).read("runs")) == 2
    monkeypatch.setattr(store_mod, "_write_parquet", real)
    summary = run_batch(design(scen, 3), out, workers=1, progress=False)
    assert (summary.skipped, summary.new) == (2, 4)
    assert all(snapshot(out)[p] == b for p, b in first.items())
    run_batch(design(scen, 3), tmp_path / "ref", workers=1, progress=False)
    assert_same_tables(out, tmp_path / "ref")


def test_kill_between_the_files_of_a_part_leaves_no_run_twice(tmp_path, scen, monkeypatch):
    out = tmp_path / "out"
    real = os.replace

    def die_before_commit(src, dst):
        if Path(dst).parent.name == "runs" and Path(dst).name == "part-000002.parquet":
            raise OSError(errno.EIO, "killed")
        real(src, dst)

    monkeypatch.setattr(store_mod.os, "replace", die_before_commit)
    with pytest.raises(StoreError):
        run_batch(design(scen, 3), out, workers=1, progress=False, flush_runs=2)
    assert (out / "league" / "part-000002.parquet").exists()
    assert not (out / "runs" / "part-000002.parquet").exists()
    monkeypatch.setattr(store_mod.os, "replace", real)
    summary = run_batch(design(scen, 3), out, workers=1, progress=False)
    assert (summary.skipped, summary.new) == (2, 4)
    assert len(list((out / "_set_aside").rglob("*.parquet"))) == 3
    league = pd.read_parquet(out / "league")
    assert len(league) == 6 * 36 and league.groupby("run_id").size().eq(36).all()


def test_one_writer_at_a_time(stored, scen):
    d = design(scen, 3)
    with ResultStore.create_or_resume(stored, d.key(), {}, {}):
        with pytest.raises(StoreError, match="another `steppe batch` is writing"):
            ResultStore.create_or_resume(stored, d.key(), {}, {})


def test_folder_that_is_not_a_store_is_refused(tmp_path, scen):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not empty and holds no batch"):
        run_batch(design(scen, 1), tmp_path / "busy", workers=1, progress=False)
    with pytest.raises(StoreError, match="not a batch result store"):
        ResultStore.open(tmp_path / "busy")
    assert (tmp_path / "busy" / "thesis.txt").read_text() == "keep me"


def test_a_store_without_runs_takes_a_new_design(tmp_path, scen):
    out = tmp_path / "out"
    d1, d2 = design(scen, 2), design(scen, 3)
    ResultStore.create_or_resume(out, d1.key(), {"format": store_mod.FORMAT, "design": d1.key()},
                                 {}).close()
    summary = run_batch(d2, out, workers=1, progress=False)
    assert summary.new == 6
    assert ResultStore.open(out).manifest()["design"]["reps"] == 3


def test_bit_flip_in_a_part_is_found_by_resume_and_store_check(stored, scen, capsys):
    bad = stored / "league" / "part-000002.parquet"
    data = bytearray(bad.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 4):
        data[i] ^= 0xFF
    bad.write_bytes(bytes(data))
    before = snapshot(stored)
    args = ["batch", *map(str, scen), "--reps", "3", "--scale", "0.05", "--out", str(stored),
            "--workers", "1"]
    assert main(args) == 1      # damaged: a fault of the system
    err = capsys.readouterr().err
    assert "league/part-000002.parquet: damaged (its sha256" in err
    assert f"steppe store-check {stored} --set-aside" in err
    assert main(["store-check", str(stored)]) == 1
    assert "league/part-000002.parquet: damaged" in capsys.readouterr().out
    assert snapshot(stored) == before
    assert pq.read_metadata(stored / "targets" / "part-000001.parquet")   # page checksums written
    assert main(["store-check", str(stored), "--set-aside"]) == 0
    assert main(args) == 0
    assert ResultStore.open(stored).read("runs")["run_id"].is_unique


def test_a_creation_that_failed_before_its_manifest_is_taken_over(tmp_path, scen, monkeypatch):
    out = tmp_path / "out"
    real = store_mod.write_json_atomic

    def fail(path, data):
        path.with_name(f".{path.name}.tmp").write_text("{half")
        raise StoreError("cannot write manifest.json: the disk is full")

    monkeypatch.setattr(store_mod, "write_json_atomic", fail)
    with pytest.raises(StoreError, match="disk is full"):
        run_batch(design(scen, 2), out, workers=1, progress=False)
    assert not (out / "manifest.json").exists() and (out / "scenarios").is_dir()
    monkeypatch.setattr(store_mod, "write_json_atomic", real)
    summary = run_batch(design(scen, 2), out, workers=1, progress=False)
    assert (summary.skipped, summary.new) == (0, 4)


def test_a_store_of_other_model_code_is_refused(stored, scen, monkeypatch, capsys):
    import studies.batch as batch

    monkeypatch.setattr(batch, "model_source_hash", lambda: "f" * 64)
    args = ["batch", *map(str, scen), "--reps", "3", "--scale", "0.05", "--out", str(stored),
            "--workers", "1"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "model code differs" in err and "ffffffffffff here" in err and "new --out" in err


def test_a_worker_running_other_model_code_is_an_error(tmp_path, scen, monkeypatch):
    import studies.batch as batch

    real = batch.run_one

    def other_checkout(*args):
        out = real(*args)
        out["run"]["model_sha256"] = "0" * 64
        return out

    monkeypatch.setattr(batch, "run_one", other_checkout)
    with pytest.raises(batch.BatchError, match="import another checkout"):
        run_batch(design(scen, 1), tmp_path / "o", workers=1, progress=False)
    assert ResultStore.open(tmp_path / "o").read("runs").empty
