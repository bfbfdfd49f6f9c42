"""The Streamlit page: package columns with lever controls, run settings, progress, results and
the report. ``app/main.py`` calls :func:`main`; ``steppe app`` starts Streamlit on that file.

State lives in ``st.session_state`` under keys ``p{i}_...`` (one set per column); the run
service (cache, process pool, background jobs) is one per server process
(``st.cache_resource``). A run never blocks the page: the progress panel is a fragment that
polls the job twice a second and reruns the page when it has finished.
"""

from __future__ import annotations

import copy
import functools
import math
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import streamlit as st

from app import figures, packages, report, results, study_results
from app import posterior as app_posterior
from app.messages import (
    DEFAULT_LANG,
    display_title,
    field_scale,
    field_unit,
    group_label,
    lever_source,
    lever_with_unit,
    scenario_notes,
    scenario_title,
    t,
    unit_label,
)
from app.packages import LEVERS, MONTHS, Package, PackageError, as_kind
from app.runner import Request
from app.service import AppService
from calibration.posterior import PosteriorError
from model.model import MAX_SEED
from model.problem import LEVER_GROUPS
from studies.deep import MAX_FUTURES, deep_uncertainties

MAX_PACKAGES = 4
DEFAULT_STARTS = ("baseline", "capability", "finance", "talent_first")
MAX_REPS = 200
PREVIEW_REPS, PREVIEW_SCALE = 3, 0.05   # the quick look shown while the full result computes
MIN_SCALE, MAX_SCALE = 0.01, 1.0
MANY_RUNS_NOTE = 2000   # above this many runs the sidebar says that a request takes a while
PACKAGES_DIR_ENV = "STEPPE_PACKAGES_DIR"
SAVED = "saved:"
NO_DATE = "—"


def packages_dir() -> Path:
    return Path(os.environ.get(PACKAGES_DIR_ENV) or "my_packages").resolve()


@st.cache_resource
def service() -> AppService:
    workers = int(os.environ.get("STEPPE_APP_WORKERS", "0")) or None
    svc = AppService(workers=workers)
    svc.warm()
    return svc


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANG)


# -- state ----------------------------------------------------------------------------------------
# Every input's value is kept in a plain dict (STORE) under its name, e.g. ``p1_promotion_centres``,
# and drawn by a widget keyed by name and language (``p1_promotion_centres@zh``). Streamlit drops a
# widget's state when a completed run did not draw it (a hidden column, the other language) and
# a browser may reset a widget whose label changed while a run was cut short; so a widget that the
# last completed run did not draw, or whose value was replaced (FORCE), gets the kept value back
# before it is drawn. The user cannot have changed a widget that was not on the page.
STORE = "values"
DRAWN, DRAWN_DONE, FORCE = "_drawn", "_drawn_done", "_force"


def wkey(key: str) -> str:
    return f"{key}@{lang()}"


def val(key: str, default: Any = None) -> Any:
    """The value of input ``key``: its widget's when the last completed run drew it, else the
    kept one."""
    ss = st.session_state
    wk = wkey(key)
    if key not in ss.get(FORCE, set()) and wk in ss and wk in ss.get(DRAWN_DONE, set()):
        return ss[wk]
    return ss.get(STORE, {}).get(key, default)


def put(key: str, value: Any) -> None:
    """Replace the value of input ``key`` (its widget shows it from the next draw on)."""
    st.session_state.setdefault(STORE, {})[key] = value
    st.session_state.setdefault(FORCE, set()).add(key)


def widget(fn: Any, label: str, key: str, **kw: Any) -> Any:
    """Draw input ``fn`` (st.number_input, ...) for ``key`` in the page's language."""
    ss = st.session_state
    store, force = ss.setdefault(STORE, {}), ss.setdefault(FORCE, set())
    wk = wkey(key)
    if key in store and (key in force or wk not in ss or wk not in ss.get(DRAWN_DONE, set())):
        ss[wk] = store[key]
    force.discard(key)
    value = fn(label, key=wk, **kw)
    store[key] = value
    ss.setdefault(DRAWN, set()).add(wk)
    return value


# -- package state ------------------------------------------------------------------------------
def _key(i: int, name: str, part: str = "") -> str:
    return f"p{i}_{name}{'_' + part if part else ''}"


def put_package(i: int, pkg: Package) -> None:
    """Write a package into the widgets' state of column ``i``."""
    ss = st.session_state
    put(_key(i, "title"), pkg.title)
    put(_key(i, "notes"), pkg.notes)
    # the loaded file's notes describe its own levers: remembered to drop them once levers change
    ss[_key(i, "start_sig")], ss[_key(i, "start_notes")] = lever_signature(pkg), pkg.notes
    ss.pop(_key(i, "notes_dropped"), None)
    ss[_key(i, "parameters")] = pkg.parameters
    for name, value, date, new in pkg.lever_lines():
        put(_key(i, name), field_text(name, value))
        put(_key(i, name, "date"), date or NO_DATE)
        # no dated change: the new-value box stays empty (never pre-filled with an old value)
        put(_key(i, name, "new"), field_text(name, new) if date else ("" if LEVERS[name].kind != "boolean" else value))


