"""The words the generated documents print, one module per language (isms.i18n.ja, isms.i18n.en).

Code never spells a printed word: it asks for it by key, ``t("risk_within", lang)``. Both modules have
the same keys with the same {placeholders} (tests/test_i18n.py); words chosen by a value are keys
built from it, e.g. ``t(f"treatment_{risk.treatment.value}", lang)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from isms.i18n import en, ja

LANGUAGES: tuple[str, ...] = ("ja", "en")
_WORDS: dict[str, dict[str, str]] = {"ja": ja.WORDS, "en": en.WORDS}


def words(lang: str) -> dict[str, str]:
    """Every word of a language (English for a language the tool does not have)."""
    return _WORDS.get(lang, en.WORDS)


def t(key: str, lang: str, **values: object) -> str:
    """The word or sentence in the document language; {name} placeholders are filled from values."""
    text = words(lang)[key]
    return text.format(**values) if values else text


@cache
def fingerprint() -> str:
    """sha256 of every word of every language. Writers that cache their output put it in the cache key:
    the words are not part of their own code."""
    return hashlib.sha256(json.dumps(_WORDS, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def format_date(day: dt.date, pattern: str) -> str:
    """A date in a pattern of YYYY, MM (zero-padded month), M, DD, D and literal text: "YYYY年M月D日"."""
    values = {"YYYY": f"{day.year:04d}", "MM": f"{day.month:02d}", "M": str(day.month), "DD": f"{day.day:02d}", "D": str(day.day)}
    return re.sub(r"YYYY|MM|M|DD|D", lambda m: values[m.group(0)], pattern)


def date_pattern(lang: str, chosen: str | None = None) -> str:
    """The profile's date_format, or the language's usual one (tokens YYYY, MM, M, DD, D)."""
    return chosen or t("date_pattern", lang)


def sep(lang: str) -> str:
    """The list separator: 、 in Japanese, a comma in English."""
    return t("separator", lang)


@dataclass(frozen=True)
class Phrase:
    """A sentence to be said later, in a language not yet known: a word's key and its values. A
    value that is a Phrase itself is said in the same language."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def said(self, lang: str) -> str:
        values = {name: value.said(lang) if isinstance(value, Phrase) else value for name, value in self.values.items()}
        return t(self.key, lang, **values)


def listed(items: list[str], shown: int = 5) -> Phrase:
    """The first items, and how many more: "a, b, c, d, e and 3 more"."""
    more = len(items) - shown
    return Phrase("list_and_more", {"items": ", ".join(items[:shown]), "more": more}) if more > 0 else Phrase("list", {"items": ", ".join(items)})


class Refusal(Exception):
    """What a command refuses or cannot do, as a Phrase: the command line says it in the profile's
    language (str() is the English sentence, for logs and tracebacks)."""

    def __init__(self, key: str, **values: object) -> None:
        self.phrase = Phrase(key, values)
        super().__init__(self.phrase.said("en"))

    def said(self, lang: str) -> str:
        return self.phrase.said(lang)
