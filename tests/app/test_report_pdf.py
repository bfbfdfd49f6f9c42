"""The PDF report as a reader gets it: printed by Chromium from the HTML report, for 2, 3 and 4
packages in Chinese and English. The PDF's text (pypdf) holds the five-line conclusion, every
target row T1-T8, and under each target every package's runs-met count and median in column
order; nothing is set below 9 pt; the Excel workbook has the same tables."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest

from app import report, results, workbook
from app.messages import scenario_title, t, target_label
from app.packages import library, load_file
from app.runner import Request

pypdf = pytest.importorskip("pypdf")
openpyxl = pytest.importorskip("openpyxl")

SCALE, REPS, SEED = 0.02, 2, 11
STARTS = ("baseline", "capability", "finance", "talent_first")
# 1x1 white PNG: the figures of the 2- and 3-package reports (this test reads the tables; the
# 4-package reports carry the real figures)
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ff"
    "ff3f0005fe02fea7d6a4c40000000049454e44ae426082")


def _skip_without_chromium() -> None:
    try:
        report.chromium()
    except report.ReportError as exc:
        import os

        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def comps(svc):
    pkgs = []
    for name in STARTS:
        p = load_file(library()[name])
        p.origin, p.title = name, scenario_title(name, "zh")   # as the page loads a library start
        pkgs.append(p)
    pkgs[3].title = "自定义 方案 with a long custom name that must wrap inside its table cell"
    out = {}
    for n in (4, 3, 2):   # the 4-package run first: the smaller comparisons come from the cache
        out[n] = svc.comparison(svc.run(Request(tuple(pkgs[:n]), REPS, SCALE, SEED)))
    return out


def squash(text: str) -> str:
    """PDF text without whitespace, CJK compatibility forms folded (Chromium's fonts map some
    characters to Kangxi radicals and dashes to other dashes, which pypdf returns as such)."""
    return re.sub(r"[\u2010-\u2015\u2212]", "-", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))


def find(flat: str, expected: str, pos: int) -> tuple[int, int]:
    """(start, end) of ``expected`` in the PDF text from ``pos`` on, else (-1, pos). A CJK
    character may come back as a CJK Radicals Supplement character (U+2E80-U+2EFF; e.g. 长 as
    U+2ED3, from the font's glyph-to-Unicode table), which NFKC does not fold."""
    pattern = "".join(f"(?:{re.escape(c)}|[\u2e80-\u2eff])" if "\u4e00" <= c <= "\u9fff" else re.escape(c)
                      for c in squash(expected))
    m = re.compile(pattern).search(flat, pos)
    return (m.start(), m.end()) if m else (-1, pos)


def pdf_text_and_sizes(pdf: bytes) -> tuple[str, list[float], int]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5)

    text = "\n".join(page.extract_text(visitor_text=visit) for page in reader.pages)
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)   # landscape
    return text, sizes, len(reader.pages)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_pdf_holds_every_target_row_and_value_in_order(svc, comps, n, lang):
    _skip_without_chromium()
    comp = comps[n]
    pngs = svc.figures(comp, lang) if n == 4 else {k: BLANK_PNG for k in ("trajectories", "progress", "costs",
                                                                          "counties")}
    pdf = report.pdf_report(comp, lang, pngs)
    assert pdf[:5] == b"%PDF-"
    text, sizes, pages = pdf_text_and_sizes(pdf)
    flat = squash(text)
    # readable: nothing set below 9 pt (headings are larger)
    assert min(sizes) >= 8.99, f"text at {min(sizes):.2f} pt"   # 0.01 pt: Chromium rounds px to pt
    # the five-line conclusion opens the report
    lines = results.conclusion(comp, lang)
    assert len(lines) == 5
    pos = find(flat, t("conclusion", lang), 0)[1]
    for line in lines:
        at, pos = find(flat, line, pos)
        assert at >= 0, f"conclusion line missing: {line}"
    # the targets table: from its header on, T1..T8 in order, and under each target every
    # package's runs met ("k of n") and median (90% range), in column order
    pos = find(flat, t("p_met_k", lang), 0)[1]
    assert pos > 0
    _head, rows = results.targets_table(comp, lang)
    for tid in results.TARGET_IDS:
        at, pos = find(flat, f"{tid} {target_label(tid, lang)}", pos)
        assert at >= 0, f"target row {tid} not found"
        for pid in comp.ids:
            row = rows[results.TARGET_IDS.index(tid) * n + comp.ids.index(pid)]
            assert row[2] == comp.title(pid, lang)
            for cell in (row[2], row[3], row[4]):   # package, runs met, median (90% range)
                at, pos = find(flat, cell, pos)
                assert at >= 0, f"{tid} {pid}: {cell!r} not found in order"
    # the difference table marks paired differences whose range includes 0
    if any(not results.detectable(comp.dstat(pid, tid)) for pid in comp.ids[1:] for tid in results.TARGET_IDS):
        assert find(flat, t("no_detectable", lang), 0)[0] >= 0
    # every package appears in the lever settings and the cost table
    for pid in comp.ids:
        title, at, count = comp.title(pid, lang), 0, 0
        while (hit := find(flat, title, at))[0] >= 0:
            count, at = count + 1, hit[1]
        assert count >= 4, f"{title} appears {count} times"
    assert pages >= 4   # conclusion, targets, differences, costs at least


def test_excel_workbook_has_the_tables(comps):
    comp = comps[3]
    for lang in ("zh", "en"):
        wb = openpyxl.load_workbook(io.BytesIO(workbook.xlsx(comp, lang)))
        assert wb.sheetnames[0] == t("conclusion", lang)
        assert [wb.worksheets[0].cell(row=3 + i, column=2).value for i in range(5)] == results.conclusion(comp, lang)
        ws = wb[t("tab_targets", lang)]
        head, rows = results.targets_table(comp, lang)
        assert [c.value for c in ws[4]] == head
        got = [[c.value if c.value is not None else "" for c in r] for r in ws.iter_rows(min_row=5)]
        assert got == rows
        assert t("cost_met", lang)[:31] in wb.sheetnames

