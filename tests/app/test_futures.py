"""Futures across the deep uncertainties in the app and ``steppe report``: the central results
say they are at the deep uncertainties' central values; with L futures every package also runs
in the same L futures (reproducible from the base seed), summarised in a separate section that
never changes the central tables."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from app.messages import t
from app.packages import library, load_file
from app.posterior import choose
from app.report import html_report, provenance_rows, sections
from app.results import HALF, deep_line, futures_table, targets_table
from app.runner import Request
from app.server import MAIN
from app.workbook import xlsx
from steppe.cli import main
from studies.deep import central_values, deep_uncertainties, latin_futures

SCALE, SEED, REPS, L = 0.05, 0, 2, 2
N_DEEP = len(deep_uncertainties()[0])


@pytest.fixture(scope="module")
def pkgs():
    return load_file(library()["baseline"]), load_file(library()["full_plan_003"])


@pytest.fixture(scope="module")
def requests(pkgs):
    params = choose(0, SEED)
    return Request(pkgs, REPS, SCALE, SEED, params, L), Request(pkgs, REPS, SCALE, SEED, params)


@pytest.fixture(scope="module")
def comps(svc, requests):
    """The comparison with L futures, and the same request without futures (served from the cache)."""
    with_f = svc.run(requests[0])
    assert with_f.new == 2 * REPS * (1 + L)
    without = svc.run(requests[1])
    assert without.new == 0                       # the central runs are the same runs
    return svc.comparison(with_f), svc.comparison(without), with_f


def _deep(sc) -> dict[str, float]:
    names = list(central_values())
    out = {}
    for n in names:
        group, key = n.split(".", 1)
        out[n] = float(getattr(getattr(sc.parameters, group), key))
    return out


def test_futures_are_reproducible_from_the_seed_and_shared_by_every_package(requests):
    req = requests[0]
    values = req.future_values()
    assert len(values) == L and values == Request(req.packages, 1, SCALE, SEED, req.parameters, L).future_values()
    assert values == latin_futures(L, SEED).drop(columns="lhs").to_dict("records")   # steppe robustness's generator
    assert values != Request(req.packages, 1, SCALE, SEED + 1, req.parameters, L).future_values()
    a, b = req.scenarios()
    for v in values:
        for r in range(REPS):
            da, db = _deep(req.in_future(a, r, v)), _deep(req.in_future(b, r, v))
            assert da == db == pytest.approx(v)         # the same deep-uncertainty values per future index
    assert values[0] != values[1]
    # without futures every run holds the deep uncertainties at their central values
    assert _deep(req.scenario(a, 0)) == pytest.approx(central_values())


def test_the_futures_section_is_separate_and_leaves_the_central_tables_as_they_are(comps):
    comp, central, _ = comps
    assert central.futures is None and comp.futures is not None and comp.futures.n == L
    for lang in ("zh", "en"):
        assert targets_table(comp, lang) == targets_table(central, lang)      # never pooled
        heads = [h for h, _, _ in sections(comp, lang)]
        assert heads[:-2] == [h for h, _, _ in sections(central, lang)]
        assert heads[-2] == t("futures_heading", lang, L=L)
    assert comp.provenance["deep_uncertainties"]["values"] == "central"
    assert comp.provenance["deep_uncertainties"]["futures"] == L
    assert central.provenance["deep_uncertainties"]["futures"] == 0


def test_the_futures_table_counts_the_futures_runs_and_can_differ_from_the_central_values(comps):
    comp, _, job = comps
    _, rows = futures_table(comp, "en")
    assert len(rows) == 8 * 2
    differs = 0
    for pi, pid in enumerate(comp.ids):
        for ti, tid in enumerate(["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"]):
            meds, met = [], 0
            for runs in job.future_runs[pi]:
                rows_t = [r["targets"][r["targets"]["target"] == tid].iloc[0] for r in runs]
                meds.append(float(np.median([x["value"] for x in rows_t])))
                met += np.mean([bool(x["met"]) for x in rows_t]) >= HALF
            row = rows[ti * 2 + pi]
            assert row[4] == t("k_of_l_futures", "en", k=met, n=L)
            lowest = "–" if min(meds) == max(meds) else t("future_n", "en", f=int(np.argmin(meds)) + 1)
            assert row[6] == lowest
            central = float(comp.stat(pid, tid)["value_median"])
            differs += any(abs(m - central) > 1e-9 for m in meds)
    assert differs > 0              # the deep uncertainties move some target's median


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_and_workbook_state_the_central_values_and_show_the_futures(svc, comps, lang):
    comp, central, _ = comps
    line = deep_line(comp, lang)
    assert str(N_DEEP) in line and "steppe robustness" in line and "--futures" in line
    page = html_report(comp, lang, svc.figures(comp, lang))
    assert line in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert page.index(t("tab_targets", lang)) < page.index(t("futures_heading", lang, L=L))
    assert deep_line(central, lang) in html_report(central, lang, svc.figures(central, lang)).replace("&#x27;", "'")
    assert any(k == t("deep_provenance", lang) for k, _ in provenance_rows(comp, lang))
    wb = load_workbook(io.BytesIO(xlsx(comp, lang)))
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert line in cells and t("futures_heading", lang, L=L) in cells
    assert line in [c for row in load_workbook(io.BytesIO(xlsx(central, lang))).worksheets[0].iter_rows(
        values_only=True) for c in row if isinstance(c, str)]


def test_steppe_report_futures_out_of_range_and_run_count(tmp_path, capsys):
    base = str(library()["baseline"])
    with pytest.raises(SystemExit) as info:
        main(["report", base, "--out", str(tmp_path / "r.html"), "--futures", "51"])
    assert info.value.code == 2
    assert "--futures 51 is out of range; allowed [0, 50]" in capsys.readouterr().err
    # the run count includes the futures: 2 × 10,000 × (1 + 2) = 60,000 > 50,000 is refused before any run
    assert main(["report", base, base, "--reps", "10000", "--futures", "2", "--lang", "en",
                 "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "= 60,000 runs" in err and "--many-runs" in err and not (tmp_path / "r.html").exists()


def test_page_states_the_central_values_and_shows_the_futures(tmp_path, monkeypatch):
    monkeypatch.setenv("STEPPE_PACKAGES_DIR", str(tmp_path))
    monkeypatch.setenv("STEPPE_APP_WORKERS", "1")
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    assert at.text_input(key="futures@zh").value == "0"
    at.text_input(key="futures@zh").set_value("51").run()
    assert t("err_futures", "zh", low=0, high=50) in [e.value for e in at.error]
    at.text_input(key="futures@zh").set_value("2")
    at.text_input(key="reps@zh").set_value("1")
    at.text_input(key="scale@zh").set_value("0.03")
    at.run()
    assert not at.error
    at.button(key="run_btn").click().run()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        at.run()
        if any("futures-table" in str(h.proto) for h in at.get("html")):
            break
        time.sleep(1)
    html = " ".join(str(h.proto) for h in at.get("html"))
    assert "targets-table" in html and "futures-table" in html and "futures-values-table" in html
    assert t("deep_central", "zh", n=N_DEEP) in [c.value for c in at.caption]
    assert t("futures_heading", "zh", L=2) in [s.value for s in at.subheader]
    assert not at.exception