def field_text(name: str, value: Any) -> Any:
    """A lever's value as its input shows it: a checkbox's bool, else the number's full text in the
    field's unit (money levers in 万元)."""
    if LEVERS[name].kind == "boolean":
        return as_kind(name, value)
    k = field_scale(name)
    if k == 1.0:
        return packages.show_number(as_kind(name, value))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return packages.show_number(value)
    # the decimal point moved in decimal arithmetic, so that the text converts back to exactly
    # the CNY value (47,813,861.525413305 CNY <-> 4781.3861525413305 万元)
    shifted = Decimal(repr(float(value))) / Decimal(repr(k))
    if shifted == shifted.to_integral_value():
        return packages.show_number(int(shifted))
    return format(shifted.normalize(), "f")


def field_value(name: str, text: Any) -> Any:
    """The lever value typed in an input: a number of the lever's kind when it parses (a whole
    number stays as typed for :func:`packages.check_value` to judge), else the text itself, which
    validation refuses with a message. Nothing is rounded, clamped or replaced by a default."""
    if LEVERS[name].kind == "boolean":
        return text
    value = packages.parse_number(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if LEVERS[name].kind == "real":
            k = field_scale(name)
            if k == 1.0 or not math.isfinite(value) or not isinstance(text, str):
                return float(value) * k
            return float(Decimal(packages.THOUSANDS.sub("", text.strip())) * Decimal(repr(k)))
        if float(value).is_integer():
            return int(value)
    return value


def lever_signature(pkg: Package) -> str:
    """The levers and dated changes, to tell whether a column still holds what its start file set."""
    def norm(n: str, v: Any) -> str:
        return repr(as_kind(n, v)) if isinstance(v, (int, float)) else repr(v)

    return repr((sorted((n, norm(n, v)) for n, v in pkg.levers.items()),
                 sorted((n, d, norm(n, v)) for n, (d, v) in pkg.changes.items())))


def drop_stale_notes(i: int, pkg: Package) -> bool:
    """Clear the notes a start file brought once the column's levers differ from that file's:
    they would describe levers the package no longer has (and be saved and reported as such)."""
    ss = st.session_state
    start_notes = ss.get(_key(i, "start_notes"))
    if start_notes and pkg.notes == start_notes and lever_signature(pkg) != ss.get(_key(i, "start_sig")):
        put(_key(i, "notes"), "")
        ss[_key(i, "start_notes")] = ""
        pkg.notes = ""
        return True
    return False


def get_package(i: int) -> Package:
    """The package column ``i`` shows now."""
    ss = st.session_state
    levers = {n: field_value(n, val(_key(i, n), field_text(n, v.default))) for n, v in LEVERS.items()}
    changes = {}
    for n in LEVERS:
        date = val(_key(i, n, "date")) or NO_DATE
        if date != NO_DATE:
            changes[n] = (date, field_value(n, val(_key(i, n, "new"), "")))
    return Package(title=str(val(_key(i, "title"), "")), levers=levers, changes=changes,
                   notes=str(val(_key(i, "notes"), "")), parameters=ss.get(_key(i, "parameters"), {}),
                   origin=str(ss.get(_key(i, "base"), "")))


def start_options() -> list[str]:
    """Library scenarios, the shipped studies' robust portfolios (``study:``), saved files (``saved:``)."""
    return [*packages.library(), *study_results.portfolio_options(),
            *(SAVED + n for n in packages.saved(packages_dir()))]


def option_path(option: str) -> Path | None:
    """The scenario file a start option loads."""
    if option.startswith(SAVED):
        return packages_dir() / option[len(SAVED):]
    if option.startswith(study_results.STUDY):
        return study_results.portfolio_options().get(option)
    return packages.library().get(option)


def option_title(option: str, lang_: str) -> str | None:
    """The name a start gives its column in ``lang_`` (None: a saved file keeps its own)."""
    if option.startswith(SAVED):
        return None
    if option.startswith(study_results.STUDY):
        return study_results.portfolio_title(option, lang_)
    return scenario_title(option, lang_)


def start_label(option: str, lang_: str | None = None) -> str:
    L = lang_ or lang()
    if option.startswith(SAVED):
        return f"{t('saved_prefix', L)}: {option[len(SAVED):]}"
    title = option_title(option, L) or option
    return title if title == option else f"{title} ({option.removeprefix(study_results.STUDY)})"


def option_of(label: str) -> str | None:
    """The start option a selector label (in either language) stands for."""
    for o in start_options():
        if label in (start_label(o, "zh"), start_label(o, "en")):
            return o
    return None


def load_start(i: int, selector: str | None = None) -> None:
    """Load the chosen start into column ``i``: as the selector's callback (``selector``), only
    when the choice really changed, so that the column's edits survive a language switch."""
    ss = st.session_state
    if selector is not None:
        option = option_of(ss.get(selector, ""))
        if option is None or option == ss.get(_key(i, "base")):
            return
        ss[_key(i, "base")] = option
    option = ss[_key(i, "base")]
    path = option_path(option)
    try:
        pkg = packages.load_file(path if path is not None else option)
    except PackageError as exc:
        ss[_key(i, "base_error")] = exc
        return
    ss.pop(_key(i, "base_error"), None)
    _start_titles(option, pkg)
    put_package(i, pkg)


def _start_titles(option: str, pkg: Package, lang_: str | None = None) -> None:
    """A library or study start takes its title and notes in the page's language (a library
    file's description is English with Chinese quotes; a study portfolio's is the study's English
    line)."""
    L = lang_ or lang()
    if (title := option_title(option, L)) is not None:
        pkg.title = title
    if option.startswith(study_results.STUDY):
        if (res := study_results.shipped()) is not None:
            pkg.notes = study_results.portfolio_note(res, option, L)
    elif not option.startswith(SAVED):
        pkg.notes = scenario_notes(option, pkg.notes, L)


# -- the comparison in the page's address --------------------------------------------------------
# The comparison (language, settings, and per column its start and what differs from it: name,
# lever texts, dated changes, notes) is kept in the address as ?c=<base64url of zlib'd JSON>, so a
# reload or a shared link restores it, and its results when the server still has them cached.
STATE_PARAM = "c"
STATE_VERSION = 1
SETTINGS = ("n_packages", "reps", "scale", "seed", "posterior_draws", "use_priors", "futures")


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> Package | None:
    try:
        return packages.load_file(Path(path))
    except PackageError:
        return None


def _start_package(option: str, lang_: str | None = None) -> Package | None:
    """The package a column's start option loads (read once per file version)."""
    path = option_path(option)
    try:
        cached = _load_cached(str(path), path.stat().st_mtime_ns) if path is not None else None
    except OSError:
        return None
    if cached is None:
        return None
    pkg = copy.deepcopy(cached)
    _start_titles(option, pkg, lang_)
    return pkg


def encode_state() -> str:
    """The page's comparison as a short text for the address."""
    import base64
    import json
    import zlib

    ss = st.session_state
    state: dict[str, Any] = {"v": STATE_VERSION, "lang": lang(), **{k: val(k) for k in SETTINGS}, "p": []}
    for i in range(int(val("n_packages", 2))):
        option = ss.get(_key(i, "base"), "baseline")
        start = _start_package(option)
        col: dict[str, Any] = {"base": option}
        if start is None or val(_key(i, "title")) != start.title:
            col["title"] = val(_key(i, "title"))
        if start is None or val(_key(i, "notes")) != start.notes:
            col["notes"] = val(_key(i, "notes"))
        levers, dated = {}, {}
        for n in LEVERS:
            base_text = field_text(n, start.levers[n]) if start else None
            if val(_key(i, n)) != base_text:
                levers[n] = val(_key(i, n))
            date, new = val(_key(i, n, "date"), NO_DATE), val(_key(i, n, "new"), "")
            base_change = start.changes.get(n) if start else None
            base_pair = (base_change[0], field_text(n, base_change[1])) if base_change else (NO_DATE, None)
            if (date, new) != base_pair and not (date == NO_DATE and base_pair[0] == NO_DATE):
                dated[n] = [date, new]
        if levers:
            col["levers"] = levers
        if dated:
            col["dated"] = dated
        state["p"].append(col)
    raw = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def decode_state(text: str) -> dict[str, Any]:
    """The comparison of an address; raises ValueError when it is not one."""
    import base64
    import binascii
    import json
    import zlib

    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), bufsize=1 << 16)
        state = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION or not isinstance(state.get("p"), list):
        raise ValueError("not a comparison of this version")
    return state


