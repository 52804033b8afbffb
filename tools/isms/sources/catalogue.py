"""The ISO/IEC 27001:2022 Annex A catalogue (package data), with ISO/IEC 27002:2022 attributes."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import ruamel.yaml
from ruamel.yaml import YAML

from isms import trust
from isms.sources.schema import natural_key

Theme = Literal["organizational", "people", "physical", "technological"]

# Theme -> its number in Annex A (5. Organizational controls ...); the names are words (isms.i18n: theme_<theme>).
THEMES: dict[str, str] = {"organizational": "5", "people": "6", "physical": "7", "technological": "8"}

# Attribute vocabularies of ISO/IEC 27002:2022 (hashtags without '#'), in the standard's order. Their names
# are words (isms.i18n: attr_<attribute>, attr_value_<value>).
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "control_type": ("Preventive", "Detective", "Corrective"),
    "properties": ("Confidentiality", "Integrity", "Availability"),
    "concepts": ("Identify", "Protect", "Detect", "Respond", "Recover"),
    "capabilities": (
        "Governance",
        "Asset_management",
        "Information_protection",
        "Human_resource_security",
        "Physical_security",
        "System_and_network_security",
        "Application_security",
        "Secure_configuration",
        "Identity_and_access_management",
        "Threat_and_vulnerability_management",
        "Continuity",
        "Supplier_relationships_security",
        "Legal_and_compliance",
        "Information_security_event_management",
        "Information_security_assurance",
    ),
    "domains": ("Governance_and_Ecosystem", "Protection", "Defence", "Resilience"),
}


@dataclass(frozen=True)
class CatalogueControl:
    id: str
    theme: Theme
    title_ja: str
    title_en: str
    summary_ja: str
    summary_en: str
    attributes: dict[str, tuple[str, ...]]

    @property
    def sort_key(self) -> tuple[int, ...]:
        return natural_key(self.id)

    def title(self, lang: str) -> str:
        return self.title_ja if lang == "ja" else self.title_en

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "theme": self.theme,
            "title": {"ja": self.title_ja, "en": self.title_en},
            "attributes": {name: list(values) for name, values in self.attributes.items()},
        }


# The package's data files parsed, kept by this machine (isms.trust) under the hash of their text and
# the parser's version: ruamel's safe loader took 35 ms of every process for the catalogue alone.
PARSED = "package-data"  # the cache's kind
used_entries: set[str] = set()
_parsed: dict[str, Any] = {}


def keep_parsed(root: Path) -> None:
    """Parse the package's data files once per machine (builds and checks call this first):
    load_catalogue() and load_clauses() then take the kept data."""
    for name in _DATA_FILES:
        text = resources.files("isms.data").joinpath(name).read_text(encoding="utf-8")
        key = hashlib.sha256(f"{ruamel.yaml.__version__}\0{name}\0".encode() + text.encode("utf-8")).hexdigest()
        used_entries.add(key)
        stored = trust.load(root, PARSED, key)
        if stored is not None:
            with contextlib.suppress(ValueError, TypeError):
                _parsed.setdefault(name, json.loads(stored))
                continue
        data = _parse(name, text)
        trust.store(root, PARSED, key, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _parse(name: str, text: str | None = None) -> Any:
    if name not in _parsed:
        text = text if text is not None else resources.files("isms.data").joinpath(name).read_text(encoding="utf-8")
        _parsed[name] = YAML(typ="safe").load(text)
    return _parsed[name]


_DATA_FILES = ("annex_a.yaml", "clauses.yaml")


@cache
def load_catalogue() -> tuple[CatalogueControl, ...]:
    """All 93 controls in natural order. The data file is validated by the test suite."""
    raw = _parse("annex_a.yaml")
    controls = [
        CatalogueControl(
            id=str(entry["id"]),
            theme=entry["theme"],
            title_ja=entry["title"]["ja"],
            title_en=entry["title"]["en"],
            summary_ja=entry["summary"]["ja"],
            summary_en=entry["summary"]["en"],
            attributes={name: tuple(entry["attributes"][name]) for name in ATTRIBUTES},
        )
        for entry in raw["controls"]
    ]
    return tuple(sorted(controls, key=lambda c: c.sort_key))


@cache
def load_clauses() -> tuple[dict, ...]:
    """ISO/IEC 27001 clauses 4-10 with the documented information each asks for (package data)."""
    return tuple(_parse("clauses.yaml")["clauses"])

