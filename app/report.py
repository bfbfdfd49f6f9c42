"""The comparison report: a self-contained HTML file (figures embedded as base64 PNG, no link to
anything outside), the same HTML printed to PDF by Chromium's layout engine (headless
``--print-to-pdf``, the browser the app's tests already use), and an Excel workbook of the tables
(:mod:`app.workbook`). The app shows the same HTML tables.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from app import figures
from app.messages import t
from app.posterior import describe as describe_posterior
from app.results import (
    MIN_REPS_ADVISED,
    Comparison,
    Table,
    conclusion,
    cost_lever_table,
    cost_met_table,
    deep_line,
    deep_provenance,
    diff_table,
    futures_table,
    futures_values_table,
    lever_settings_table,
    milestones_table,
    notes,
    targets_table,
)

TABLE_CSS = """
table.steppe { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.2em 0; }
table.steppe td, table.steppe th { overflow-wrap: break-word; }
table.steppe td.text { text-align: left; }
table.steppe th, table.steppe td { border: 1px solid #bbb; padding: 3px 6px; text-align: right; vertical-align: top; }
table.steppe th { background: #eef2f7; text-align: center; }
table.steppe td:first-child, table.steppe th:first-child { text-align: left; }
p.caption { color: #555; font-size: 0.85em; max-width: 70em; }
img.figure { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
"""
# Print: A4 landscape, tables at 9.5 pt wrapping inside their cells, the header row repeated on
# every page, rows never split across pages, figures scaled to the page width.
PRINT_CSS = """
@page { size: A4 landscape; margin: 11mm 10mm 12mm 10mm; }
@media print {
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; font-size: 10pt; }
  h1 { font-size: 17pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 10pt 0 3pt 0; break-after: avoid; }
  h3 { font-size: 11pt; break-after: avoid; }
  table.steppe { font-size: 9.5pt; width: 99%; table-layout: auto; }
  table.steppe thead { display: table-header-group; }
  table.steppe tr { break-inside: avoid; }
  p.caption { font-size: 9pt; max-width: none; break-after: avoid; }
  img.figure { max-width: 100%; max-height: 175mm; break-inside: avoid; display: block; }
  ol.conclusion { font-size: 11pt; }
}
"""
CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 1.5em; color: #222; }
ol.conclusion li { margin: 0.25em 0; } p.warning { color: #a33; font-weight: bold; }
p.deep { color: #333; font-style: italic; max-width: 70em; }
tr.first td { border-top: 2px solid #777; }
""" + TABLE_CSS + PRINT_CSS


def esc(s: object) -> str:
    return html.escape(str(s)).replace("\n", "<br>")


def table_html(table: Table, css_id: str = "") -> str:
    head, rows = table
    out = [f'<table class="steppe"{f" id={chr(34)}{css_id}{chr(34)}" if css_id else ""}><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        first = ' class="first"' if row and row[0] else ""   # long tables: a rule above each group
        out.append(f"<tr{first}>" + "".join(f"<td{_align(c)}>{esc(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _align(cell: object) -> str:
    """Numbers right-aligned (the default), names and words left-aligned."""
    text = str(cell).strip()
    return "" if not text or text[0] in "+-–−0123456789.(" else ' class="text"'


def provenance_rows(comp: Comparison, lang: str) -> list[tuple[str, str]]:
    pv = comp.provenance
    seeds = ", ".join(str(s) for s in comp.seeds[:10]) + (" …" if len(comp.seeds) > 10 else "")
    params = [f"{comp.title(pid, lang)}: {comp.packages[pid].parameters}" for pid in comp.ids
              if comp.packages[pid].parameters]
    return [
        (t("report_generated", lang, when=pv["generated"]), ""),
        (t("run_meta", lang, reps=comp.reps, n=len(comp.ids), scale=comp.scale, seed=comp.base_seed), ""),
        (t("seeds", lang), seeds),
        (t("seed_rule", lang), pv["seed_rule"]),
        (t("model_version", lang), str(pv["model_version"])),
        (t("git_commit", lang), str(pv["git_commit"] or "–")),
        (t("model_hash", lang), pv["model_sha256"][:16]),
        (t("posterior", lang), describe_posterior(pv["posterior"], lang)),
        (t("deep_provenance", lang), deep_provenance(comp, lang)),
        (t("parameters_overridden", lang), "; ".join(params) or t("none", lang)),
    ]


def sections(comp: Comparison, lang: str) -> list[tuple[str, Table, str]]:
    """(heading, table, caption) in report order."""
    out = [(t("tab_targets", lang), targets_table(comp, lang), t("targets_caption", lang)),
           (t("milestones", lang), milestones_table(comp, lang), t("milestones_caption", lang))]
    if len(comp.ids) > 1:
        out.append((t("tab_diff", lang), diff_table(comp, lang),
                    t("diff_caption", lang, ref=comp.title(comp.reference, lang))))
    out.append((t("cost_by_lever", lang), cost_lever_table(comp, lang), ""))
    if len(comp.ids) > 1:
        out.append((t("cost_met", lang), cost_met_table(comp, lang), t("cost_met_caption", lang)))
    out.append((t("lever_settings", lang), lever_settings_table(comp, lang), ""))
    if comp.futures is not None:     # a section of its own: the futures are never pooled with the above
        fu = comp.futures
        out.append((t("futures_heading", lang, L=fu.n), futures_table(comp, lang),
                    t("futures_caption", lang, n=len(fu.central), seed=comp.base_seed, reps=comp.reps)))
        out.append((t("futures_values_heading", lang), futures_values_table(comp, lang),
                    t("futures_values_caption", lang)))
    return out


def html_report(comp: Comparison, lang: str, pngs: dict[str, bytes] | None = None) -> str:
    """The whole report as one HTML document."""
    pngs = pngs or figures.all_png(comp, lang)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{html.escape(t('report_title', lang))}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(t('report_title', lang))}</h1>",
             "<p>" + " · ".join(html.escape(comp.title(pid, lang)) for pid in comp.ids) + "</p>",
             f"<h2>{html.escape(t('conclusion', lang))}</h2>", '<ol class="conclusion">',
             *[f"<li>{html.escape(x)}</li>" for x in conclusion(comp, lang)], "</ol>",
             f'<p class="deep" id="deep-central">{html.escape(deep_line(comp, lang))}</p>']
    if comp.reps < MIN_REPS_ADVISED:
        parts.append(f'<p class="warning">{html.escape(t("few_reps", lang, reps=comp.reps, min=MIN_REPS_ADVISED))}</p>')
    parts.append(f"<h2>{html.escape(t('provenance', lang))}</h2><ul>")
    parts += [f"<li>{html.escape(k)}{': ' + html.escape(v) if v else ''}</li>"
              for k, v in provenance_rows(comp, lang)]
    parts.append("</ul>")
    figs_after = {t("tab_targets", lang): ("progress", "trajectories"), t("cost_by_lever", lang): ("costs",)}
    for heading, table, caption in sections(comp, lang):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if caption:
            parts.append(f'<p class="caption">{html.escape(caption)}</p>')
        parts.append(table_html(table))
        for name in figs_after.get(heading, ()):
            parts.append(img_tag(pngs[name], name))
    parts.append(f"<h2>{html.escape(t('tab_counties', lang))}</h2>"
                 f'<p class="caption">{html.escape(t("counties_caption", lang))}</p>'
                 + img_tag(pngs["counties"], "counties"))
    if len(comp.ids) > 1:
        parts.append(f"<h2>{html.escape(t('tab_notes', lang))}</h2>"
                     f'<p class="caption">{html.escape(t("notes_caption", lang))}</p>')
        for pid, lines in notes(comp, lang).items():
            parts.append(f"<h3>{html.escape(comp.title(pid, lang))}</h3><ul>"
                         + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def img_tag(data: bytes, name: str) -> str:
    return f'<img class="figure" alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


# -- PDF ------------------------------------------------------------------------------------------
CHROMIUM_ENV = "STEPPE_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
PRINT_TIMEOUT_S = 180


class ReportError(RuntimeError):
    """The PDF could not be made (no Chromium, or it failed); the message says why."""


def chromium() -> str:
    """The Chromium executable: ``$STEPPE_CHROMIUM``, else the first of the usual names on PATH."""
    if path := os.environ.get(CHROMIUM_ENV):
        return path
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    raise ReportError("Chromium not found (install the Debian package chromium, or set STEPPE_CHROMIUM)")


def print_pdf(document: str) -> bytes:
    """Print an HTML document to PDF with headless Chromium (A4 landscape from the document's
    ``@page`` rule, no header or footer). Runs offline: the document links nothing outside and
    Chromium's background networking is off."""
    with tempfile.TemporaryDirectory(prefix="steppe-pdf-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(document, encoding="utf-8")
        cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--no-pdf-header-footer", f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportError(f"Chromium failed: {exc}") from exc
        if not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ReportError(f"Chromium wrote no PDF (status {proc.returncode}): {' / '.join(tail)}")
        return out.read_bytes()


def pdf_report(comp: Comparison, lang: str, pngs: dict[str, bytes] | None = None) -> bytes:
    """The HTML report printed to PDF by Chromium."""
    return print_pdf(html_report(comp, lang, pngs))
