"""The comparison report: a self-contained HTML file (figures embedded as base64 PNG, no link to
anything outside) and a PDF drawn with matplotlib (``PdfPages``) and the bundled CJK font, so
neither needs a browser or the network. The app shows the same HTML tables.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

from matplotlib.backends.backend_pdf import PdfPages

from app import figures
from app.messages import t
from app.posterior import describe as describe_posterior
from app.results import (
    Comparison,
    Table,
    cost_lever_table,
    cost_per_progress_table,
    diff_table,
    lever_settings_table,
    notes,
    targets_table,
)
from model.plotting import plt, use_cjk_font

TABLE_CSS = """
table.steppe { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.2em 0; }
table.steppe th, table.steppe td { border: 1px solid #bbb; padding: 3px 6px; text-align: right; vertical-align: top; }
table.steppe th { background: #eef2f7; text-align: center; }
table.steppe td:first-child, table.steppe th:first-child { text-align: left; }
p.caption { color: #555; font-size: 0.85em; max-width: 70em; }
img.figure { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
"""
CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 1.5em; color: #222; }
""" + TABLE_CSS


def esc(s: object) -> str:
    return html.escape(str(s)).replace("\n", "<br>")


def table_html(table: Table, css_id: str = "") -> str:
    head, rows = table
    out = [f'<table class="steppe"{f" id={chr(34)}{css_id}{chr(34)}" if css_id else ""}><thead><tr>']
    out += [f"<th>{esc(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def provenance_rows(comp: Comparison, lang: str) -> list[tuple[str, str]]:
    pv = comp.provenance
    seeds = ", ".join(str(s) for s in comp.seeds[:10]) + (" …" if len(comp.seeds) > 10 else "")
    params = [f"{comp.title(pid)}: {comp.packages[pid].parameters}" for pid in comp.ids
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
        (t("parameters_overridden", lang), "; ".join(params) or t("none", lang)),
    ]


def sections(comp: Comparison, lang: str) -> list[tuple[str, Table, str]]:
    """(heading, table, caption) in report order."""
    out = [(t("tab_targets", lang), targets_table(comp, lang), t("targets_caption", lang))]
    if len(comp.ids) > 1:
        out.append((t("tab_diff", lang), diff_table(comp, lang),
                    t("diff_caption", lang, ref=comp.title(comp.reference))))
    out.append((t("cost_by_lever", lang), cost_lever_table(comp, lang), ""))
    if len(comp.ids) > 1:
        out.append((t("cost_per_progress", lang), cost_per_progress_table(comp, lang),
                    t("cost_per_progress_caption", lang)))
    out.append((t("lever_settings", lang), lever_settings_table(comp, lang), ""))
    return out


def html_report(comp: Comparison, lang: str, pngs: dict[str, bytes] | None = None) -> str:
    """The whole report as one HTML document."""
    pngs = pngs or figures.all_png(comp, lang)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{html.escape(t('report_title', lang))}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(t('report_title', lang))}</h1>",
             "<p>" + " · ".join(html.escape(comp.title(pid)) for pid in comp.ids) + "</p>"]
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
            parts.append(f"<h3>{html.escape(comp.title(pid))}</h3><ul>"
                         + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def img_tag(data: bytes, name: str) -> str:
    return f'<img class="figure" alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


# -- PDF ------------------------------------------------------------------------------------------
A4_LANDSCAPE = (11.69, 8.27)


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.fill(line, width) if line else "" for line in str(s).split("\n"))


def _text_page(pdf: PdfPages, title: str, lines: list[str]) -> None:
    fig = plt.figure(figsize=A4_LANDSCAPE)
    fig.text(0.05, 0.94, title, fontsize=16, weight="bold", va="top")
    fig.text(0.05, 0.88, "\n".join(lines), fontsize=9, va="top", linespacing=1.5)
    pdf.savefig(fig)
    plt.close(fig)


def _table_pages(pdf: PdfPages, heading: str, table: Table, caption: str, rows_per_page: int = 18) -> None:
    head, rows = table
    width = max(8, 110 // max(1, len(head)))
    for start in range(0, max(1, len(rows)), rows_per_page):
        chunk = rows[start:start + rows_per_page]
        fig = plt.figure(figsize=A4_LANDSCAPE)
        fig.text(0.04, 0.96, heading, fontsize=13, weight="bold", va="top")
        if caption:
            fig.text(0.04, 0.915, _wrap(caption, 150), fontsize=7.5, va="top", color="#444")
        ax = fig.add_axes((0.03, 0.03, 0.94, 0.8))
        ax.axis("off")
        tab = ax.table(cellText=[[_wrap(c, width) for c in r] for r in chunk] or [[""] * len(head)],
                       colLabels=[_wrap(h, width) for h in head], loc="upper left", cellLoc="left")
        tab.auto_set_font_size(False)
        tab.set_fontsize(6.5 if len(head) > 8 else 7.5)
        lines = max([1, *[str(c).count("\n") + 1 for r in [head, *chunk] for c in r]])
        tab.scale(1, 1.1 + 0.5 * min(lines, 4))
        pdf.savefig(fig)
        plt.close(fig)


def _image_page(pdf: PdfPages, data: bytes) -> None:
    """A figure already drawn as PNG (for the page) placed on its own PDF page."""
    from matplotlib.image import imread

    img = imread(io.BytesIO(data), format="png")
    w = img.shape[1]
    fig = plt.figure(figsize=A4_LANDSCAPE)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.imshow(img, interpolation="antialiased")
    ax.set_aspect("equal")
    ax.axis("off")
    pdf.savefig(fig, dpi=max(90, int(w / A4_LANDSCAPE[0])))
    plt.close(fig)


def pdf_report(comp: Comparison, lang: str, pngs: dict[str, bytes] | None = None) -> bytes:
    """The report as PDF bytes: provenance, tables, figures and notes. Figures are drawn afresh,
    or placed from ``pngs`` (the page's) when given, which is quicker."""
    use_cjk_font()
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": t("report_title", lang), "Creator": "Digital Steppe",
                                 "CreationDate": None}) as pdf:
        first = [" · ".join(comp.title(pid) for pid in comp.ids), ""]
        first += [f"{k}{': ' + v if v else ''}" for k, v in provenance_rows(comp, lang)]
        _text_page(pdf, t("report_title", lang), [_wrap(x, 140) for x in first])
        for heading, table, caption in sections(comp, lang):
            _table_pages(pdf, heading, table, caption)
        for name, fn in figures.FIGURES.items():
            if pngs and name in pngs:
                _image_page(pdf, pngs[name])
                continue
            fig = fn(comp, lang)
            pdf.savefig(fig)
            plt.close(fig)
        if len(comp.ids) > 1:
            lines = [_wrap(t("notes_caption", lang), 120), ""]
            for pid, ls in notes(comp, lang).items():
                lines += [f"【{comp.title(pid)}】", *[_wrap("• " + x, 120) for x in ls], ""]
            _text_page(pdf, t("tab_notes", lang), lines[:60])
    return buf.getvalue()


def write(comp: Comparison, lang: str, path: str, pngs: dict[str, bytes] | None = None) -> None:
    """Write an .html or .pdf report to ``path`` atomically."""
    import os
    import tempfile
    from pathlib import Path

    p = Path(path)
    pdf = p.suffix.lower() == ".pdf"
    data = pdf_report(comp, lang) if pdf else html_report(comp, lang, pngs).encode("utf-8")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, p)
