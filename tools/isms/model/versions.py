"""Document versions (版数) and revision histories, as every writer prints them.

The release ledger (issue: versioned releases) fills these; without releases every document is a draft.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from isms.i18n import t


@dataclass(frozen=True)
class Revision:
    version: int  # the document's own 版数
    release: str  # the release that made it, e.g. "1.1"
    date: dt.date
    summary: str  # 制定または改定主旨
    author: str  # 作成
    reviewer: str  # 査問
    approver: str  # 承認


@dataclass(frozen=True)
class DocumentVersion:
    revisions: tuple[Revision, ...] = ()
    draft: bool = True  # sources changed since the last release (or never released)

    @property
    def version(self) -> int:
        return self.revisions[-1].version if self.revisions else 0

    @property
    def issued(self) -> dt.date | None:
        """制定日: the first release that contained the document."""
        return self.revisions[0].date if self.revisions else None

    @property
    def revised(self) -> dt.date | None:
        """改定日: the latest release that changed it (none while it has only been issued)."""
        return self.revisions[-1].date if len(self.revisions) > 1 else None

    def label(self, lang: str) -> str:
        base = str(self.version) if self.revisions else "—"
        return t("draft_label", lang, version=base) if self.draft else base

    def date_text(self) -> str:
        latest = self.revised or self.issued
        return latest.isoformat() if latest else "—"
