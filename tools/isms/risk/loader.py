"""Load manual_src/assets.yaml and manual_src/risks.yaml with positions (called by sources.loader)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isms.problems import Problem
from isms.risk.schema import AssetInventory, RiskRegisterSource
from isms.sources.yamlio import position, read_yaml, validate

ASSETS_PATH = Path("manual_src/assets.yaml")
RISKS_PATH = Path("manual_src/risks.yaml")


@dataclass(frozen=True)
class LoadedYaml:
    """A validated file, with its raw round-trip data for positions."""

    path: Path
    model: Any
    data: Any

    def where(self, *loc: str | int) -> tuple[int, int]:
        return position(self.data, loc)


def _load(root: Path, relative: Path, model: type, what: str) -> tuple[LoadedYaml | None, list[Problem]]:
    path = root / relative
    if not path.exists():
        return None, [Problem(path, 1, 1, f"{relative} is missing: it holds the {what} (see the sample organisation's file)")]
    data, problems = read_yaml(path, root)
    if data is None:
        return None, problems
    parsed, problems = validate(model, data, path)
    return (LoadedYaml(path, parsed, data) if parsed is not None else None), problems


def load_register(root: Path) -> tuple[LoadedYaml | None, LoadedYaml | None, list[Problem]]:
    assets, problems = _load(root, ASSETS_PATH, AssetInventory, "asset inventory (資産目録)")
    risks, found = _load(root, RISKS_PATH, RiskRegisterSource, "risk register (リスクアセスメント)")
    return assets, risks, problems + found
