"""Every fact of the organisation profile reaches the document set: the scope and criteria document
(ISMS適用範囲及び基準) prints the scope, organisation, classification scheme, risk criteria with their
labelled scales, review intervals and audiences, whether or not the manual's text repeats them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from docutils.core import publish_doctree
from pydantic import BaseModel

from conftest import REPO, edit
from isms.bodies import build_bodies
from isms.check import check
from isms.model import Isms
from isms.sources.schema import IDENT_PATTERN, Numbering, Profile

# Fields printed through what they make or name, not as their own text: why.
PRINTED_ELSEWHERE = {
    "language": "the language every word is printed in",
    "numbering": "the document numbers (every cover, header and the register)",
    "distribution": "the distribution section of every Word document (its frame)",
    "manual": "the manual's cover and the register (title, owner, approver, classification)",
    "documents": "the owners, approvers and classifications in the register and on every cover",
    "default_classification": "named in the classification section",
    "residual_approver": "named (as the role's name) in the risk criteria",
    "top_management": "named (as the role's name) in the organisation section",
}


def leaves(value: object, path: tuple[str, ...] = ()):
    """(path, value) of every scalar in the profile; identifiers (references) are skipped."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from leaves(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, path)
    elif isinstance(value, dict):  # keyed by ids (retention, information, a role's deputies): the values count
        for item in value.values():
            yield from leaves(item, path)
    elif isinstance(value, (str, int)) and not isinstance(value, bool):
        yield path, value


@pytest.fixture(scope="module")
def isms() -> Isms:
    model, problems = check(REPO)
    assert model is not None and not problems, problems
    return model


def plain(rest: str) -> str:
    """The text a reader sees of a reST body (escapes resolved, markup gone), spaces collapsed."""
    document = publish_doctree(rest, settings_overrides={"report_level": 5, "halt_level": 5})
    return " ".join(document.astext().split())


def test_every_profile_field_is_printed(isms: Isms) -> None:
    """In the profile's language; the *_en translations in the same document of an English build."""
    scope = {"ja": plain(build_bodies(isms).documents["scope"].site)}
    english = dataclasses.replace(isms, profile=isms.profile.model_copy(update={"language": "en"}))
    scope["en"] = plain(build_bodies(english).documents["scope"].site)
    missing = []
    for path, value in leaves(isms.profile):
        if path[0] in PRINTED_ELSEWHERE or path[-1] in PRINTED_ELSEWHERE:
            continue
        if isinstance(value, str) and re.fullmatch(IDENT_PATTERN, value) and path[-1] in ("id", "holders", "head", "department", "classification", "owner", "approver", "author", "reviewer", "deputy", "keeper", "by"):
            continue  # a reference: printed as the name it refers to
        text = " ".join(str(value).split())
        if text not in scope["en" if path[-1].endswith("_en") else "ja"]:
            missing.append(f"{'.'.join(path)} = {text[:40]!r}")
    assert missing == [], "profile facts printed nowhere:\n" + "\n".join(missing)


def test_the_sample_states_its_criteria(isms: Isms) -> None:
    text = plain(build_bodies(isms).documents["scope"].site)
    assert "受容基準 18" in text and "トップマネジメントが承認する" in text
    for level in isms.profile.classification:
        assert level.handling in text and level.description in text
    for scale in ("impact", "likelihood"):
        for level in getattr(isms.profile.risk, scale):
            assert level.label in text and level.description in text


def test_scope_document_is_linked_from_the_soa_and_the_manual(isms: Isms) -> None:
    bodies = build_bodies(isms)
    assert ":ref:`scope`" in bodies.documents["soa"].site
    assert ":ref:`scope`" in bodies.documents["manual"].site
    assert "ISMS適用範囲及び基準(ISMS-M-02)" in bodies.documents["manual"].printed
    assert "ISMS適用範囲及び基準(ISMS-M-02)" in bodies.documents["soa"].printed


def test_schema_fields_are_all_known(isms: Isms) -> None:
    """A new profile field must be printed (or listed above with where it shows)."""
    assert set(PRINTED_ELSEWHERE) - {"residual_approver", "default_classification", "top_management"} <= set(Profile.model_fields)
    assert Path(REPO / "manual_src/profile.yaml").is_file()


def test_one_prefix_renumbers_every_document(sample: Path) -> None:
    """numbering.prefix is said once: every generated, policy, procedure, form and record number
    takes it, the defaults included (a second organisation changed six schemes and kept seven)."""
    edit(sample / "manual_src/profile.yaml", "  prefix: ISMS\n", "  prefix: AIS\n")
    model, problems = check(sample)
    assert model is not None and not [p for p in problems if p.severity == "error"], problems
    numbers = {doc.id: doc.number for doc in model.documents.values()}
    assert len(numbers) > 130 and all(number.startswith("AIS-") for number in numbers.values()), numbers
    assert (numbers["manual"], numbers["scope"], numbers["access_control"], numbers["ctl-5.15"]) == ("AIS-M-01", "AIS-M-02", "AIS-P-02", "AIS-C-5-15")
    with pytest.raises(ValueError, match="should match pattern"):
        Numbering.model_validate({"prefix": "A{seq}"})


def test_a_classification_level_has_one_name_on_the_confidentiality_scale(sample: Path) -> None:
    """Renaming 極秘 in the classification but not on the risk scale leaves one level with two names."""
    edit(sample / "manual_src/profile.yaml", "    name: 極秘\n", "    name: 機密\n")
    _, problems = check(sample)
    found = [p for p in problems if "one level, two names" in p.message]
    assert [(p.severity, p.message.split(":")[0]) for p in found] == [("warning", "the confidentiality scale calls 3 '極秘', the classification level 'secret' (confidentiality 3) is '機密'")], problems