def apply_state(state: dict[str, Any]) -> None:
    """Put a decoded comparison into the page's inputs (unknown levers and starts are skipped)."""
    ss = st.session_state
    if state.get("lang") in ("zh", "en"):
        ss["lang"] = state["lang"]
    for k in SETTINGS:
        if k in state:
            put(k, state[k] if k in ("n_packages", "use_priors") else str(state[k]))
    if state.get("n_packages") not in (2, 3, 4):
        put("n_packages", max(2, min(MAX_PACKAGES, len(state["p"]))))
    options = set(start_options())
    for i, col in enumerate(state["p"][:MAX_PACKAGES]):
        if not isinstance(col, dict):
            continue
        if col.get("base") in options:
            ss[_key(i, "base")] = col["base"]
            load_start(i)
        for field in ("title", "notes"):
            if isinstance(col.get(field), str):
                put(_key(i, field), col[field])
        for n, text in (col.get("levers") or {}).items():
            if n in LEVERS:
                put(_key(i, n), text if LEVERS[n].kind != "boolean" else bool(text))
        for n, pair in (col.get("dated") or {}).items():
            if n in LEVERS and isinstance(pair, list) and len(pair) == 2:
                put(_key(i, n, "date"), pair[0] if pair[0] in MONTHS else NO_DATE)
                put(_key(i, n, "new"), pair[1])


