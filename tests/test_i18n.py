"""The words the documents print live in isms.i18n, one module per language (ja.py, en.py)."""

from __future__ import annotations

import ast
import datetime
import re
import string
import typing
from pathlib import Path

import pytest

import isms
from isms.i18n import LANGUAGES, date_pattern, en, fingerprint, format_date, ja, sep, t, words
from isms.model import DocumentKind
from isms.model.readiness import MISSING, OVERDUE, PRESENT
from isms.model.records import RECORD_TYPES, record_doc_id
from isms.render.docx.pandoc import ADMONITIONS
from isms.sources.catalogue import ATTRIBUTES, THEMES
from isms.sources.records_schema import AuditResult, CompetenceResult, Direction, Grade, NcSource, Topic
from isms.sources.risk_schema import Form, Treatment
from isms.sources.schema import Level, Origin, Reason, ReviewIntervals, Status

PACKAGE = Path(isms.__file__).parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
MODULES = {"ja": ja.WORDS, "en": en.WORDS}

# Keys built from a value, t(f"<prefix>{value}", lang): the prefix and every value it is built from.
BUILT_KEYS: dict[str, tuple[str, ...]] = {
    "reason_": tuple(Reason),
    "status_": tuple(Status),
    "level_": tuple(Level),
    "origin_": tuple(Origin),
    "theme_": tuple(THEMES),
    "attr_": tuple(ATTRIBUTES),
    "attr_value_": tuple(value for values in ATTRIBUTES.values() for value in values),
    "form_": tuple(Form),
    "treatment_": tuple(Treatment),
    "kind_": typing.get_args(DocumentKind),
    "count_": tuple(f"{noun}{one}" for noun in ("error", "problem", "warning", "file", "control", "chapter", "policy", "document", "output_file") for one in ("", "_one")),
    "title_": (
        "scope", "soa", "register", "checklist", "assets", "risk-report", "risk-plan", "audit-checklist",  # model.build_documents
        *(record_doc_id(record_type) for record_type, _ in RECORD_TYPES),  # the record sets (model.records)
    ),
    "month_": tuple(range(1, 13)),
    "month_abbr_": tuple(range(1, 13)),
    "frequency_": (1, 2, 12),  # model.records: the counts a year has a word for
    "cadence_": (1, 2, 4, 12),
    "target_": tuple(Direction),
    "objective_": ("achieved", "not_achieved", "not_measured"),  # model.records.Objective status
    "result_": tuple(CompetenceResult),
    "audit_": tuple(AuditResult),
    "grade_": tuple(Grade),
    "review_input_": tuple("abcdefg"),  # clause 9.3.2 a) to g)
    "topic_": tuple(Topic),
    "ca_": ("closed", "effectiveness", "in_progress", "overdue"),  # model.records.corrective_status
    "source_": tuple(NcSource),
    "readiness_": (PRESENT, MISSING, OVERDUE),
    "state_": ("done", "planned", "due", "overdue"),  # model.records: an occurrence's state
    "org_": ("name_en", "short_name"),  # bodies.scope: optional organisation fields
    "scope_": ("business", "organization", "assets", "technology", "exclusions", "interfaces"),  # bodies.scope: Scope fields
    "scale_": ("confidentiality", "integrity", "availability", "impact", "likelihood"),  # bodies.scope: risk scales
    "review_": tuple(ReviewIntervals.model_fields),  # bodies.scope: review intervals
    "change_": ("new", "modified", "removed"),  # ledger.Change.kind
    "diff_kind_": ("new", "modified", "removed"),
    "admonition_": ADMONITIONS,
    "download_": ("docx", "xlsx"),  # render.html: the kinds of approved files a page links
    "search_": ("searching", "count", "none", "hits", "more"),  # render.html.extension: the search script's labels
    "verify_": ("missing", "extra", "altered"),  # publish.manifest.Verification.lines
    "release_conflict_": ("approver_author", "reviewer_author", "approver_reviewer"),  # ledger.duties.PAIRS, refused by ledger.release
}

# Phrases a language leaves out (an empty text, so no placeholders): key -> why.
LEFT_OUT = {
    ("en", "assets_criteria"): "the English inventory intro does not name the manual's risk criteria",
    ("en", "report_inventory"): "the English report intro does not name the inventory's number",
}

