"""The release ledger on the HTML site: a revision-history table on each document's page and a
page per release listing what changed in it (releases/<version>)."""

from __future__ import annotations

from isms.bodies.text import esc, field_table, list_table, ref, title
from isms.i18n import t
from isms.ledger import Versions, history, release_changes, signer_label, snapshot_text
from isms.ledger.content import read_header
from isms.model import Isms


def history_table(isms: Isms, versions: Versions, doc_id: str) -> str:
    """制定 / 改定履歴: 版数, 制定または改定主旨, 承認, 査問, 作成, 制定/改定日."""
    lang = isms.lang
    version = versions.of(doc_id)
    parts = [f".. rubric:: {t('history', lang)}\n"]
    if version is None or not version.revisions:
        parts.append(t("history_none", lang) + "\n")
        return "\n".join(parts)
    header = (t("version", lang), t("revision_summary", lang), t("approver", lang), t("reviewer", lang), t("author", lang), t("date", lang))
    rows = [
        (str(r.version), esc(r.summary), esc(r.approver), esc(r.reviewer), esc(r.author), f"{r.date.isoformat()} ({esc(r.release)})")
        for r in version.revisions
    ]
    parts.append(list_table(header, rows, widths=(7, 33, 15, 15, 15, 15), css="isms-history"))
    if version.draft:
        parts.append(t("history_draft", lang) + "\n")
    return "\n".join(parts)


def release_pages(isms: Isms, paged: set[str]) -> dict[str, str]:
    """releases/index and a page per release; paged: the documents that have a page (linked)."""
    pages: dict[str, str] = {}
    lang = isms.lang
    ledger = isms.releases
    rows = []
    for release in reversed(ledger.releases):
        count = len(release_changes(ledger, release.version))
        rows.append((ref(f"release-{release.version}", release.version), release.date.isoformat(), esc(release.summary), str(count)))
    parts = [".. _releases:\n", title(t("releases", lang)), t("releases_intro", lang) + "\n"]
    if rows:
        header = (t("version", lang), t("date", lang), t("revision_summary", lang), t("documents_changed", lang))
        parts.append(list_table(header, rows, widths=(12, 18, 55, 15), css="isms-releases"))
    else:
        parts.append(t("releases_none", lang) + "\n")
    parts.append(".. toctree::\n   :hidden:\n\n" + "".join(f"   {r.version}\n" for r in reversed(ledger.releases)))
    pages["releases/index"] = "\n".join(parts)
    kinds = {kind: t(f"change_{kind}", lang) for kind in ("new", "modified", "removed")}
    for release in ledger.releases:
        fields = [
            (t("version", lang), esc(release.version)),
            (t("date", lang), release.date.isoformat()),
            (t("revision_summary", lang), esc(release.summary)),
            *((t(key, lang), esc(signer_label(isms.profile, release, key))) for key in ("approver", "reviewer", "author")),
        ]
        changed = []
        for change in release_changes(ledger, release.version):
            doc = isms.documents.get(change.doc_id)
            if doc is not None:
                shown = doc.title
                name = ref(doc.label, shown) if doc.id in paged else esc(shown)
                number = doc.number
            else:
                previous = ledger.releases[ledger.releases.index(release) - 1].version
                meta = read_header(snapshot_text(isms.root, ledger, previous, change.doc_id) or "")
                name, number = esc(meta.get("title", change.doc_id)), meta.get("number", "—")
            revision = "—"
            if change.kind != "removed":
                revs = history(ledger, change.doc_id)
                revision = str(next(n for n, r in enumerate(revs, start=1) if r.version == release.version))
            summary = release.changes.get(change.doc_id, release.summary)
            changed.append((kinds[change.kind], esc(number), name, revision, esc(summary)))
        header = (t("change", lang), t("document_number", lang), t("title", lang), t("version", lang), t("revision_summary", lang))
        body = [f".. _release-{release.version}:\n", title(t("release", lang, version=release.version)), field_table(fields)]
        body.append(f".. rubric:: {t('changed_documents', lang)} ({len(changed)})\n")
        body.append(list_table(header, changed, widths=(8, 16, 44, 7, 25), css="isms-release-changes"))
        pages[f"releases/{release.version}"] = "\n".join(body)
    return pages
