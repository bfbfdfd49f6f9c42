"""The comparison's tables as an Excel workbook (openpyxl): the conclusion and provenance on the
first sheet, then one sheet per table of the report, with the same cells as the HTML report."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from app.messages import t
from app.report import provenance_rows, sections
from app.results import Comparison, Table, conclusion, deep_line, notes

SHEET_NAME_MAX = 31   # Excel's limit
BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_title(text: str, used: set[str]) -> str:
    base = text.translate(BAD_SHEET_CHARS).strip()[:SHEET_NAME_MAX] or "sheet"
    name, n = base, 2
    while name in used:
        suffix = f" {n}"
        name, n = base[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _put_table(ws, table: Table, start_row: int) -> None:
    head, rows = table
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, h in enumerate(head, start=1):
        cell = ws.cell(row=start_row, column=j, value=h)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
    for i, row in enumerate(rows, start=start_row + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v).alignment = wrap
    for j, h in enumerate(head, start=1):
        width = max(len(str(h)), *(len(str(r[j - 1])) for r in rows)) if rows else len(str(h))
        ws.column_dimensions[ws.cell(row=start_row, column=j).column_letter].width = min(60, max(10, width + 2))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)


def xlsx(comp: Comparison, lang: str) -> bytes:
    """The workbook as bytes."""
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_title(t("conclusion", lang), used)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 120
    ws.cell(row=1, column=1, value=t("report_title", lang)).font = Font(bold=True, size=14)
    r = 3
    for i, line in enumerate(conclusion(comp, lang), start=1):
        ws.cell(row=r, column=1, value=i)
        ws.cell(row=r, column=2, value=line).alignment = Alignment(wrap_text=True)
        r += 1
    ws.cell(row=r, column=2, value=deep_line(comp, lang)).alignment = Alignment(wrap_text=True)
    r += 2
    ws.cell(row=r, column=1, value=t("provenance", lang)).font = Font(bold=True)
    for k, v in provenance_rows(comp, lang):
        r += 1
        ws.cell(row=r, column=1, value=k)
        ws.cell(row=r, column=2, value=v)
    for heading, table, caption in sections(comp, lang):
        sheet = wb.create_sheet(_sheet_title(heading, used))
        sheet.cell(row=1, column=1, value=heading).font = Font(bold=True, size=12)
        if caption:
            sheet.cell(row=2, column=1, value=caption)
        _put_table(sheet, table, 4)
    if len(comp.ids) > 1:
        sheet = wb.create_sheet(_sheet_title(t("tab_notes", lang), used))
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 120
        r = 1
        for pid, lines in notes(comp, lang).items():
            sheet.cell(row=r, column=1, value=comp.title(pid, lang)).font = Font(bold=True)
            for line in lines:
                sheet.cell(row=r, column=2, value=line).alignment = Alignment(wrap_text=True)
                r += 1
            r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
