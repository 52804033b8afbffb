"""The Annex A catalogue: 93 controls, attributes from the ISO/IEC 27002:2022 vocabularies, natural order."""

from __future__ import annotations

import json
from collections import Counter

from isms.sources.catalogue import ATTRIBUTES, load_catalogue
from isms.sources.schema import natural_key


def test_catalogue_json_lists_93_controls(run) -> None:
    result = run("catalogue", "--json")
    assert result.code == 0
    controls = json.loads(result.out)
    assert len(controls) == 93
    assert Counter(c["theme"] for c in controls) == {"organizational": 37, "people": 8, "physical": 14, "technological": 34}
    assert len({c["id"] for c in controls}) == 93
    assert all(isinstance(c["id"], str) for c in controls)


def test_catalogue_entry_shape_matches_the_documented_example(run) -> None:
    controls = {c["id"]: c for c in json.loads(run("catalogue", "--json").out)}
    assert controls["5.15"] == {
        "id": "5.15",
        "theme": "organizational",
        "title": {"ja": "アクセス制御", "en": "Access control"},
        "attributes": {
            "control_type": ["Preventive"],
            "properties": ["Confidentiality", "Integrity", "Availability"],
            "concepts": ["Protect"],
            "capabilities": ["Identity_and_access_management"],
            "domains": ["Protection"],
        },
    }
    assert controls["5.7"]["attributes"]["control_type"] == ["Preventive", "Detective", "Corrective"]
    assert controls["8.16"]["attributes"]["concepts"] == ["Detect", "Respond"]


def test_attribute_values_come_from_the_standard_vocabularies() -> None:
    for control in load_catalogue():
        for name, values in control.attributes.items():
            assert values, (control.id, name)
            assert set(values) <= set(ATTRIBUTES[name]), (control.id, name, values)
            assert not any(v.startswith("#") for v in values)
        assert control.title_ja and control.title_en and control.summary_ja and control.summary_en


def test_ids_sort_naturally(run) -> None:
    ids = [c["id"] for c in json.loads(run("catalogue", "--json").out)]
    assert ids.index("5.2") < ids.index("5.10") < ids.index("5.37") < ids.index("6.1")
    assert ids == sorted(ids, key=natural_key)
    assert ids[0] == "5.1" and ids[-1] == "8.34"


def test_corrective_controls_match_the_standard() -> None:
    # ISO/IEC 27002:2022 marks exactly these 14 controls #Corrective.
    corrective = {c.id for c in load_catalogue() if "Corrective" in c.attributes["control_type"]}
    assert corrective == {"5.5", "5.6", "5.7", "5.24", "5.26", "5.28", "5.29", "5.30", "5.35", "5.37", "6.4", "8.7", "8.13", "8.16"}