def sync_address() -> None:
    """Write the comparison into the address when it changed."""
    code = encode_state()
    if st.query_params.get(STATE_PARAM) != code:
        st.query_params[STATE_PARAM] = code


def init_state() -> None:
    ss = st.session_state
    if ss.get("initialised"):
        return
    ss["lang"] = ss.get("lang", DEFAULT_LANG)
    lib = packages.library()
    for i in range(MAX_PACKAGES):
        start = DEFAULT_STARTS[i] if DEFAULT_STARTS[i] in lib else "baseline"
        ss[_key(i, "base")] = start
        load_start(i)
    for k, v in {"n_packages": 2, "reps": "10", "scale": "0.2", "seed": "0",
                 "posterior_draws": str(app_posterior.DEFAULT_DRAWS), "use_priors": False, "futures": "0"}.items():
        put(k, v)
    ss["initialised"] = True
    if code := st.query_params.get(STATE_PARAM):
        try:
            apply_state(decode_state(code))
        except (ValueError, TypeError, KeyError, AttributeError):
            ss["address_error"] = True
        else:
            ss["restore_results"] = True


def toggle_lang() -> None:
    """Switch the page's language; a column still named after its library start takes that
    start's name in the new language (a name the user typed is kept)."""
    ss = st.session_state
    new = "en" if lang() == "zh" else "zh"
    for i in range(MAX_PACKAGES):
        title = val(_key(i, "title"), "")
        base = str(ss.get(_key(i, "base"), ""))
        shown = display_title(str(title), base, new)
        # a name and notes still as the start brought them follow the language (typed ones are kept)
        old_start, new_start = _start_package(base, lang()), _start_package(base, new)
        if old_start is not None and new_start is not None:
            if title in (old_start.title, new_start.title):
                shown = new_start.title
            if val(_key(i, "notes"), "") == old_start.notes:
                put(_key(i, "notes"), new_start.notes)
                if ss.get(_key(i, "start_notes")) == old_start.notes:
                    ss[_key(i, "start_notes")] = new_start.notes
        if shown != title:
            put(_key(i, "title"), shown)
    ss["lang"] = new


# -- widgets ------------------------------------------------------------------------------------
# Numbers are typed into text boxes, not number spinners: a spinner turns "abc" or an empty box
# into 0 and 2.5 into 2 without a word; a text box keeps what was typed, and the page parses it
# (thousands separators allowed) and refuses what is not a number of the right kind, in the
# page's language, next to the field.
def lever_input(i: int, name: str, label: str, key: str, disabled: bool = False, placeholder: str = "") -> Any:
    v = LEVERS[name]
    if v.kind == "boolean":
        return widget(st.checkbox, label, key, disabled=disabled)
    return widget(st.text_input, label, key, disabled=disabled, placeholder=placeholder or None,
                  help=lever_help(name, lang()))


def lever_help(name: str, lang_: str) -> str:
    """The tooltip: allowed range, default and unit."""
    v = LEVERS[name]
    k = field_scale(name)
    rng = f"[{packages.show_number(v.low / k)}, {packages.show_number(v.high / k)}]" if v.low is not None else ""
    text = t("lever_help", lang_, range=rng, default=packages.show_number(v.default / k),
             unit=unit_label(field_unit(name), lang_))
    return f"{text} {source}" if (source := lever_source(name, lang_)) else text


def number_setting(label: str, key: str, low: float, high: float, integer: bool, range_msg: str,
                   help: str | None = None, disabled: bool = False) -> tuple[Any, bool]:
    """A run setting typed as text; (value, ok) with a message under the field when not ok."""
    text = widget(st.text_input, label, key, help=help, disabled=disabled)
    value = packages.parse_number(text)
    msg = packages.check_number(value, lang(), integer=integer)
    if msg is None and not low <= value <= high:
        msg = range_msg
    if not disabled:
        show_error(msg)
    return value, msg is None


def show_error(msg: str | None) -> None:
    if msg:
        st.error(msg, icon="⚠️")


