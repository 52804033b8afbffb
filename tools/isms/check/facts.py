"""Facts stated once: a text that writes out the retention period of a record whose period the
profile declares (``retention``) should print ``{{ retention.<id> }}`` instead, or the two will drift
apart. A warning: the text may be right today.

The rule reads the source of each text (manual chapters, policies, procedures, the items of a
control's own set) before Jinja. It
splits the text into sentences (at 。, blank lines and the rows of a list-table) and each sentence
into clauses (at 、 and at the cells of a row). A clause that writes a period (``5年``, ``3年間``,
``6か月``; not a year such as 2027年, not a frequency such as 年1回 or 5年ごと) is attributed to
the record names since the last clause that wrote one: ``AとBは3年間、Cは5年間保管する`` gives
3 years to A and B, and 5 years to C. A record name counts where it is a whole name: 遮断ログ is not
found in 遮断ログ確認記録.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from isms.check.kept import kept
from isms.model import Isms
from isms.problems import Problem
from isms.sources.loader import TextSource

PERIOD = re.compile(r"(?<![0-9０-９])[0-9０-９]{1,2}\s*(?:年|か月|ヶ月|カ月)(?:分|間)?(?!\s*(?:ごと|毎|おき|以上|以内|[0-9０-９]|に[0-9０-９一]|度))")
WORD_CHAR = "\u3005\u30a0-\u30ff\u4e00-\u9fff\uff10-\uff19\uff21-\uff5a"  # katakana, kanji, full-width letters and digits
ROW = re.compile(r"^\s*\*\s+-\s")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
VALUE = "\x00"  # where a template prints a retention period
RETENTION = re.compile(r"\{\{\s*retention\.")


@dataclass(frozen=True)
class _Name:
    key: str  # the retention id
    name: str


@functools.lru_cache(maxsize=1024)
def _pattern(name: str) -> re.Pattern[str]:
    """The name where it is a whole name (compiled when a text first writes it)."""
    return re.compile(re.escape(name) + f"(?![{WORD_CHAR}])")


def _names(isms: Isms) -> list[_Name]:
    return [_Name(key, name) for key, rule in isms.profile.retention.items() for name in rule.records]


def retention_in_words(isms: Isms) -> list[Problem]:
    names = _names(isms)
    if not names:
        return []
    problems = []
    against = json.dumps([[n.key, n.name] for n in names], ensure_ascii=False)
    sources = [text.source for text in isms.texts()]
    for decision in isms.decisions:  # the items of a control's own set are texts too
        loaded = decision.loaded
        sources += [TextSource(loaded.path, item.text, loaded.line_of("items", index, "text")) for index, item in enumerate(loaded.source.items)]
    for source in sources:
        file_lines: list[str] | None = None
        stated: dict[tuple[int, int, str, str], list[str]] = {}
        for line, col, key, name, written in kept(isms.root, "retention", source.text, against, functools.partial(_rows, source.text, tuple(names))):
            stated.setdefault((line, col, key, written), []).append(name)
        for (line, col, key, written), records in stated.items():
            rule = isms.profile.retention[key]
            at = source.first_line + line - 1
            if file_lines is None:
                file_lines = source.path.read_text(encoding="utf-8").splitlines()
            # The column in the file (a procedure is indented in its YAML file).
            found = file_lines[at - 1].find(written) if 0 < at <= len(file_lines) else -1
            problems.append(Problem(source.path, at, found + 1 if found >= 0 else col, (
                f"the retention of {', '.join(records)} is declared in the profile (retention.{key}: {rule.period}): "
                f"print it with {{{{ retention.{key} }}}} instead of writing '{written}'"
            ), severity="warning"))
    return problems


def _blank(match: re.Match[str]) -> str:
    """A template becomes spaces of its length (columns stay), a printed retention period VALUE."""
    return (VALUE if RETENTION.match(match.group(0)) else " ") + " " * (len(match.group(0)) - 1)


def _rows(text: str, names: tuple[_Name, ...]) -> list[list[object]]:
    return [[line, col, name.key, name.name, written] for line, col, name, written in _stated_once(text, names)]


@functools.lru_cache(maxsize=4096)
def _stated_once(text: str, names: tuple[_Name, ...]) -> tuple[tuple[int, int, _Name, str], ...]:
    """_stated, memoised in the process: a release, a test run and `isms check` after a build read
    the same texts again (a third of the rules' time)."""
    return tuple(_stated(text, list(names)))


def _stated(text: str, names: list[_Name]):
    """(line, column, name, period as written) of each period written for a declared record. A
    printed period ({{ retention.x }}) takes the place of a written one: the names before it are given theirs."""
    pending: list[_Name] = []
    # Most clauses name no declared record: one search for any of the names first.
    anyone = re.compile("|".join(re.escape(n.name) for n in names)) if names else None
    lines = [JINJA.sub(_blank, raw) for raw in text.splitlines()]  # a template's text is no record's name
    if anyone is None or not any(anyone.search(line) for line in lines):
        return  # a period is attributed only to a name the text writes
    for number, line in enumerate(lines, start=1):
        if not line.strip() or ROW.match(line):
            pending = []  # a new paragraph or table row: a new sentence
        at = 0
        for clause in re.split(r"(?<=[、。])", line):
            found = [(m.start(), n) for n in names for m in _pattern(n.name).finditer(clause)] if anyone and anyone.search(clause) else []
            # Where two names overlap, the longer one is meant (医療機器部品の検査成績書, not 検査成績書).
            found = [
                (start, n) for start, n in found
                if not any(len(o.name) > len(n.name) and o_start <= start and start + len(n.name) <= o_start + len(o.name) for o_start, o in found)
            ]
            markers = sorted([(m.start(), m.group(0)) for m in PERIOD.finditer(clause)] + [(m.start(), None) for m in re.finditer(VALUE, clause)])
            start_at = 0
            for position, written in markers:
                named = [*pending, *(n for start, n in found if start_at <= start < position)]
                if written is not None:
                    for n in dict.fromkeys(named):
                        yield number, at + position + 1, n, written
                pending, start_at = [], position + 1
            pending += [n for start, n in found if start >= start_at]
            if clause.endswith("。"):
                pending = []
            at += len(clause)
