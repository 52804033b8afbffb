"""The release ledger's schema: manual_src/releases.yaml, one entry per approved release.

Nobody types a revision-history row: ``isms release`` appends an entry here, and every document's
版数, 制定日, 改定日 and revision history are computed from these entries (isms.ledger.versions).
The signers' names are recorded with their ids when the release is made: an approved history row
keeps the names of the people who signed it, whatever later changes in the profile's roles.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from isms.sources.schema import Ident, Strict, Text, as_written

# Numbers without leading zeros (01.1 would sort as 1.1), of at most 6 digits each, at most 4 of them.
VERSION_PATTERN = r"^(0|[1-9][0-9]{0,5})(\.(0|[1-9][0-9]{0,5})){0,3}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

def _release_number(value: str) -> str:
    if not re.match(VERSION_PATTERN, value):
        raise ValueError(f"'{value}' is not a release number like 1.0 or 1.10 (numbers without leading zeros)")
    return value


ReleaseVersion = Annotated[
    str, AfterValidator(_release_number),
    Field(description='release version as a quoted string, e.g. "1.0" (1.10 comes after 1.9)', json_schema_extra={"pattern": VERSION_PATTERN}),
]
Fingerprint = Annotated[str, Field(pattern=SHA256_PATTERN, description="sha256 of the document's content at release time")]
Seal = Annotated[str, Field(pattern=SHA256_PATTERN, description="sha256 of this entry (without its seal) and the previous entry's seal")]


def _no_number(value: object) -> object:
    # YAML reads an unquoted 1.10 as the float 1.1: refuse numbers instead of guessing.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        written = as_written(value)
        raise ValueError(f"release version {written} must be a quoted string: write it as \"{written}\" in quotes")
    return value


class DocumentSigners(Strict):
    """Who wrote, reviewed and approved one document of a release (作成, 査問, 承認)."""

    author: Ident = Field(description="作成: role id or person id")
    reviewer: Ident = Field(description="査問: role id or person id")
    approver: Ident = Field(description="承認: role id or person id (the approver the profile declares for the document's type)")


class SignerRecord(Strict):
    """A signer as it was at release time: the name printed and the people the id stood for."""

    name: Text = Field(description="as printed in revision histories, e.g. トップマネジメント 港 健一")
    people: list[Ident] = Field(default_factory=list, description="person ids the role or person id stood for (segregation of duties)")


class Release(Strict):
    """One approved release of the document set."""

    version: ReleaseVersion
    date: dt.date = Field(description="制定/改定日 of every document the release changes")
    summary: Text = Field(description="制定または改定主旨")
    author: Ident = Field(description="作成: role id or person id from the profile")
    author_name: Text | None = Field(default=None, description="作成 as printed, frozen at release time (role name and person name)")
    reviewer: Ident = Field(description="査問: role id or person id from the profile")
    reviewer_name: Text | None = Field(default=None, description="査問 as printed, frozen at release time")
    approver: Ident = Field(description="承認: role id or person id from the profile")
    approver_name: Text | None = Field(default=None, description="承認 as printed, frozen at release time")
    changes: dict[str, Text] = Field(default_factory=dict, description="per-document 改定主旨 (document id -> text); default: summary")
    signers: dict[str, SignerRecord] = Field(default_factory=dict, description="every signer id of the entry, frozen at release time")
    signed: dict[str, DocumentSigners] = Field(
        default_factory=dict, description="each changed document: its author, reviewer and approver (a document missing here: the release's signers)"
    )
    documents: dict[str, Fingerprint] = Field(description="every document at release time: document id -> sha256 of its content")
    # Optional in the schema so that an unsealed entry gets the ledger's own message (isms.check.ledger).
    seal: Seal | None = Field(default=None, description="written by `isms release`: a hand edit of the entry, or of any earlier one, breaks it")

    _check_version = field_validator("version", mode="before")(lambda cls, v: _no_number(v))

    def signer_name(self, key: str) -> str | None:
        """The recorded name of the author, reviewer or approver (None in entries written before names were recorded)."""
        return getattr(self, f"{key}_name")

    def signers_of(self, doc_id: str) -> DocumentSigners:
        """The author, reviewer and approver of one document: its own block, else the release's."""
        return self.signed.get(doc_id) or DocumentSigners(author=self.author, reviewer=self.reviewer, approver=self.approver)


class Ledger(Strict):
    """manual_src/releases.yaml: releases, oldest first. Written by `isms release`; reviewed in a pull request."""

    releases: list[Release] = Field(default_factory=list)


def version_key(version: str) -> tuple[int, ...]:
    """Numeric order: 1.10 > 1.9; trailing zeros do not count (1 == 1.0)."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)
