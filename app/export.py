"""Writing a comparison's report in the format its file name asks for (.html, .pdf, .xlsx).

Apart from :mod:`app.report` (HTML and PDF) and :mod:`app.workbook` (Excel, which reads the
report's tables), so that neither imports the other's caller."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app import workbook
from app.report import html_report, pdf_report
from app.results import Comparison


def write(comp: Comparison, lang: str, path: str, pngs: dict[str, bytes] | None = None) -> None:
    """Write an .html, .pdf or .xlsx report to ``path`` atomically."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".pdf":
        data = pdf_report(comp, lang, pngs)
    elif suffix == ".xlsx":
        data = workbook.xlsx(comp, lang)
    else:
        data = html_report(comp, lang, pngs).encode("utf-8")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, p)
