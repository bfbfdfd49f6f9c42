"""The result store of a batch: Parquet parts, a run index and a manifest, safe to interrupt.

Layout of a store folder ``DIR``::

    manifest.json                 design, scenario texts and hashes, seeds, versions, sessions
    scenarios/NAME.toml           each scenario file as it was run
    runs/part-000001.parquet      run index: one row per run (run_id, scenario, rep, seed, ...)
    league/part-000001.parquet    one row per run and month
    targets/part-000001.parquet   one row per run and 2027 target T1-T8
    costs/part-000001.parquet     one row per run, year and lever (public cost)
    counties/part-000001.parquet  one row per run, county and month (only with --counties)

Each table folder reads with ``pandas.read_parquet("DIR/league")``. A part holds a set of
whole runs. It is written table by table to hidden temporary files, each fsynced and renamed
into place, and committed by renaming its ``runs`` file last: a run counts as stored only when
its run-index row exists, so a batch killed at any moment loses at most the runs not yet
committed, and a restart recomputes exactly those. Data files of a part whose run index never
arrived (a kill between two renames) are moved to ``DIR/_set_aside/`` on the next start, never
deleted; files are never appended to or rewritten in place.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "digital-steppe-batch/1"
COMMIT_TABLE = "runs"
DATA_TABLES = ("league", "targets", "costs", "counties")
TABLES = (*DATA_TABLES, COMMIT_TABLE)
PART_RE = re.compile(r"^part-(\d{6})\.parquet$")
TEMP_RE = re.compile(r"^\.part-\d{6}\.parquet\.tmp$")
SET_ASIDE = "_set_aside"
HASH_KEY = b"steppe.sha256"    # key-value metadata of a runs file: sha256 of its part's data files
# What a creation killed before its manifest was written may leave behind: the folder is then
# treated as empty, and the same command creates the store afresh.
CREATION_LEFTOVERS = {".lock", "scenarios", ".manifest.json.tmp", *TABLES}


class StoreError(Exception):
    """A store that cannot be used as asked; the message names the file and what to do.
    ``exit_status``: 2 for the user's input, 1 for a fault of the system (full disk, read-only)."""

    def __init__(self, message: str, exit_status: int = 2) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def utc_now() -> str:
    """Current UTC time, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def part_name(number: int) -> str:
    return f"part-{number:06d}.parquet"


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_parquet(frame: pd.DataFrame, path: Path,
                   metadata: dict[bytes, bytes] | None = None) -> None:
    """Write ``frame`` with page checksums (and extra key-value ``metadata``) and fsync it."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    pq.write_table(table, path, compression="zstd", write_page_checksum=True)
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def recorded_hashes(path: Path) -> dict[str, str]:
    """The sha256 of each data file of a part, as recorded in its runs file (empty if none)."""
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(HASH_KEY)
    return json.loads(raw) if raw else {}


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file and rename it over ``path``; the old file survives errors."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(_os_message(exc, path, "the manifest is unchanged"), 1) from exc


def _os_message(exc: OSError, path: Path, kept: str) -> str:
    if exc.errno == errno.ENOSPC:
        what = "the disk is full"
    elif exc.errno == errno.EDQUOT:
        what = "the disk quota is exceeded"
    else:
        what = f"{exc.strerror or exc}".lower()
    return f"cannot write {path}: {what}; {kept}"


