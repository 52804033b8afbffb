"""The 新旧対照表 of `isms diff` as an HTML page (build/diff/<from>_<to>.html): old text beside new
text, changed passages marked (difflib's table), one section per changed document."""

from __future__ import annotations

import difflib
import html

from isms.i18n import t
from isms.ledger.diff import WORKING, DocumentDiff
from isms.model import Isms

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
    lang = isms.lang
    label = {WORKING: t("diff_working", lang)}
    old_label, new_label = label.get(old, old), label.get(new, new)
    title = t("diff_title", lang, old=old_label, new=new_label)
    kinds = {kind: t(f"diff_kind_{kind}", lang) for kind in ("new", "modified", "removed")}
    differ = difflib.HtmlDiff(wrapcolumn=70)
    parts = [f"<!DOCTYPE html>\n<html lang=\"{isms.lang}\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    if not diffs:
        parts.append(f"<p>{t('diff_nothing', lang)}</p>")
    parts.append("<ul>" + "".join(f'<li><a href="#d{n}">{html.escape(kinds[d.change.kind])}: {html.escape(d.name)}</a></li>' for n, d in enumerate(diffs)) + "</ul>")
    for n, d in enumerate(diffs):
        parts.append(f'<h2 id="d{n}"><span class="isms-kind">{html.escape(kinds[d.change.kind])}</span>{html.escape(d.name)}</h2>')
        table = differ.make_table(d.old.splitlines(), d.new.splitlines(), t("diff_old", lang, label=old_label), t("diff_new", lang, label=new_label),
                                  context=True, numlines=2)
        parts.append(table.replace('class="diff_header"', 'class="diff_header isms-col"', 0))
    parts.append("</body></html>\n")
    return "\n".join(parts)
