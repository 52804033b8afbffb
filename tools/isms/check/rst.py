"""reStructuredText validation with docutils, before Sphinx or pandoc ever see the text.

docutils reports what pandoc would silently mangle (bad tables, short underlines). The Sphinx roles we
allow are registered here so that their targets are checked against the labels the document set defines.
"""

from __future__ import annotations

import re
import unicodedata
from contextvars import ContextVar
from typing import Any

from docutils import nodes, utils
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser, roles

from isms.problems import Problem
from isms.templating import RenderedText

XREF_ROLES = ("ref", "numref", "doc")
LABEL_PATTERN = re.compile(r"^\.\.\s+_([^:`]+):\s*$", re.MULTILINE)
_known_labels: ContextVar[frozenset[str]] = ContextVar("known_labels", default=frozenset())


def _xref_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None):
    target = utils.unescape(text)
    match = re.search(r"<([^<>]+)>\s*$", target)
    label = (match.group(1) if match else target).strip().lower()
    if label not in _known_labels.get():
        message = inliner.reporter.error(
            f"reference target '{label}' not found: use ctl-<id> for a control, pol-<id> for a policy, "
            "clause-<n> for a clause of the manual, soa, register or checklist",
            line=lineno,
        )
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.reference(rawtext, target, refuri="#" + label)], []


for _role_name in XREF_ROLES:
    roles.register_local_role(_role_name, _xref_role)


def defined_labels(text: str) -> set[str]:
    return {label.strip().lower() for label in LABEL_PATTERN.findall(text)}


# pandoc's reST reader is stricter than docutils about inline markup next to Japanese text, and
# prints what it does not recognise raw (the Word files would show **強調** or :ref:`...`):
# emphasis and strong must not follow a Japanese character, and a role must not be followed by a
# Japanese letter (punctuation such as 。 is fine). An escaped space ("\\ ") fixes both.
_EMPHASIS_AFTER_WIDE = re.compile(r"(?<=[^\x00-\x7f])(\*\*[^*\s][^*]*\*\*|\*[^*\s][^*]*\*)")
_ROLE = re.compile(r":[a-z]+:`[^`]+`")


def glued_markup(rendered: RenderedText) -> list[Problem]:
    problems = []
    for number, line in enumerate(rendered.text.splitlines(), start=1):
        culprits = [m.group(0) for m in _EMPHASIS_AFTER_WIDE.finditer(line)]
        for match in _ROLE.finditer(line):
            following = line[match.end() : match.end() + 1]
            if following and ord(following) > 0x7F and unicodedata.category(following).startswith("L"):
                culprits.append(match.group(0))
        for culprit in culprits:
            problems.append(
                Problem(
                    rendered.source.path, _line_containing(rendered.source, culprit, rendered.file_line(number)), 1,
                    f"inline markup {culprit!r} is glued to Japanese text: the Word output would print it raw; "
                    "separate it with '\\ ' (e.g. 方針は\\ **必ず**\\ 守る, :ref:`ctl-5.15`\\ による)",
                )
            )
    return problems


def check_rst(rendered: RenderedText, known_labels: frozenset[str]) -> list[Problem]:
    settings = get_default_settings(Parser)
    settings.report_level = 5  # collect through the observer below, print nothing
    settings.halt_level = 5
    settings.file_insertion_enabled = False
    settings.raw_enabled = False
    settings.character_level_inline_markup = False
    found: list[Problem] = []
    path = rendered.source.path

    def observe(message: nodes.system_message) -> None:
        if message["level"] < 2:  # info and debug
            return
        body = message.children[0].astext() if message.children else message.astext()
        text = body.replace("\n", " ")
        line = rendered.file_line(message.get("line"))
        quoted = re.search(r"'([^']+)'", text)
        if quoted:  # docutils gives a paragraph's first line: find the line that holds the culprit
            line = _line_containing(rendered.source, quoted.group(1), line)
        kind = "reST warning" if message["level"] == 2 else "reST error"
        found.append(Problem(path, line, 1, f"{kind}: {_explain(text)}"))

    found += glued_markup(rendered)
    token = _known_labels.set(known_labels)
    try:
        document = utils.new_document(str(path), settings)
        document.reporter.attach_observer(observe)
        Parser().parse(rendered.text, document)
    finally:
        _known_labels.reset(token)
    return found


def _line_containing(source, needle: str, start: int) -> int:
    lines = source.text.splitlines()
    for index in range(max(start - source.first_line, 0), len(lines)):
        if needle in lines[index]:
            return source.first_line + index
        if index > start - source.first_line and not lines[index].strip():
            break  # end of the paragraph
    return start


def _explain(message: str) -> str:
    if "underline too short" in message or "overline too short" in message:
        return message + " (a Japanese character counts as two columns: lengthen the underline)"
    if message.startswith('Unknown directive type'):
        return message + " (only docutils directives are supported in sources)"
    return message