def package_column(i: int) -> bool:
    """Render column ``i``; returns whether its inputs are valid."""
    L = lang()
    ok = True
    st.subheader(t("package_n", L, n=i + 1))
    # The selector shows labels in the page's language: one widget per language, its options the
    # labels themselves (no format_func), all showing the column's start (p{i}_base).
    labels = {start_label(o): o for o in start_options()}
    selector = _key(i, "base", L)
    current = st.session_state.get(_key(i, "base"), "baseline")
    by_option = {o: lab for lab, o in labels.items()}
    if current in by_option and st.session_state.get(selector) != by_option[current]:
        st.session_state[selector] = by_option[current]
    st.selectbox(t("start_from", L), list(labels), key=selector, on_change=load_start, args=(i, selector))
    if (err := st.session_state.get(_key(i, "base_error"))) is not None:
        show_error(err.text(L))
    title = widget(st.text_input, t("package_name", L), _key(i, "title"))
    if (msg := packages.check_title(title, L)) is not None:
        show_error(msg)
        ok = False
    pkg = get_package(i)
    st.caption(t("changed_levers", L, n=len(pkg.differs_from_default())))
    for group, names in LEVER_GROUPS.items():
        errors = {}
        for n in names:
            errors[n] = packages.check_value(n, pkg.levers[n], L)
            if n in pkg.changes:
                errors[f"{n}.change"] = packages.check_value(n, pkg.changes[n][1], L)
        n_err = sum(1 for m in errors.values() if m)
        set_here = sum(1 for n in names if n in pkg.differs_from_default())
        mark = (f" ⚠ {n_err}" if n_err else "") + (f" · {set_here}" if set_here else "")
        # keyed: stays open or closed while its label changes (language, marks)
        with st.expander(f"{group_label(group, L)}{mark}", expanded=bool(n_err), key=_key(i, "group", group)):
            for n in names:
                label = lever_with_unit(n, L)
                lever_input(i, n, label, _key(i, n))
                show_error(errors[n])
                # "from month M, value V", in that order; the value box is empty until filled
                a, b = st.columns([2, 3])
                with a:
                    widget(st.selectbox, t("from_date", L), _key(i, n, "date"), options=[NO_DATE, *MONTHS],
                           help=t("date_help", L))
                dated = val(_key(i, n, "date"), NO_DATE) != NO_DATE
                with b:
                    lever_input(i, n, t("new_value", L), _key(i, n, "new"), disabled=not dated,
                                placeholder=t("new_value_placeholder", L) if dated else "")
                show_error(errors.get(f"{n}.change"))
        ok = ok and n_err == 0
    if drop_stale_notes(i, pkg) or st.session_state.get(_key(i, "notes_dropped")):
        st.session_state[_key(i, "notes_dropped")] = True
        st.caption(t("notes_dropped", L))
    widget(st.text_area, t("description", L), _key(i, "notes"), height=68)
    file_panel(i)
    return ok


