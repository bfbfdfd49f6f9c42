"""The examples of docs/API.md run as written, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")   # inside EMA 3.0.0's PRIM
def test_api_examples_run(capsys, monkeypatch, tmp_path):
    pytest.importorskip("ema_workbench")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    namespace: dict = {"__name__": "api_docs"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "promotion_centres: 3.7 is not allowed" in out       # the validation example printed
    assert "1.0" in out
