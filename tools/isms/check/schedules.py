"""Warn when a text restates the schedule of a declared activity instead of printing it.

An activity's months are declared once (manual_src/activities.yaml); manual, policies and procedures
print them with ``{{ activities.<id>.schedule }}`` (and .months, .frequency, .cadence). A text that
writes 「年2回(6月・12月)の標的型メール訓練」 by hand would keep the old schedule when the declaration
changes. The check reads each text as its author wrote it (variables and tags masked), splits it into
sentences, table rows and list items, and warns where a frequency or month expression stands next to
an activity's name or alias, joined to it by nothing but particles and punctuation, with the file
and line.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from isms.check.kept import kept
from isms.model import Isms
from isms.problems import Problem

# What may stand between a frequency and the activity it belongs to: particles, punctuation and the
# marks of tables and lists (年1回の全社教育, 全社教育を年1回, 全社教育(毎年6月), a table row). Anything
# else (年1回の経営計画の策定時及び…) means the frequency belongs to some other word.
_BETWEEN = re.compile(r"[\sのにはをがでと及び、，,()（）:：\-*|]{0,8}")

_NUM = r"[0-9０-９]+"
_MONTH = rf"{_NUM}\s*月"
FREQUENCY = re.compile(
    "|".join(
        [
            rf"年\s*(?:{_NUM}|[一二三四])\s*回",
            rf"毎(?:年|月|週|日)(?:\s*{_MONTH}(?:\s*[・、と及び]\s*{_MONTH})*)?",
            r"(?:四半期|半期|半年)(?:ごと|毎|に1回)",
            rf"{_NUM}\s*[かヶケカ]月(?:ごと|毎|に\s*1\s*回)",
            rf"{_NUM}\s*年(?:ごと|に\s*{_NUM}\s*回)",
            rf"月\s*(?:{_NUM}|[一二])\s*回",
            rf"{_MONTH}(?:\s*[・、と及び]\s*{_MONTH})+",
            rf"[（(]\s*{_MONTH}\s*[)）]",
            r"\b(?:every|each)\s+(?:day|week|month|quarter|year|other\s+\w+|\w+\s+months|(?:January|February|March|April|May|June|July|August|September|October|November|December))\b",
            r"\b(?:daily|weekly|monthly|quarterly|annually|yearly|biannually|semi-annually)\b",
            r"\b(?:once|twice|three\s+times|\d+\s+times)\s+(?:a|per)\s+(?:year|month|quarter)\b",
        ]
    ),
    re.IGNORECASE,
)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_UNIT_START = re.compile(r"^\s*(?:\*\s+-|-\s|\d+\.\s|#\.\s|\.\.\s)")


@dataclass(frozen=True)
class _Name:
    activity: str
    text: str


def _mask(text: str) -> str:
    """Template variables and tags become spaces (same length): what they print is declared data."""
    return _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _units(text: str) -> list[tuple[str, list[int]]]:
    """Each sentence, table row and list item of a text: its text (lines joined) and the line index
    of each of its characters. A list-table row ("* - a" and its "  - b" cells) is one unit."""
    units: list[list[tuple[int, str]]] = [[]]
    row_indent = None  # the indentation of the "* -" of the table row being read
    for index, line in enumerate(text.splitlines()):
        indent = len(line) - len(line.lstrip())
        if not line.strip():
            units.append([])
            row_indent = None
            continue
        stripped = line.strip()
        in_row = row_indent is not None and indent > row_indent
        if stripped.startswith("* -"):
            row_indent = indent
            units.append([(index, stripped)])
        elif _UNIT_START.match(line) and units[-1] and not in_row:
            units.append([(index, stripped)])
        else:
            units[-1].append((index, stripped))
    out = []
    for unit in units:
        joined, lines = "", []
        for index, line in unit:
            joined += line + "\n"
            lines += [index] * (len(line) + 1)
        for sentence in re.finditer(r"[^。．]+[。．]?", joined):
            out.append((sentence.group(0), lines[sentence.start() : sentence.end()]))
    return out


def _joined(between: str) -> bool:
    return _BETWEEN.fullmatch(between) is not None and len(between.split()) <= 3


def restated_schedules(isms: Isms) -> list[Problem]:
    activities = isms.records.activities
    names = tuple(sorted(
        {_Name(a.id, text) for a in activities for text in (a.source.name, a.source.name_en, *a.source.aliases) if len(text) >= 3},
        key=lambda n: (-len(n.text), n.text, n.activity),
    ))
    if not names:
        return []
    problems: list[Problem] = []
    against = json.dumps([[n.activity, n.text] for n in names], ensure_ascii=False)
    seen: set[tuple[str, int, str]] = set()
    for rendered in isms.texts():
        source = rendered.source
        for index, activity, written in kept(isms.root, "schedules", source.text, against, functools.partial(_rows, source.text, names)):
            line = source.first_line + index
            key = (str(source.path), line, activity)
            if key in seen:
                continue
            seen.add(key)
            problems.append(
                Problem(
                    source.path, line, 1,
                    f"'{written}' restates the schedule of the declared activity '{activity}': print it with "
                    f"{{{{ activities.{activity}.schedule }}}} (or .months, .frequency, .cadence) so that it follows manual_src/activities.yaml",
                    "warning",
                )
            )  # fmt: skip
    return problems


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[_Name, ...]) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """Any name in lower case, any name in any case (both the longest first), and the activity of
    each name in lower case."""
    lower_case = re.compile("|".join(re.escape(n.text.lower()) for n in names))
    any_case = re.compile("|".join(re.escape(n.text) for n in names), re.IGNORECASE)
    return lower_case, any_case, {n.text.lower(): n.activity for n in names}


def _rows(text: str, names: tuple[_Name, ...]) -> list[list[object]]:
    return [list(row) for row in _restated(text, names)]


@functools.lru_cache(maxsize=4096)
def _restated(text: str, names: tuple[_Name, ...]) -> tuple[tuple[int, str, str], ...]:
    """(line index in the text, activity, frequency as written) of each restated schedule; memoised
    in the process (a release, a test run and `isms check` after a build read the same texts again)."""
    lower_case, any_case, by_text = _names_pattern(names)
    found_all: list[tuple[int, str, str]] = []
    for sentence, lines in _units(_mask(text)):
        # Names are found in the sentence in lower case, case-sensitively: a tenth of the time of
        # re.IGNORECASE over a hundred alternatives. Where lower case changes the length (a rare
        # letter such as İ), the positions would move: then the slow way.
        lowered = sentence.lower()
        if len(lowered) == len(sentence):
            matches = [(m.start(), m.end(), m.group(0)) for m in lower_case.finditer(lowered)]
        else:
            matches = [(m.start(), m.end(), m.group(0).lower()) for m in any_case.finditer(sentence)]
        found = [(start, end, by_text[name]) for start, end, name in matches if name in by_text]
        if not found:
            continue
        for match in FREQUENCY.finditer(sentence):
            start, end = match.span()
            if any(s < end and start < e for s, e, _ in found):
                continue  # part of a name, e.g. 年次評価 in ネットワークサービスの年次評価
            near = [(max(s - end, start - e), a) for s, e, a in found if _joined(sentence[min(e, end) : max(s, start)])]
            if near:
                found_all.append((lines[start], min(near)[1], match.group(0)))
    return tuple(found_all)
