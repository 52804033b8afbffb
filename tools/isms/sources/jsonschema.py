"""JSON Schemas of the source files, generated from the schema models for editors' YAML plugins."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from isms.sources.ledger_schema import Ledger
from isms.sources.records_schema import (
    ActivityIndex,
    ActivityLog,
    AuditsFile,
    CompetenceFile,
    CorrectiveActionsFile,
    ObjectivesSource,
    ReviewsFile,
    TrainingFile,
)
from isms.sources.risk_schema import AssetInventory, RiskRegisterSource
from isms.sources.schema import ControlSource, PolicyIndex, Profile

SCHEMA_DIR = Path("tools/schema")
SCHEMAS: dict[str, type[BaseModel]] = {
    "profile.schema.json": Profile,
    "control.schema.json": ControlSource,
    "policies.schema.json": PolicyIndex,
    "releases.schema.json": Ledger,
    "assets.schema.json": AssetInventory,
    "risks.schema.json": RiskRegisterSource,
    "activities.schema.json": ActivityIndex,
    "activity-log.schema.json": ActivityLog,
    "objectives.schema.json": ObjectivesSource,
    "competence.schema.json": CompetenceFile,
    "training.schema.json": TrainingFile,
    "audits.schema.json": AuditsFile,
    "reviews.schema.json": ReviewsFile,
    "corrective-actions.schema.json": CorrectiveActionsFile,
}


def generate() -> dict[str, str]:
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = name
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out


def write(root: Path) -> list[Path]:
    directory = root / SCHEMA_DIR
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generate().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale(root: Path) -> list[str]:
    directory = root / SCHEMA_DIR
    return [name for name, text in generate().items() if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text]
