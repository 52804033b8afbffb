"""The JSON Schemas that editors' YAML plugins use are generated from the models and kept current."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from isms.sources import jsonschema as schemas


def test_committed_schemas_are_current(run) -> None:
    result = run("--root", str(REPO), "schema")
    assert result.code == 0, result.out + " (run `make schema`)"


def test_control_schema_rejects_unknown_keys_and_documents_values() -> None:
    schema = json.loads((REPO / "tools/schema/control.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["id"]["pattern"] == r"^[5-8]\.[1-9][0-9]?$"
    assert "procedure" in schema["properties"]
    assert set(schemas.SCHEMAS) == {p.name for p in (REPO / "tools/schema").glob("*.json")}


def test_sources_point_at_their_schema() -> None:
    first = (REPO / "controls/5.15.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../tools/schema/control.schema.json"
    assert Path(REPO / first.split("=", 1)[1].replace("../", "")).exists()