UPLOADER_ZH_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > * { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "拖入或选择 .toml 方案文件（每个不超过 200 MB）"; font-size: 0.8rem; opacity: 0.7; }
[data-testid="stFileUploaderDropzone"] button > * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.9rem; }
</style>"""


def file_panel(i: int) -> None:
    """Save the column as a scenario file (on disk and as a download) or load one."""
    L = lang()
    with st.expander(t("save", L) + " / " + t("load", L)):
        pkg = get_package(i)
        # empty unless typed: the suggestion follows the package's current name (placeholder)
        default_name = f"{pkg.title.strip() or 'package'}.toml"
        typed = st.text_input(t("file_name", L), key=_key(i, "file"), placeholder=default_name)
        name = typed.strip() or default_name
        if (msg := packages.check_file_name(name, L)) is not None:
            show_error(msg)
        overwrite = st.checkbox(t("overwrite", L), key=_key(i, "overwrite"))
        if st.button(t("save", L), key=_key(i, "save_btn")):
            errors = packages.validate(pkg, L)
            if errors:
                show_error(next(iter(errors.values())))
            else:
                try:
                    path = packages.save(pkg, packages_dir(), name, overwrite, L)
                    st.success(t("saved_to", L, path=str(path)))
                except PackageError as exc:
                    show_error(exc.text(L))
        if not packages.validate(pkg, L) and packages.check_file_name(name, L) is None:
            st.download_button(t("download_toml", L), packages.to_toml(pkg).encode("utf-8"),
                               file_name=name if name.strip().endswith(".toml") else f"{name.strip()}.toml",
                               mime="application/toml", key=_key(i, "download"))
        if L == "zh":   # Streamlit's uploader writes its own English; the Chinese page says it in Chinese
            st.html(UPLOADER_ZH_CSS)
        up = st.file_uploader(t("load", L), type=["toml"], key=_key(i, "upload"))
        if up is not None:
            marker = (up.file_id, up.name)
            if st.session_state.get(_key(i, "uploaded")) != marker:
                st.session_state[_key(i, "uploaded")] = marker
                try:
                    loaded = packages.from_bytes(up.getvalue(), up.name)
                except PackageError as exc:
                    st.session_state[_key(i, "upload_error")] = exc
                else:
                    st.session_state.pop(_key(i, "upload_error"), None)
                    put_package(i, loaded)
                    st.session_state[_key(i, "upload_ok")] = up.name
                    st.rerun()
            if (err := st.session_state.get(_key(i, "upload_error"))) is not None:
                show_error(err.text(L))
            elif st.session_state.get(_key(i, "upload_ok")) == up.name:
                st.success(t("loaded", L, file=up.name))


# -- settings and runs --------------------------------------------------------------------------
def settings_panel() -> Request | None:
    """The sidebar; returns the request when every input is valid."""
    L = lang()
    ss = st.session_state
    with st.sidebar:
        st.button(t("switch_lang", L), key="lang_btn", on_click=toggle_lang, type="secondary")
        st.header(t("settings", L))
        widget(st.radio, t("n_packages", L), "n_packages", options=[2, 3, 4], horizontal=True)
        reps, ok_reps = number_setting(t("reps", L), "reps", 1, MAX_REPS, True,
                                       t("err_reps", L, low=1, high=MAX_REPS), help=t("reps_help", L))
        if ok_reps and reps < results.MIN_REPS_ADVISED:
            st.caption("⚠ " + t("few_reps", L, reps=int(reps), min=results.MIN_REPS_ADVISED))
        scale, ok_scale = number_setting(t("scale", L), "scale", MIN_SCALE, MAX_SCALE, False,
                                         t("err_scale", L, low=MIN_SCALE, high=MAX_SCALE), help=t("scale_help", L))
        seed, ok_seed = number_setting(t("seed", L), "seed", 0, MAX_SEED, True, t("err_seed", L, high=MAX_SEED))
        ok = ok_reps and ok_scale and ok_seed
        params = posterior_controls(int(seed) if ok else 0)
        ok = ok and params is not None
        n_deep = len(deep_uncertainties()[0])
        futures, ok_futures = number_setting(t("futures", L), "futures", 0, MAX_FUTURES, True,
                                             t("err_futures", L, low=0, high=MAX_FUTURES),
                                             help=t("futures_help", L, n=n_deep))
        ok = ok and ok_futures
        if ok_reps and ok_futures:
            runs = int(val("n_packages", 2)) * int(reps) * (1 + int(futures))
            if futures and runs > MANY_RUNS_NOTE:
                st.caption("⚠ " + t("futures_many", L, runs=runs))
        run = st.button(t("run", L), key="run_btn", type="primary", use_container_width=True)
        progress_slot = st.container()
    request = None
    if ok:
        pkgs = tuple(get_package(i) for i in range(val("n_packages", 2)))
        if not any(packages.validate(p, L) for p in pkgs):
            request = Request(pkgs, int(reps), float(scale), int(seed), params, int(futures))
    if ss.pop("restore_results", False) and request is not None:
        # a reload or a shared address: show the results the server still has for it
        if (done := service().finished(request)) is not None:
            ss["job_id"] = ss["shown_job"] = done.id
    if run:
        if request is None:
            ss["run_message"] = "fix_errors"
        else:
            ss.pop("run_message", None)
            svc = service()
            ss.pop("preview_id", None)
            if svc.finished(request) is None and (request.reps > PREVIEW_REPS or request.scale > PREVIEW_SCALE):
                # a quick look first (queued before the full run, so it finishes first)
                quick = Request(request.packages, min(request.reps, PREVIEW_REPS), min(request.scale, PREVIEW_SCALE),
                                request.base_seed, request.parameters)
                ss["preview_id"] = svc.submit_cached(quick).id
            ss["job_id"] = svc.submit_cached(request).id
    with progress_slot:
        if ss.get("run_message"):
            show_error(t(ss["run_message"], L))
        progress_panel()
    return request


def posterior_controls(seed: int) -> app_posterior.Parameters | None:
    """Posterior draws K and the switch to the hand-set priors; returns the request's parameter
    sets, or None (with a message) when the posterior cannot be used and the priors are not chosen."""
    L = lang()
    prior = widget(st.checkbox, t("use_priors", L), "use_priors")
    k, ok = number_setting(t("posterior_draws", L), "posterior_draws", 0, app_posterior.MAX_DRAWS, True,
                           t("err_draws", L, low=0, high=app_posterior.MAX_DRAWS),
                           help=t("posterior_draws_help", L), disabled=bool(prior))
    if not prior and not ok:
        return None
    try:
        params = app_posterior.choose(int(k or 0), seed, prior=bool(prior))
    except PosteriorError as exc:
        show_error(app_posterior.error_text(exc, L))
        return None
    hint = " " + t("posterior_k_hint", L) if params.info is not None and params.info.get("kind") == "central" else ""
    st.caption(t("posterior_used", L, what=app_posterior.describe(params.info, L)) + hint)
    return params


def progress_panel() -> None:
    job = service().jobs.get(st.session_state.get("job_id", -1))
    running = job is not None and not job.finished

    @st.fragment(run_every=0.5 if running else None)
    def panel() -> None:
        L = lang()
        j = service().jobs.get(st.session_state.get("job_id", -1))
        if j is None:
            return
        if not j.finished:
            ahead = service().ahead(j)
            if ahead:
                st.progress(0.0, text=t("queued", L, ahead=ahead, pos=ahead + 1))
            elif not j.running or j.total == 0:
                st.progress(0.0, text=t("preparing", L))
            else:
                st.progress(j.fraction, text=t("running", L, done=j.done, total=j.total, cached=j.cached))
            p = service().jobs.get(st.session_state.get("preview_id", -1))
            if p is not None and p.finished and not p.error and st.session_state.get("shown_preview") != p.id:
                st.session_state["shown_preview"] = p.id
                st.rerun()   # draw the preview while the full run goes on
            return
        if j.error:
            show_error(t("run_failed", L, reason=j.error))
        else:
            st.success(t("run_done", L, new=j.new, cached=j.cached, seconds=j.seconds))
        if st.session_state.get("shown_job") != j.id:
            st.session_state["shown_job"] = j.id
            st.rerun()

    panel()


# -- results ------------------------------------------------------------------------------------
def table(tab: results.Table, css_id: str) -> None:
    st.html(report.table_html(tab, css_id))


def results_panel(current: Request | None) -> None:
    L = lang()
    ss = st.session_state
    job = service().jobs.get(ss.get("shown_job", -1))
    st.header(t("results", L))
    newer = service().jobs.get(ss.get("job_id", -1))
    computing = newer is not None and not newer.finished
    preview = service().jobs.get(ss.get("preview_id", -1))
    if computing and preview is not None and preview.finished and not preview.error:
        preview_panel(preview)
        return
    if job is None or not job.finished or job.error:
        st.info(t("no_results", L))
        return
    if computing:   # the previous results stay visible, greyed, until the new ones replace them
        st.info(t("computing_new", L))
        st.html("<style>.st-key-results_body { opacity: 0.35; filter: grayscale(1); }</style>")
    with st.container(key="results_body"):
        results_body(job, current)


def preview_panel(job: Any) -> None:
    """The quick look: the targets table of a few replications at a small scale, clearly marked."""
    L = lang()
    comp = service().comparison(job)
    with st.container(key="preview"):
        st.warning(t("preview_note", L, reps=comp.reps, scale=comp.scale))
        st.html(f"<style>{report.TABLE_CSS}</style>")
        table(results.targets_table(comp, L), "preview-table")


def results_body(job: Any, current: Request | None) -> None:
    L = lang()
    comp = service().comparison(job)
    if current is None or service().request_key(current) != service().request_key(job.request):
        st.warning(t("stale", L))
    st.caption(t("run_meta", L, reps=comp.reps, n=len(comp.ids), scale=comp.scale, seed=comp.base_seed))
    st.caption(t("posterior_used", L, what=app_posterior.describe(comp.provenance["posterior"], L)))
    with st.container(key="deep_central"):
        st.caption(results.deep_line(comp, L))
    if comp.reps < results.MIN_REPS_ADVISED:
        st.warning(t("few_reps", L, reps=comp.reps, min=results.MIN_REPS_ADVISED))
    with st.container(key="conclusion"):
        st.subheader(t("conclusion", L))
        st.markdown("\n".join(f"{k}. {line}" for k, line in enumerate(results.conclusion(comp, L), start=1)))
    pngs = service().figures(comp, L)
    st.html(f"<style>{report.TABLE_CSS}</style>")   # style only: applies to the page
    tabs = st.tabs([t(k, L) for k in ("tab_targets", "tab_diff", "tab_costs", "tab_paths", "tab_counties",
                                      "tab_notes", "tab_report")])
    with tabs[0]:
        st.caption(t("targets_caption", L))
        table(results.targets_table(comp, L), "targets-table")
        st.image(pngs["progress"])
        st.subheader(t("milestones", L))
        st.caption(t("milestones_caption", L))
        table(results.milestones_table(comp, L), "milestones-table")
    with tabs[1]:
        st.caption(t("diff_caption", L, ref=comp.title(comp.reference, L)))
        table(results.diff_table(comp, L), "diff-table")
    with tabs[2]:
        st.subheader(t("cost_by_lever", L))
        table(results.cost_lever_table(comp, L), "cost-table")
        st.image(pngs["costs"])
        st.subheader(t("cost_met", L))
        st.caption(t("cost_met_caption", L))
        table(results.cost_met_table(comp, L), "cost-met-table")
    with tabs[3]:
        st.caption(t("paths_caption", L))
        st.image(pngs["trajectories"])
    with tabs[4]:
        st.caption(t("counties_caption", L))
        st.image(pngs["counties"])
    with tabs[5]:
        st.caption(t("notes_caption", L))
        for pid, lines in results.notes(comp, L).items():
            st.markdown(f"**{comp.title(pid, L)}**")
            for line in lines:
                st.markdown(f"- {line}")
    with tabs[6]:
        st.caption(t("export_caption", L))
        stem = "数字草原_比较报告" if L == "zh" else "digital_steppe_comparison"
        svc = service()
        st.download_button(t("export_html", L), lambda: svc.report(comp, L, "html"), file_name=f"{stem}.html",
                           mime="text/html", key="dl_html", on_click="ignore")
        try:
            report.chromium()   # the PDF is printed by Chromium on click, once per comparison and language
        except report.ReportError as exc:
            show_error(t("report_pdf_failed", L, reason=str(exc)))
        else:
            st.download_button(t("export_pdf", L), lambda: svc.report(comp, L, "pdf"), file_name=f"{stem}.pdf",
                               mime="application/pdf", key="dl_pdf", on_click="ignore")
        st.download_button(t("export_xlsx", L), lambda: svc.report(comp, L, "xlsx"), file_name=f"{stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx",
                           on_click="ignore")
        st.subheader(t("lever_settings", L))
        table(results.lever_settings_table(comp, L), "levers-table")
    if comp.futures is not None:
        futures_panel(comp)


def futures_panel(comp: results.Comparison) -> None:
    """The futures across the deep uncertainties: a section of its own below the central results."""
    L = lang()
    fu = comp.futures
    assert fu is not None
    with st.container(key="futures_section", border=True):
        st.subheader(t("futures_heading", L, L=fu.n))
        st.caption(t("futures_caption", L, n=len(fu.central), seed=comp.base_seed, reps=comp.reps))
        table(results.futures_table(comp, L), "futures-table")
        st.markdown(f"**{t('futures_values_heading', L)}**")
        st.caption(t("futures_values_caption", L))
        table(results.futures_values_table(comp, L), "futures-values-table")


# -- the shipped study results ----------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _front_png(folder: str, mtime_ns: int, target: str, lang_: str) -> bytes:
    res = study_results.shipped(Path(folder))
    assert res is not None
    return figures.png(study_results.front_figure(res, target, lang_))


def load_study(i: int, option: str) -> None:
    """The button's callback: column ``i`` starts from a shipped robust portfolio."""
    st.session_state[_key(i, "base")] = option
    load_start(i)
    if st.session_state.get(_key(i, "base_error")) is None:
        st.session_state["study_loaded"] = (option, i)