@dataclass
class StoreState:
    """What a scan of the store found."""

    committed: dict[int, list[str]] = field(default_factory=dict)   # part -> run ids
    uncommitted: dict[int, list[Path]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    damaged_parts: set[int] = field(default_factory=set)
    stray: list[Path] = field(default_factory=list)     # files in table folders that are no part

    @property
    def run_ids(self) -> set[str]:
        return {r for ids in self.committed.values() for r in ids}


class ResultStore:
    """One batch's folder. Open it with :meth:`create_or_resume` (to write) or :meth:`open`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock_fh: Any = None
        self._next_part = 1

    # -- opening -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    @classmethod
    def open(cls, root: str | Path) -> ResultStore:
        """Open an existing store for reading; refuses a folder that is not one."""
        store = cls(root)
        if store.root.exists() and not store.root.is_dir():
            raise StoreError(f"{store.root}: is a file, not a folder; give the --out folder of a `steppe batch` run")
        if not store.root.is_dir():
            raise StoreError(f"{store.root}: no such folder")
        if not store.exists():
            raise StoreError(f"{store.root}: not a batch result store (no manifest.json); "
                             "give the --out folder of a `steppe batch` run")
        store.manifest()
        return store

    def manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.manifest_path}: not a readable manifest ({exc}); nothing was "
                             "changed. Restore it from a backup, or start the batch in a new folder"
                             ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError(f"{self.manifest_path}: not a manifest of format {FORMAT}")
        return data

    def write_manifest(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.manifest_path, data)

    @classmethod
    def peek(cls, root: str | Path, design: dict[str, Any]) -> set[str]:
        """Run ids already stored for ``design`` (empty for a new folder); raises
        :class:`StoreError` if the folder holds another design. Changes nothing."""
        store = cls(root)
        if not store.exists():
            return set()
        old = store.manifest().get("design", {})
        diffs = design_differences(old, design)
        if diffs and not store._has_parts():
            return set()          # a store without runs takes the new design
        if diffs and not adds_replications(old, design):
            raise StoreError(store._mismatch_text(diffs))
        return store.scan(check_files=False).run_ids

    def _refuse_foreign_folder(self) -> None:
        """Refuse a folder holding something else than a store or the leftovers of a creation
        that failed before writing its manifest (those are taken over)."""
        if self.exists() or not self.root.is_dir():
            return
        foreign = [p.name for p in self.root.iterdir() if p.name not in CREATION_LEFTOVERS
                   or (p.name in TABLES and any(not TEMP_RE.match(q.name) for q in p.iterdir()))]
        if foreign:
            raise StoreError(f"{self.root}: folder is not empty and holds no batch (no "
                             f"manifest.json; found {', '.join(sorted(foreign)[:3])}); give a new "
                             "or empty --out folder")

    def _has_parts(self) -> bool:
        return (self.root / SET_ASIDE).exists() or any(
            (self.root / t).is_dir() and any((self.root / t).iterdir()) for t in TABLES)

    def _mismatch_text(self, diffs: list[str]) -> str:
        return (f"{self.root} holds a different batch design: " + "; ".join(diffs)
                + ". Use a new --out folder, or repeat the command that created this one "
                "(with a larger --reps to add replications).")

    def _add_replications(self, manifest: dict[str, Any], new: dict[str, Any]) -> None:
        """Take the design of ``new`` (the same but for more replications): the stored runs keep
        their seeds, which depend on (base seed, replication) only, so the added replications
        share random numbers across scenarios as the first ones do."""
        was = manifest["design"]["reps"]
        manifest.setdefault("extensions", []).append(
            {"at": utc_now(), "reps_from": was, "reps_to": new["design"]["reps"]})
        for key in ("design", "seeds", "seeds_listed", "runs_total"):
            manifest[key] = new[key]
        manifest["completed"] = None
        self.write_manifest(manifest)
        print(f"note: adding replications {was} to {new['design']['reps'] - 1} to the "
              f"{was} stored per scenario (same design otherwise)", file=sys.stderr)

    @classmethod
    def create_or_resume(cls, root: str | Path, design: dict[str, Any], new_manifest: dict[str, Any],
                         scenario_texts: dict[str, str]) -> ResultStore:
        """Create a store for ``design`` or reopen one holding the same design (to resume).

        Takes an exclusive lock on the folder, removes stale temporary files of this store,
        sets aside data files of uncommitted parts and checks every stored part can be read.
        A store that holds no run yet takes the new design.
        """
        store = cls(root)
        root = store.root
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root}: exists and is not a folder; give a new folder as --out", 1)
        store._refuse_foreign_folder()
        try:
            root.mkdir(parents=True, exist_ok=True)
            store.lock()
        except OSError as exc:
            store.close()
            raise StoreError(_os_message(exc, root, "nothing was stored"), 1) from exc
        try:
            store._refuse_foreign_folder()      # again, now that no other writer can change it
            fresh = not store.exists()
            if not fresh:
                manifest = store.manifest()
                diffs = design_differences(manifest.get("design", {}), design)
                extend = (bool(diffs) and store._has_parts()
                          and adds_replications(manifest.get("design", {}), design))
                if diffs and store._has_parts() and not extend:
                    raise StoreError(store._mismatch_text(diffs))
                fresh = bool(diffs) and not extend
                if extend:
                    store._add_replications(manifest, new_manifest)
            if fresh:
                store._remove_temp_files()
                shutil.rmtree(root / "scenarios", ignore_errors=True)
                (root / "scenarios").mkdir()
                for name, text in scenario_texts.items():
                    (root / "scenarios" / f"{name}.toml").write_text(text, encoding="utf-8")
                store.write_manifest(new_manifest)    # last: the store exists once this is renamed
        except OSError as exc:
            store.close()
            raise StoreError(_os_message(exc, root, "nothing was stored"), 1) from exc
        except BaseException:
            store.close()
            raise
        try:
            store._remove_temp_files()
            state = store.scan(check_files=True, hashes=True)
            if state.problems:
                raise StoreError(store.problem_text(state), 1)
            if state.uncommitted:
                moved = store.set_aside(state.uncommitted)
                print(f"note: set aside {len(moved)} file(s) of parts interrupted before their run "
                      f"index was written, in {root / SET_ASIDE}; their runs will be recomputed",
                      file=sys.stderr)
        except BaseException:
            store.close()
            raise
        store._next_part = max(state.committed, default=0) + 1
        return store

    def lock(self) -> None:
        """Take the exclusive writer lock of the folder (advisory, POSIX only)."""
        try:
            import fcntl
        except ImportError:   # Windows: no advisory locks; one writer per folder is the user's job
            return
        try:
            fh = open(self.root / ".lock", "a+")
        except OSError as exc:
            raise StoreError(_os_message(exc, self.root / ".lock", "nothing was changed"), 1) from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise StoreError(f"{self.root}: another `steppe batch` is writing into this folder; "
                             "wait for it to finish or stop it first") from None
        self._lock_fh = fh

    def close(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scanning --------------------------------------------------------------------------
    def _part_files(self, table: str) -> dict[int, Path]:
        folder = self.root / table
        if not folder.is_dir():
            return {}
        out = {}
        for p in folder.iterdir():
            m = PART_RE.match(p.name)
            if m:
                out[int(m.group(1))] = p
        return out

    def _remove_temp_files(self) -> None:
        for table in TABLES:
            folder = self.root / table
            if folder.is_dir():
                for p in folder.iterdir():
                    if TEMP_RE.match(p.name):
                        p.unlink()

    def scan(self, check_files: bool = True, hashes: bool | None = None,
             full: bool = False) -> StoreState:
        """Find committed and uncommitted parts. ``check_files``: read every footer too;
        ``hashes`` (default: as ``check_files``): compare each data file's sha256 with the one
        its run index recorded; ``full``: read every file whole, verifying its page checksums."""
        hashes = check_files if hashes is None else hashes
        state = StoreState()
        runs = self._part_files(COMMIT_TABLE)
        seen: dict[str, int] = {}
        recorded: dict[int, dict[str, str]] = {}
        for number, path in sorted(runs.items()):
            try:
                if full:
                    pq.read_table(path, page_checksum_verification=True)
                ids = pq.read_table(path, columns=["run_id"], page_checksum_verification=True
                                    ).column("run_id").to_pylist()
                recorded[number] = recorded_hashes(path) if hashes else {}
            except Exception as exc:
                state.problems.append(f"{path}: not a readable Parquet file ({_short(exc)})")
                state.damaged_parts.add(number)
                continue
            for rid in ids:
                if rid in seen:
                    state.problems.append(f"{path}: run {rid} is also stored in part "
                                          f"{seen[rid]:06d}")
                    state.damaged_parts.add(number)
                seen[rid] = number
            state.committed[number] = ids
        for table in TABLES:
            folder = self.root / table
            for p in sorted(folder.iterdir()) if folder.is_dir() else ():
                if not (PART_RE.match(p.name) or TEMP_RE.match(p.name)):
                    state.stray.append(p)
                    state.problems.append(f"{p}: not a part of this store (a stray file in a table folder: "
                                          "pandas.read_parquet of the folder would read it too); move it out "
                                          "of the store, or run store-check --set-aside")
        expected = self.expected_tables()
        for table in DATA_TABLES:
            files = self._part_files(table)
            for number, path in sorted(files.items()):
                if number not in runs:
                    state.uncommitted.setdefault(number, []).append(path)
                else:
                    want = recorded.get(number, {}).get(table)
                    got = file_sha256(path) if want else None
                    if want and got != want:
                        state.problems.append(
                            f"{path}: damaged (its sha256 {got[:12]} differs from the "
                            f"{want[:12]} recorded when it was written)")
                        state.damaged_parts.add(number)
                        continue
                    if check_files or full:
                        try:
                            if full:
                                pq.read_table(path, page_checksum_verification=True)
                            else:
                                pq.read_metadata(path)
                        except Exception as exc:
                            state.problems.append(f"{path}: not a readable Parquet file "
                                                  f"({_short(exc)})")
                            state.damaged_parts.add(number)
            if table not in expected:
                continue
            for number in state.committed:
                if number not in files:
                    state.problems.append(f"{self.root / table / part_name(number)}: missing, "
                                          f"though part {number:06d} is in the run index")
                    state.damaged_parts.add(number)
        return state

    def expected_tables(self) -> set[str]:
        """The data tables every part holds: the design's ``tables`` when it lists them (sweeps:
        none, or ``league`` with monthly rows), else league, targets, costs and, with
        ``counties``, counties (batches; stores written before sweeps existed)."""
        design = self.manifest().get("design", {}) if self.exists() else {}
        if "tables" in design:
            return set(design["tables"])
        return {t for t in DATA_TABLES if t != "counties" or design.get("counties", False)}

    def problem_text(self, state: StoreState) -> str:
        parts = ", ".join(f"{n:06d}" for n in sorted(state.damaged_parts))
        return ("the result store is damaged; nothing was changed:\n  " + "\n  ".join(state.problems)
                + f"\nTo keep the rest and recompute the runs of part(s) {parts}, move their files "
                f"aside with\n  steppe store-check {self.root} --set-aside\nthen repeat the batch "
                "command (or restore the files from a backup).")

    def set_aside(self, parts: dict[int, list[Path]] | Iterable[int], stray: Iterable[Path] = ()) -> list[Path]:
        """Move every file of the given parts, and the ``stray`` files of table folders, to
        ``DIR/_set_aside/<time>/<table>/``."""
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        numbers = set(parts)
        moved = []
        try:
            for path in stray:
                dest = self.root / SET_ASIDE / stamp / path.parent.name / path.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.rename(path, dest)
                moved.append(dest)
            for table in TABLES:
                for number, path in self._part_files(table).items():
                    if number in numbers:
                        dest = self.root / SET_ASIDE / stamp / table / path.name
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        os.rename(path, dest)       # same file system: never a half-copied file
                        moved.append(dest)
        except OSError as exc:
            done = f"{len(moved)} file(s) were moved to {self.root / SET_ASIDE / stamp}" if moved \
                else "nothing was moved"
            raise StoreError(_os_message(exc, Path(exc.filename or self.root), f"{done}; fix this "
                                         "and repeat the command"), 1) from None
        return moved

    # -- writing ---------------------------------------------------------------------------
    def write_part(self, frames: dict[str, pd.DataFrame]) -> int:
        """Store one part (the ``runs`` frame and its data tables) atomically; returns its number.

        On a write error (a full disk) the part's temporary files are removed, stored parts are
        untouched and :class:`StoreError` says what was not stored."""
        if COMMIT_TABLE not in frames:
            raise ValueError("a part needs its run index ('runs')")
        number = self._next_part
        name = part_name(number)
        frames = {**frames, COMMIT_TABLE: frames[COMMIT_TABLE].assign(part=number)}
        order = [t for t in DATA_TABLES if t in frames] + [COMMIT_TABLE]
        temps: list[tuple[Path, Path]] = []
        digests: dict[str, str] = {}
        try:
            for table in order:
                folder = self.root / table
                folder.mkdir(exist_ok=True)
                tmp = folder / f".{name}.tmp"
                temps.append((tmp, folder / name))
                if table == COMMIT_TABLE:
                    _write_parquet(frames[table], tmp, {HASH_KEY: json.dumps(digests).encode()})
                else:
                    _write_parquet(frames[table], tmp)
                    digests[table] = file_sha256(tmp)
            for tmp, final in temps:
                os.replace(tmp, final)
                _fsync_dir(final.parent)
        except OSError as exc:
            for tmp, _ in temps:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
            n = len(frames[COMMIT_TABLE])
            raise StoreError(_os_message(exc, temps[-1][0] if temps else self.root,
                                         f"the {n} run(s) of this part were not stored and will "
                                         "be recomputed; runs stored before are intact"), 1) from exc
        self._next_part = number + 1
        return number

    # -- reading ---------------------------------------------------------------------------
    def committed_files(self, table: str, parts: Iterable[int] | None = None) -> list[Path]:
        """The files of ``table`` of committed parts (of ``parts`` only, when given: a snapshot
        taken once, so that every table is read over the same runs)."""
        if parts is not None:
            return [self.root / table / part_name(n) for n in sorted(parts)]
        runs = self._part_files(COMMIT_TABLE)
        files = self._part_files(table)
        return [files[n] for n in sorted(files) if n in runs]

    def read(self, table: str, columns: list[str] | None = None,
             parts: Iterable[int] | None = None) -> pd.DataFrame:
        """All committed rows of ``table`` (runs in design order, rows within a run as written);
        with ``parts`` (e.g. ``scan().committed``), the rows of those committed parts only."""
        if table not in TABLES:
            raise ValueError(f"no table {table!r}; tables are {', '.join(TABLES)}")
        counties = self.manifest()["design"].get("counties")
        if table == "counties" and not counties:
            raise StoreError(f"{self.root}: this batch stored no county rows (run it with "
                             "--counties)")
        files = self.committed_files(table, parts)
        if not files:
            return pd.DataFrame(columns=columns or [])
        try:
            frame = pd.read_parquet(files, columns=columns)
        except Exception:
            for path in files:
                if not path.exists():
                    raise StoreError(f"{path}: was moved away while it was being read (`steppe "
                                     "store-check --set-aside`?); nothing was changed: run the "
                                     "command again", 1) from None
                try:
                    pd.read_parquet(path, columns=columns)
                except Exception as exc:
                    raise StoreError(f"{path}: not a readable Parquet file ({_short(exc)}); "
                                     "nothing was changed. Move the part aside with `steppe "
                                     f"store-check {self.root} --set-aside`", 1) from None
            raise
        order = {s["name"]: i for i, s in enumerate(self.manifest()["design"]["scenarios"])}
        if "scenario" in frame and "rep" in frame:
            key = frame["scenario"].map(order).astype("int64") * (1 << 40) + frame["rep"]
            frame = frame.iloc[key.argsort(kind="stable")].reset_index(drop=True)
        return frame


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def adds_replications(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether ``new`` is ``old`` with more replications and nothing else changed."""
    if not isinstance(old.get("reps"), int) or not isinstance(new.get("reps"), int):
        return False
    return new["reps"] > old["reps"] and not design_differences(old, {**new, "reps": old["reps"]})


