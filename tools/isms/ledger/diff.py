"""`isms status` (documents changed since the last release) and `isms diff` (新旧対照表: old text
beside new text, changed passages marked, one section per changed document)."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from pathlib import Path

from isms.ledger import Change, changes, find_release, fingerprint, last_fingerprints, snapshot_text
from isms.ledger.content import read_header
from isms.ledger.schema import version_key
from isms.model import Isms
from isms.render.pages import ordered_documents

DIFF_DIR = Path("build/diff")
WORKING = "working"


class DiffError(Exception):
    pass


def _describe(isms: Isms, doc_id: str, old_text: str | None) -> str:
    doc = isms.documents.get(doc_id)
    if doc is not None:
        return f"{doc.number} {doc.title}"
    meta = read_header(old_text or "")
    return f"{meta.get('number', doc_id)} {meta.get('title', '')}".strip()


def status_lines(isms: Isms) -> list[str]:
    current = {doc_id: fingerprint(text) for doc_id, text in isms.contents.items()}
    found = changes(last_fingerprints(isms.ledger), current)
    order = {doc.id: n for n, doc in enumerate(ordered_documents(isms))}
    found.sort(key=lambda c: (c.kind != "modified", c.kind, order.get(c.doc_id, len(order))))
    last = isms.ledger.releases[-1].version if isms.ledger.releases else None
    lines = []
    for change in found:
        old = snapshot_text(isms.root, isms.ledger, last, change.doc_id) if last and change.kind == "removed" else None
        lines.append(f"{change.kind}: {_describe(isms, change.doc_id, old)}")
    return lines


@dataclass(frozen=True)
class DocumentDiff:
    change: Change
    name: str
    old: str
    new: str


def _texts(isms: Isms, version: str) -> dict[str, str | None]:
    if version == WORKING:
        return dict(isms.contents)
    release = find_release(isms.ledger, version)
    assert release is not None
    return {doc_id: snapshot_text(isms.root, isms.ledger, release.version, doc_id) for doc_id in release.documents}


def _fingerprints(isms: Isms, version: str) -> dict[str, str]:
    if version == WORKING:
        return {doc_id: fingerprint(text) for doc_id, text in isms.contents.items()}
    release = find_release(isms.ledger, version)
    assert release is not None
    return dict(release.documents)


def compare(isms: Isms, old: str | None, new: str | None) -> tuple[str, str, list[DocumentDiff]]:
    releases = isms.ledger.releases
    if not releases:
        raise DiffError("no release recorded yet: nothing to compare with (record one with `isms release`)")
    old = old or releases[-1].version
    new = new or WORKING
    for version in (old, new):
        if version != WORKING and find_release(isms.ledger, version) is None:
            known = ", ".join(r.version for r in releases)
            raise DiffError(f"no release {version} in the ledger (releases: {known})")
    if new != WORKING and version_key(new) < version_key(old):
        old, new = new, old
    old_fp, new_fp = _fingerprints(isms, old), _fingerprints(isms, new)
    old_texts, new_texts = _texts(isms, old), _texts(isms, new)
    missing = "(この版の内容は保存されていない)" if isms.lang == "ja" else "(no snapshot stored for this version)"
    out = []
    for change in changes(old_fp, new_fp):
        before = "" if change.kind == "new" else (old_texts.get(change.doc_id) or missing)
        after = "" if change.kind == "removed" else (new_texts.get(change.doc_id) or missing)
        out.append(DocumentDiff(change, _describe(isms, change.doc_id, before), before, after))
    return old, new, out


_CSS = """
body { font-family: "Noto Sans CJK JP", sans-serif; margin: 1.5em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; border-bottom: 1px solid #999; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.85em; }
table.diff td { vertical-align: top; white-space: pre-wrap; word-break: break-all; padding: 0 0.3em; font-family: monospace; }
table.diff th.isms-col { background: #eee; border: 1px solid #999; padding: 0.3em; }
table.diff td.diff_header { color: #888; text-align: right; width: 3em; }
table.diff td.diff_next { display: none; }
.diff_add { background: #c8f0c8; } .diff_chg { background: #fff2a8; } .diff_sub { background: #f8c8c8; text-decoration: line-through; }
.isms-kind { font-size: 0.8em; padding: 0.1em 0.4em; border: 1px solid #666; border-radius: 3px; margin-right: 0.5em; }
"""


def diff_html(isms: Isms, old: str, new: str, diffs: list[DocumentDiff]) -> str:
    ja = isms.lang == "ja"
    label = {WORKING: "作業中の原稿(改定案)" if ja else "working sources (draft)"}
    old_label, new_label = label.get(old, old), label.get(new, new)
    title = f"新旧対照表 {old_label} → {new_label}" if ja else f"Comparison {old_label} → {new_label}"
    kinds = {"new": "新規" if ja else "new", "modified": "改定" if ja else "modified", "removed": "廃止" if ja else "removed"}
    differ = difflib.HtmlDiff(wrapcolumn=70)
    parts = [f"<!DOCTYPE html>\n<html lang=\"{isms.lang}\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    if not diffs:
        parts.append(f"<p>{'変更された文書はない。' if ja else 'No document changed.'}</p>")
    parts.append("<ul>" + "".join(f'<li><a href="#d{n}">{html.escape(kinds[d.change.kind])}: {html.escape(d.name)}</a></li>' for n, d in enumerate(diffs)) + "</ul>")
    for n, d in enumerate(diffs):
        parts.append(f'<h2 id="d{n}"><span class="isms-kind">{html.escape(kinds[d.change.kind])}</span>{html.escape(d.name)}</h2>')
        table = differ.make_table(d.old.splitlines(), d.new.splitlines(), f"旧 ({old_label})" if ja else f"Old ({old_label})",
                                  f"新 ({new_label})" if ja else f"New ({new_label})", context=True, numlines=2)
        parts.append(table.replace('class="diff_header"', 'class="diff_header isms-col"', 0))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_diff(isms: Isms, old: str | None, new: str | None) -> tuple[Path, list[DocumentDiff]]:
    old, new, diffs = compare(isms, old, new)
    directory = isms.root / DIFF_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{old}_{new}.html"
    path.write_text(diff_html(isms, old, new, diffs), encoding="utf-8")
    from isms.render.docx.comparison import write_comparison  # the Word libraries only when a table is written

    write_comparison(isms, old, new, diffs, path.with_suffix(".docx"))
    return path, diffs
