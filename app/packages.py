"""Policy packages as the app edits them, and their scenario files.

A :class:`Package` holds every lever's value from January 2025 and at most one dated change
per lever (a new value from a month on), a display name in any language, notes, and any
parameter overrides of a loaded file (kept, not edited). It converts to the TOML scenario files
of :mod:`model.scenario` and back. A saved file carries the display name as the first line of
its ``description`` (the convention of ``studies.compare``) and an ASCII ``name`` derived from it,
so that ``steppe run`` and ``steppe batch`` accept it whatever the file is called.

Validation returns messages from :mod:`app.messages` in the user's language, keyed by the field
they belong to, so that the app can show each next to its field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.messages import field_scale, t
from model.problem import PROBLEM, Variable
from model.scenario import BASE_YEAR, Scenario, ScenarioError, parse_scenario
from model.settings import SettingError

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
UNTIL = 2027                 # the app compares end-2027 results (the targets' date)
MAX_NAME = 60
LEVERS: dict[str, Variable] = {v.name: v for v in PROBLEM.levers}
MONTHS = [f"{y}-{m:02d}" for y in range(BASE_YEAR, UNTIL + 1) for m in range(1, 13)][1:]


PY_TYPE = {"real": float, "integer": int, "boolean": bool}


def as_kind(name: str, value: Any) -> Any:
    """``value`` as the Python type of lever ``name`` (a real lever declared with an int default
    is still a float)."""
    return PY_TYPE[LEVERS[name].kind](value)


class PackageError(ValueError):
    """A scenario file the app cannot load: ``key`` and ``values`` render it in either language."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(f"{key}: {values}")
        self.key, self.values = key, values

    def text(self, lang: str) -> str:
        """The message in ``lang``; a ``detail`` given as (key, values) is translated too."""
        values = dict(self.values)
        if isinstance(values.get("detail"), tuple):
            key, inner = values["detail"]
            values["detail"] = t(key, lang, **inner)
        return t(self.key, lang, **values)


@dataclass
class Package:
    """Lever values from 2025-01, one optional dated change per lever, a name and notes."""

    title: str
    levers: dict[str, Any] = field(default_factory=lambda: {n: as_kind(n, v.default) for n, v in LEVERS.items()})
    changes: dict[str, tuple[str, Any]] = field(default_factory=dict)
    notes: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    origin: str = "baseline"

    def lever_lines(self) -> list[tuple[str, Any, str | None, Any]]:
        """(lever, value from 2025-01, change date or None, new value) for every lever."""
        return [(n, self.levers[n], *(self.changes.get(n) or (None, None))) for n in LEVERS]

    def differs_from_default(self) -> list[str]:
        return [n for n, v in LEVERS.items() if self.levers[n] != v.default or n in self.changes]


# -- validation -------------------------------------------------------------------------------
def _fmt(x: float) -> str:
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


# What a number field accepts besides digits: thousands separators (ASCII or full-width comma,
# spaces, apostrophes), which are removed before parsing; nothing else is interpreted.
THOUSANDS = re.compile(r"[,，\s'_]")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: Any) -> Any:
    """The number typed in a field: an int when it is written as a whole number, a float when
    it has a fraction or exponent; anything else (empty, words, "1.2.3") is returned unchanged
    as text, for :func:`check_value` to refuse. Nothing is rounded or clamped."""
    if isinstance(text, bool) or not isinstance(text, str):
        return text
    raw = THOUSANDS.sub("", text.strip())
    if not NUMBER.fullmatch(raw):
        return text
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    return float(raw)