def design_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable differences between two batch designs (empty when they match).

    Each scenario's effective horizon (its ``until`` after ``--until``) is compared, not the
    option itself; the model's source hash must match too."""
    out = []
    if old.get("model_sha256") != new.get("model_sha256"):
        out.append(f"the model code differs (sha256 {str(old.get('model_sha256'))[:12]} there, "
                   f"{str(new.get('model_sha256'))[:12]} here; package "
                   f"{old.get('model_version')} there, {new.get('model_version')} here): runs of "
                   "the two would not be comparable")
    old_sc = {s["name"]: s for s in old.get("scenarios", [])}
    new_sc = {s["name"]: s for s in new.get("scenarios", [])}
    if set(old_sc) != set(new_sc):
        out.append(f"scenarios {sorted(old_sc)} there, {sorted(new_sc)} here")
    for name in old_sc.keys() & new_sc.keys():
        if old_sc[name].get("sha256") != new_sc[name].get("sha256"):
            out.append(f"scenario {name!r} has changed (sha256 {old_sc[name].get('sha256', '')[:12]} "
                       f"there, {new_sc[name].get('sha256', '')[:12]} here)")
        if old_sc[name].get("until") != new_sc[name].get("until"):
            out.append(f"scenario {name!r} runs until {old_sc[name].get('until')} there, "
                       f"{new_sc[name].get('until')} here")
    if isinstance(old.get("reps"), int) and isinstance(new.get("reps"), int) and new["reps"] < old["reps"]:
        out.append(f"reps {old['reps']} there, {new['reps']} here (fewer: give --reps {old['reps']} to "
                   "resume it, or more to add replications)")
    elif old.get("reps") != new.get("reps"):
        out.append(f"reps {old.get('reps')!r} there, {new.get('reps')!r} here")
    for key in ("base_seed", "scale", "counties", "tables"):
        if old.get(key) != new.get(key):
            out.append(f"{key} {old.get(key)!r} there, {new.get(key)!r} here")
    return out
