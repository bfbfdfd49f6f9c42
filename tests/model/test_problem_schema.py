"""`steppe levers --json` and `steppe params --json` follow docs/problem.schema.json, and the
docs tables generated from them are up to date."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import jsonschema
import pytest

from steppe.cli import main

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "problem.schema.json").read_text(encoding="utf-8"))


def _json_of(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", ["levers", "params"])
def test_json_output_validates_against_the_schema(capsys, command):
    doc = _json_of(capsys, command, "--json")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_schema_rejects_a_broken_document(capsys):
    doc = _json_of(capsys, "levers", "--json")
    doc["levers"][0]["kind"] = "colour"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_documents_are_complete(capsys):
    lv = _json_of(capsys, "levers", "--json")
    assert len(lv["timings"]) == len(lv["levers"])
    assert all(v["label_zh"] and v["label_en"] for v in lv["levers"] + lv["timings"])
    assert {t["id"] for t in lv["targets"]} == {f"T{i}" for i in range(1, 9)}
    params = _json_of(capsys, "params", "--json")["parameters"]
    by_name = {p["name"]: p for p in params}
    assert by_name["enterprises.level_shares_other"]["constraint"] == "simplex"
    assert by_name["enterprises.step_cost_cny"]["constraint"] == "increasing"
    assert by_name["herders.livestock_head"]["role"] == "constant"
    assert all(p["label_en"] for p in params)
    assert all(p["label_zh"] for p in params if p["role"] == "uncertainty")


def test_chinese_labels_name_only_declared_parameters():
    from model.labels_zh import PARAM_EN, PARAM_ZH
    from model.problem import parameter_variables

    names = {v.name for v in parameter_variables()}
    assert set(PARAM_ZH) <= names and set(PARAM_EN) <= names


def test_docs_tables_are_up_to_date():
    spec = importlib.util.spec_from_file_location("problem_tables", REPO / "scripts" / "problem_tables.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for path, text in mod.tables().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run python scripts/problem_tables.py")