def show_number(value: Any) -> str:
    """A number as a field shows it: every digit, thousands separators from 10,000 on."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return repr(value)


def check_number(value: Any, lang: str, low: float | None = None, high: float | None = None,
                 integer: bool = False) -> str | None:
    """A message when a parsed field value is empty, not a number, a fraction where a whole
    number is required, or outside [low, high]; else None."""
    if isinstance(value, str) and not value.strip():
        return t("err_empty_value", lang)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return t("err_number", lang, value=value)
    if integer and float(value) != int(value):
        return t("err_integer", lang, value=_fmt(value))
    if low is not None and high is not None and not low <= value <= high:
        return t("err_range", lang, value=_fmt(value), low=_fmt(low), high=_fmt(high))
    return None


def check_value(name: str, value: Any, lang: str) -> str | None:
    """A message when ``value`` is not allowed for lever ``name``, else None. Nothing is clamped."""
    v = LEVERS[name]
    if v.kind == "boolean":
        return None if isinstance(value, bool) else t("err_number", lang, value=value)
    if isinstance(value, str) and not value.strip():
        return t("err_empty_value", lang)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return t("err_number", lang, value=value)
    if v.kind == "integer" and float(value) != int(value):
        return t("err_integer", lang, value=_fmt(value))
    if v.low is not None and not v.low <= value <= v.high:
        k = field_scale(name)       # in the field's unit (万元 for money levers), as the user typed it
        return t("err_range", lang, value=_fmt(value / k), low=_fmt(v.low / k), high=_fmt(v.high / k))
    return None


def check_title(title: str, lang: str) -> str | None:
    if not title.strip():
        return t("err_empty_name", lang)
    if len(title.strip()) > MAX_NAME:
        return t("err_name_long", lang, max=MAX_NAME)
    return None


def validate(pkg: Package, lang: str) -> dict[str, str]:
    """Messages by field: ``title``, ``<lever>`` (value from 2025-01), ``<lever>.change``."""
    errors: dict[str, str] = {}
    if (msg := check_title(pkg.title, lang)) is not None:
        errors["title"] = msg
    for name, value, date, new in pkg.lever_lines():
        if (msg := check_value(name, value, lang)) is not None:
            errors[name] = msg
        if date is not None and (msg := check_value(name, new, lang)) is not None:
            errors[f"{name}.change"] = msg
    return errors


# -- scenario files -----------------------------------------------------------------------------
def slug(title: str) -> str:
    """An ASCII scenario name for a display name in any language (stable, for batch results)."""
    ascii_part = re.sub(r"[^A-Za-z0-9_.-]+", "_", title).strip("_.-")[:40]
    digest = hashlib.sha256(title.encode()).hexdigest()[:8]
    return f"{ascii_part}-{digest}" if ascii_part else f"package-{digest}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) < 1e15 else f"{value:.17g}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {value!r} to TOML")


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def to_toml(pkg: Package) -> str:
    """The package as a scenario file: levers away from their defaults, dated changes, and the
    parameter overrides of a loaded file."""
    description = pkg.title.strip() + (f"\n{pkg.notes.strip()}" if pkg.notes.strip() else "")
    lines = [f"name = {_toml_string(slug(pkg.title.strip()))}",
             f"description = {_toml_string(description)}", f"until = {UNTIL}", "", "[levers]"]
    for name, value in pkg.levers.items():
        if value != LEVERS[name].default:
            lines.append(f"{name} = {_toml_value(value)}")
    by_date: dict[str, list[str]] = {}
    for name, (date, value) in pkg.changes.items():
        by_date.setdefault(date, []).append(f"{name} = {_toml_value(value)}")
    for date in sorted(by_date):
        lines += ["", "[[lever_changes]]", f"date = {_toml_string(date)}", *by_date[date]]
    for group, values in pkg.parameters.items():
        lines += ["", f"[parameters.{group}]", *(f"{k} = {_toml_value(v)}" for k, v in values.items())]
    return "\n".join(lines) + "\n"


def to_scenario(pkg: Package) -> Scenario:
    """The validated :class:`Scenario` of a package (through the model's own parser)."""
    text = to_toml(pkg)
    return parse_scenario(text, tomllib.loads(text), slug(pkg.title), pkg.title)


def run_key(scenario: Scenario) -> str:
    """What a run depends on besides seed and scale: levers, dated changes, horizon, parameters
    (not the name or description), so that renaming a package reuses its runs."""
    content = {"levers": dataclasses.asdict(scenario.levers), "changes": sorted(scenario.changes, key=str),
               "until": scenario.until, "parameters": dataclasses.asdict(scenario.parameters)}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()


def _title_of(data: dict[str, Any], fallback: str) -> str:
    desc = data.get("description")
    first = desc.strip().splitlines()[0].strip() if isinstance(desc, str) and desc.strip() else ""
    if first and len(first) <= MAX_NAME:
        return first
    name = data.get("name")
    return name if isinstance(name, str) and name.strip() else fallback


def from_text(text: str, where: str, fallback_title: str) -> Package:
    """Read a scenario file's text (any file name, any ``name``); raise :class:`PackageError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackageError("err_file", file=where, detail=("err_toml", {"detail": str(exc)})) from None
    title = _title_of(data, fallback_title)
    checked = {k: v for k, v in data.items() if k != "name"}   # the app names packages itself
    try:
        scenario = parse_scenario(text, checked, "package", where)
    except (ScenarioError, SettingError) as exc:
        detail = str(exc).removeprefix(f"{where}: ")
        raise PackageError("err_file", file=where, detail=detail) from None
    if scenario.until != UNTIL:
        raise PackageError("err_file", file=where, detail=("err_until", {"until": scenario.until}))
    changes: dict[str, tuple[str, Any]] = {}
    counts: dict[str, int] = {}
    for month, values in sorted(scenario.changes, key=lambda c: c[0]):
        date = f"{BASE_YEAR + month // 12}-{month % 12 + 1:02d}"
        for k, v in values.items():
            counts[k] = counts.get(k, 0) + 1
            changes[k] = (date, as_kind(k, v))
    for k, n in counts.items():
        if n > 1:
            raise PackageError("err_file", file=where, detail=("err_many_changes", {"lever": k, "n": n}))
    desc = data.get("description", "")
    notes = "\n".join(desc.strip().splitlines()[1:]).strip() if isinstance(desc, str) else ""
    levers = {n: as_kind(n, getattr(scenario.levers, n)) for n in LEVERS}
    params = data.get("parameters", {})
    return Package(title=title, levers=levers, changes=changes, notes=notes,
                   parameters=params if isinstance(params, dict) else {}, origin=where)


def from_bytes(raw: bytes, where: str) -> Package:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PackageError("err_file", file=where, detail=("err_not_utf8", {})) from None
    return from_text(text, where, Path(where).stem)


def load_file(path: str | Path) -> Package:
    path = Path(path)
    if not path.is_file():
        raise PackageError("err_file", file=str(path), detail=("err_no_file", {}))
    return from_bytes(path.read_bytes(), str(path))


def library() -> dict[str, Path]:
    """The scenario library, baseline first."""
    files = {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}
    return {"baseline": files.pop("baseline"), **files} if "baseline" in files else files


def saved(folder: Path) -> dict[str, Path]:
    """Scenario files saved in ``folder`` (by file name)."""
    return {p.name: p for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


MAX_FILE_NAME_BYTES = 255   # a file name's limit on Linux, macOS and Windows file systems (bytes of UTF-8)


def _with_suffix(name: str) -> str:
    n = name.strip()
    return n if n.lower().endswith(".toml") else f"{n}.toml"


def check_file_name(name: str, lang: str) -> str | None:
    n = name.strip()
    if not n or "/" in n or "\\" in n or n.startswith(".") or "\0" in n:
        return t("err_file_name", lang)
    if len(_with_suffix(n).encode("utf-8")) > MAX_FILE_NAME_BYTES:
        return t("err_file_name_long", lang, n=len(_with_suffix(n).encode("utf-8")), max=MAX_FILE_NAME_BYTES)
    return None


def save(pkg: Package, folder: Path, file_name: str, overwrite: bool, lang: str) -> Path:
    """Write the package to ``folder/file_name`` (``.toml`` added when missing), atomically;
    an existing file is kept unless ``overwrite``. Raises :class:`PackageError`."""
    if check_file_name(file_name, lang) is not None:
        encoded = len(_with_suffix(file_name).encode("utf-8"))
        if encoded > MAX_FILE_NAME_BYTES and file_name.strip():
            raise PackageError("err_file_name_long", n=encoded, max=MAX_FILE_NAME_BYTES)
        raise PackageError("err_file_name")
    path = folder / _with_suffix(file_name)
    text = to_toml(pkg)
    tmp = None
    try:
        if path.exists() and not overwrite:
            raise PackageError("err_exists", path=str(path))
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".toml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise PackageError("err_write", path=str(path), reason=exc.strerror or str(exc)) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)   # nothing half-written stays behind
    return path