# Japanese in string constants outside i18n/ja.py: (file, a text the constant contains, or None for
# every constant of the file) -> why. Docstrings, comments and the field descriptions of the source
# schemas (sources/schema.py, sources/*_schema.py: JSON Schema text for editors) need no entry.
ALLOWED: dict[tuple[str, str | None], str] = {
    ("check/risks.py", None): "messages of `isms check`: not document words (their translation is separate work)",
    ("check/facts.py", None): "the patterns of a period written in Japanese (5年間, 6か月) and a character class of wide characters",
    ("check/register.py", None): "messages of `isms check` name the treatment options as the register's readers know them (受容, 回避, 移転)",
    ("check/rules.py", None): "messages of `isms check` and the placeholder pattern (未定, 準備中) it looks for",
    ("check/rst.py", None): "a message of `isms check`",
    ("check/schedules.py", None): "the patterns of a schedule written in Japanese (年2回, 毎年6月, 四半期ごと)",
    ("sources/loader.py", "(ISMS年間計画表)"): "a load error names the file",
    ("sources/loader.py", "(資産目録)"): "a load error names the file",
    ("sources/loader.py", "(リスクアセスメント)"): "a load error names the file",
    ("sources/yamlio.py", "full-width colon"): "a YAML error hint quotes the full-width colon",
    ("sources/yamlio.py", "\u3000-\u30ff"): "a character class of wide characters, not a word",
    ("render/html/extension.py", "\u3000-\u30ff"): "a character class of wide characters, not a word",
    ("render/docx/compose.py", "、。，．"): "a character class of Japanese punctuation (where a line may break before Latin text), not a word",
    ("render/docx/reference.py", "游明朝"): "a font name",
    ("render/docx/reference.py", "游ゴシック"): "a font name",
    ("render/docx/reference.py", "見出し"): "a style sample of the generated reference.docx (pandoc ignores its body)",
    ("render/docx/reference.py", "本文"): "a style sample of the generated reference.docx (pandoc ignores its body)",
    ("render/docx/reference.py", "表のセル"): "a style sample of the generated reference.docx (pandoc ignores its body)",
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def sources() -> dict[str, ast.Module]:
    """Every module of the package but the word lists, by path relative to tools/isms."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in ("i18n/ja.py", "i18n/en.py"):
            found[rel] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def descriptions(tree: ast.Module) -> set[int]:
    """The string constants of description=... arguments (Field(description=...))."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "description":
            found |= {id(n) for n in ast.walk(node.value) if isinstance(n, ast.Constant)}
    return found


def strings(tree: ast.Module) -> list[ast.Constant]:
    """String constants, including the literal parts of f-strings."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_one_module_per_language_with_the_same_keys_in_the_same_order() -> None:
    assert tuple(MODULES) == LANGUAGES
    assert list(ja.WORDS) == list(en.WORDS)
    assert all(words(lang) is MODULES[lang] for lang in LANGUAGES)
    assert words("fr") is en.WORDS  # a language the tool does not have prints English


@pytest.mark.parametrize("key", list(ja.WORDS))
def test_same_placeholders_in_both_languages(key: str) -> None:
    texts = {lang: MODULES[lang][key] for lang in LANGUAGES}
    left_out = {lang for lang in LANGUAGES if (lang, key) in LEFT_OUT}
    for lang in left_out:
        assert texts[lang] == "", f"{lang} {key}: listed as left out, but has a text"
    kept = [lang for lang in LANGUAGES if lang not in left_out]
    assert all(texts[lang] for lang in kept), f"{key}: an empty text needs an entry in LEFT_OUT"
    assert len({frozenset(placeholders(texts[lang])) for lang in kept}) == 1, f"{key}: {texts}"
    for lang in LANGUAGES:
        values = dict.fromkeys(placeholders(texts[lang]), 1)
        t(key, lang, **values)  # a stray brace or a bad format spec fails here


def test_every_word_is_used() -> None:
    trees = sources()
    constants = {node.value for tree in trees.values() for node in strings(tree)}
    prefixes = {
        node.values[0].value
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant)
    }
    built = set()
    for prefix, values in BUILT_KEYS.items():
        assert prefix in prefixes, f"no f-string builds keys from {prefix!r}: drop it from BUILT_KEYS"
        keys = {prefix + str(value) for value in values}
        assert keys <= set(ja.WORDS), f"missing words: {sorted(keys - set(ja.WORDS))}"
        built |= keys
    unused = [key for key in ja.WORDS if key not in constants and key not in built]
    assert not unused, f"words no code prints: {unused}"


def test_no_japanese_outside_the_japanese_words() -> None:
    trees = sources()
    found = []
    matched: set[tuple[str, str | None]] = set()
    for rel, tree in trees.items():
        skip = docstrings(tree)
        if rel == "sources/schema.py" or re.fullmatch(r"sources/\w+_schema\.py", rel):
            skip |= descriptions(tree)
        for node in strings(tree):
            if id(node) in skip or not JAPANESE.search(node.value):
                continue
            allowed = [entry for entry in ALLOWED if entry[0] == rel and (entry[1] is None or entry[1] in node.value)]
            matched.update(allowed)
            if not allowed:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "printed words belong in isms/i18n/ja.py (and en.py):\n" + "\n".join(found)
    assert matched == set(ALLOWED), f"allowances that match nothing any more: {sorted(set(ALLOWED) - matched)}"


def test_t_fills_placeholders_and_sep_is_a_word() -> None:
    assert t("release", "ja", version="1.1") == "リリース 1.1"
    assert t("release", "en", version="1.1") == "Release 1.1"
    day = datetime.date(2026, 4, 1)
    assert format_date(day, date_pattern("en")) == "2026-04-01" and format_date(day, date_pattern("ja")) == "2026年4月1日"
    assert format_date(day, date_pattern("ja", "YYYY/MM/DD")) == "2026/04/01", "the profile's date_format wins"
    assert sep("ja") == "、" and sep("en") == ", "


def test_the_words_fingerprint_follows_every_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Word and xlsx writers key their caches with it: a changed word rebuilds their files."""
    before = fingerprint()
    monkeypatch.setitem(en.WORDS, "toc", "Table of contents")
    fingerprint.cache_clear()
    try:
        assert fingerprint() != before
    finally:
        monkeypatch.undo()
        fingerprint.cache_clear()
    assert fingerprint() == before
