"""The ISO/IEC 27001:2022 Annex A catalogue (package data), with ISO/IEC 27002:2022 attributes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from ruamel.yaml import YAML

from isms.sources.schema import natural_key

Theme = Literal["organizational", "people", "physical", "technological"]

THEMES: dict[str, dict[str, str]] = {
    "organizational": {"ja": "組織的管理策", "en": "Organizational controls", "number": "5"},
    "people": {"ja": "人的管理策", "en": "People controls", "number": "6"},
    "physical": {"ja": "物理的管理策", "en": "Physical controls", "number": "7"},
    "technological": {"ja": "技術的管理策", "en": "Technological controls", "number": "8"},
}

# Attribute vocabularies of ISO/IEC 27002:2022 (hashtags without '#'), in the standard's order.
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

ATTRIBUTE_NAMES: dict[str, dict[str, str]] = {
    "control_type": {"ja": "管理策タイプ", "en": "Control type"},
    "properties": {"ja": "情報セキュリティ特性", "en": "Information security properties"},
    "concepts": {"ja": "サイバーセキュリティ概念", "en": "Cybersecurity concepts"},
    "capabilities": {"ja": "運用機能", "en": "Operational capabilities"},
    "domains": {"ja": "セキュリティドメイン", "en": "Security domains"},
}

# JIS Q 27002:2024 renderings of the attribute values (as the METI guideline quotes them, table 1).
VALUE_NAMES_JA: dict[str, str] = {
    "Preventive": "予防",
    "Detective": "検知",
    "Corrective": "是正",
    "Confidentiality": "機密性",
    "Integrity": "完全性",
    "Availability": "可用性",
    "Identify": "識別",
    "Protect": "防御",
    "Detect": "検知",
    "Respond": "対応",
    "Recover": "復旧",
    "Governance": "ガバナンス",
    "Asset_management": "資産管理",
    "Information_protection": "情報保護",
    "Human_resource_security": "人的資源のセキュリティ",
    "Physical_security": "物理的セキュリティ",
    "System_and_network_security": "システム及びネットワークのセキュリティ",
    "Application_security": "アプリケーションセキュリティ",
    "Secure_configuration": "セキュリティを保った構成",
    "Identity_and_access_management": "識別情報及びアクセスの管理",
    "Threat_and_vulnerability_management": "脅威及びぜい弱性の管理",
    "Continuity": "継続",
    "Supplier_relationships_security": "供給者関係のセキュリティ",
    "Legal_and_compliance": "法令及び順守",
    "Information_security_event_management": "情報セキュリティ事象管理",
    "Information_security_assurance": "情報セキュリティ保証",
    "Governance_and_Ecosystem": "ガバナンス及びエコシステム",
    "Protection": "保護",
    "Defence": "防御",
    "Resilience": "レジリエンス",
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


@cache
def load_catalogue() -> tuple[CatalogueControl, ...]:
    """All 93 controls in natural order. The data file is validated by the test suite."""
    text = resources.files("isms.data").joinpath("annex_a.yaml").read_text(encoding="utf-8")
    raw = YAML(typ="safe").load(text)
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
    text = resources.files("isms.data").joinpath("clauses.yaml").read_text(encoding="utf-8")
    return tuple(YAML(typ="safe").load(text)["clauses"])


def value_name(value: str, lang: str) -> str:
    return VALUE_NAMES_JA.get(value, value) if lang == "ja" else value.replace("_", " ")
