"""Approvals recorded in the risk register against the releases that contain them.

A release contains the register's approvals when the fingerprint it recorded for the risk
assessment report (リスクアセスメント結果報告書, which lists every approval with its date) equals the
report's fingerprint now: then every approval in the register was part of what that release
approved, and none can be dated after it. The first such release is the one that approved them.
"""

from __future__ import annotations

from isms.bodies import paged_body
from isms.ledger.content import content_text, fingerprint
from isms.model import Isms
from isms.problems import Problem
from isms.sources.loader import Sources

REPORT = "risk-report"

WHAT = {"approval": "management approval", "owner_approval": "owner approval", "interim": "interim acceptance"}


def approvals_in_releases(isms: Isms, sources: Sources) -> list[Problem]:
    loaded = sources.risks
    releases = isms.releases.releases
    doc = isms.documents.get(REPORT)
    if loaded is None or not releases or doc is None:
        return []
    current = fingerprint(content_text(doc, paged_body(isms, REPORT)))
    release = next((r for r in releases if r.documents.get(REPORT) == current), None)
    if release is None:  # the register changed since the last release: its approvals are not released yet
        return []
    problems = []
    for index, risk, key, date in isms.risks.approvals():
        if date > release.date:
            problems.append(Problem(loaded.path, *loaded.where("risks", index, key, "date"), (
                f"risk {risk.id}: {WHAT[key]} dated {date.isoformat()} is after release {release.version} ({release.date.isoformat()}), "
                "which contains it (the risk assessment report is unchanged since): an approval cannot postdate the release that approved it; "
                "correct the date, or record a new release"
            )))
    return problems