def studies_panel() -> None:
    """The robustness and paths studies shipped with the app, beside the packages (read, not run)."""
    L = lang()
    res = study_results.shipped()
    if res is None:
        st.info(t("study_none_shipped", L))
        return
    lines = study_results.intro(res, L)     # its last line is the warning when the studies are stale
    for line in lines[:-1] if res.stale else lines:
        st.caption(line)
    if res.stale:
        st.warning(lines[-1])
    st.subheader(t("study_front_heading", L))
    options = ["mean", "all", *results.TARGET_IDS]   # the mean first: no portfolio meets all eight
    target = st.selectbox(t("study_target_select", L), options, key="study_target",
                          format_func=lambda o: t("study_mean_option", L) if o == "mean"
                          else t("study_all_eight", L) if o == "all" else f"{o} {figures.target_label(o, L)}")
    manifest = res.folder / "manifest.json"
    st.image(_front_png(str(res.folder), manifest.stat().st_mtime_ns, target, L))
    st.subheader(t("study_robust_heading", L))
    st.caption(t("study_robust_caption", L))
    st.html(f"<style>{report.TABLE_CSS}</style>")
    table(study_results.robust_table(res, L), "robust-table")
    n = int(val("n_packages", 2))
    with st.container(key="study_loads"):
        for option in study_results.portfolio_options(res.folder):
            cols = st.columns([4] + [1] * n)
            cols[0].markdown(f"**{study_results.portfolio_title(option, L)}**")
            stem = option.removeprefix(study_results.STUDY)
            for k in range(n):
                cols[k + 1].button(t("study_load", L, k=k + 1), key=f"study_load_{stem}_{k}",
                                   on_click=load_study, args=(k, option))
    if (done := st.session_state.pop("study_loaded", None)) is not None:
        st.success(t("study_loaded", L, title=study_results.portfolio_title(done[0], L), k=done[1] + 1))
    st.subheader(t("study_vuln_heading", L))
    st.caption(t("study_vuln_caption", L))
    with st.container(key="study_vulnerability"):
        for who, sentences in study_results.vulnerability_lines(res, L).items():
            st.markdown(f"**{who}**")
            st.markdown("\n".join(f"- {s}" for s in sentences))
    if lever_lines := study_results.lever_box_lines(res, L):
        st.subheader(t("study_levers_heading", L))
        st.markdown("\n".join(f"- {s}" for s in lever_lines))


def page() -> None:
    st.set_page_config(page_title="数字草原 Digital Steppe", layout="wide")
    st.session_state[DRAWN] = set()
    init_state()
    L = lang()
    st.title(t("app_title", L))
    st.caption(t("app_intro", L))
    if st.session_state.get("address_error"):
        st.warning(t("address_error", L))
    request = settings_panel()
    compare, studies = st.tabs([t("tab_compare", L), t("tab_studies", L)])
    with compare:
        n = val("n_packages", 2)
        for i, col in enumerate(st.columns(n)):
            with col:
                package_column(i)
    with studies:
        studies_panel()
    st.session_state[DRAWN_DONE] = st.session_state[DRAWN]   # this run drew every input
    sync_address()
    with compare:
        results_panel(request)


def main() -> None:
    """The page; an unexpected error shows one line in the user's language, never a traceback."""
    try:
        page()
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):   # rerun and stop requests
            raise
        import traceback

        traceback.print_exc()
        st.error(t("unexpected", lang(), kind=type(exc).__name__))


__all__ = ["figures", "main"]
