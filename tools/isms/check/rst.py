"""reStructuredText validation with docutils, before Sphinx or pandoc ever see the text.

docutils reports what pandoc would silently mangle (bad tables, short underlines). The Sphinx roles we
allow are registered here so that their targets are checked against the labels the document set defines.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docutils
from docutils import nodes, utils
from docutils.frontend import OptionParser
from docutils.parsers.rst import Directive, Parser, directives, roles
from docutils.parsers.rst.languages import en as english
from docutils.readers import standalone

from isms import rstparse, trust
from isms.model.templating import RenderedText
from isms.problems import Problem
from isms.sources.media import IMAGE_DIRECTIVE, MEDIA_PREFIX, image_problem

XREF_ROLES = ("ref",)
# Sphinx's other reference roles fail the build on the generated pages (numref: no numbers are
# assigned; doc: pages are not named by labels): refused with the role to use instead.
REFUSED_ROLES = {
    "numref": ":numref: is not available: write :ref:`label` (the title is printed)",
    "doc": ":doc: is not available: write :ref:`label` (ctl-<id>, pol-<id>, clause-<n>, soa, register, checklist)",
}


@contextlib.contextmanager
def _xref_roles(known_labels: frozenset[str]) -> Iterator[None]:
    """Sphinx's reference roles, checked against the labels of the document set, registered in
    docutils' role table for one parse only (as Sphinx's docutils_namespace does): the table is
    global, and nothing else in the process should see these roles."""

    def xref(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None):
        target = utils.unescape(text)
        match = re.search(r"<([^<>]+)>\s*$", target)
        label = (match.group(1) if match else target).strip().lower()
        if label not in known_labels:
            message = inliner.reporter.error(
                f"reference target '{label}' not found: use ctl-<id> for a control, pol-<id> for a policy, "
                "clause-<n> for a clause of the manual, soa, register or checklist",
                line=lineno,
            )
            return [inliner.problematic(rawtext, rawtext, message)], [message]
        return [nodes.reference(rawtext, target, refuri="#" + label)], []

    def refused(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None):
        message = inliner.reporter.error(REFUSED_MARK + REFUSED_ROLES[name], line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]

    saved = dict(roles._roles)
    for name in XREF_ROLES:
        roles.register_local_role(name, xref)
    for name in REFUSED_ROLES:
        roles.register_local_role(name, refused)
    try:
        yield
    finally:
        roles._roles.clear()
        roles._roles.update(saved)


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


# Stray spaces. Japanese text has no spaces between its words: a space next to Japanese punctuation or
# a bracket, or between kana and kanji, prints as a gap in the middle of a sentence ("( 8.9 構成管理 )",
# "全社教育で 内容を"), in Word and on the site alike. The rule for printed text (the tests scan every
# output with it) allows the spaces that separate words: names (港 健一), a number and its title
# (5.15 アクセス制御), Latin words (Intune の); none of them touches a bracket, punctuation or kana.
JAPANESE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
HIRAGANA = "\u3041-\u309f"
JAPANESE_PUNCTUATION = "\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01\uff08\uff09\uff0c\uff0e\uff1a\uff1b\uff1f\uff3b\uff3d\uff5b\uff5d"
OPENING = "([{\uff08\uff3b\uff5b\u300c\u300e\u3010\u3014\u3008\u300a\u3016\u3018\u301a"
CLOSING = ")]}\uff09\uff3d\uff5d\u300d\u300f\u3011\u3015\u3009\u300b\u3017\u3019\u301b"
STRAY_SPACE = re.compile(
    rf"(?<=[{re.escape(OPENING)}]) +(?=\S)|(?<=\S) +(?=[{re.escape(CLOSING)}])"  # just inside brackets
    rf"|(?<=[{JAPANESE_PUNCTUATION}]) +(?=\S)|(?<=\S) +(?=[{JAPANESE_PUNCTUATION}])"  # next to 、。「」
    rf"|(?<=[{HIRAGANA}]) +(?=[{JAPANESE}])|(?<=[{JAPANESE}]) +(?=[{HIRAGANA}])"  # inside a sentence
)
# In a source, inline markup (a role, **strong**, ``literal``) next to Japanese text needs "\ ", not a
# space: the space would be printed (README). Markup is masked to this character before the rules run.
_MARKUP = re.compile(r"(?<![\\\w]):[a-z]+:`[^`]+`(?:_{1,2})?|``[^`]+``|\*\*[^*\s][^*]*\*\*|(?<![\\\w*])\*[^*\s][^*]*\*(?!\*)")
_MASK = "\ue010"
_MARKUP_SPACE = re.compile(rf"(?<=[{JAPANESE}{JAPANESE_PUNCTUATION}]) +(?={_MASK})|(?<={_MASK}) +(?=[{JAPANESE}{JAPANESE_PUNCTUATION}])")
# What begins a line in reST (indentation, bullets, enumerators, list-table cells, line blocks) is
# structure, not text.
_LINE_START = re.compile(r"^\s*(?:(?:[-*+•]|#\.|\d+\.|\(?\d+\)|[A-Za-z]\.|\(?[A-Za-z]\)|\|)\s+)*")
ADORNMENT_LINE = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_LITERAL_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:code|code-block|sourcecode|parsed-literal|math|raw)::")


def stray_spaces(text: str) -> list[re.Match[str]]:
    """The stray spaces of printed text (a paragraph, a cell, a heading)."""
    return list(STRAY_SPACE.finditer(text))


def _source_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of the lines that hold running text: not literal blocks, comments,
    directives, section adornments or grid-table borders."""
    literal_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                continue
            literal_indent = None
        if (stripped.endswith("::") and not stripped.startswith("..")) or _LITERAL_DIRECTIVE.match(line):
            literal_indent = indent  # a literal block follows (a paragraph ending in ::, or a code directive)
        if stripped.startswith("..") or ADORNMENT_LINE.match(stripped) or stripped.startswith(("+-", "+=")):
            continue
        yield number, line


def stray_space_problems(rendered: RenderedText) -> list[Problem]:
    problems = []
    for number, line in _source_lines(rendered.text):
        start = _LINE_START.match(line)
        content = line[start.end() if start else 0 :]
        cells = [content]
        if content.startswith("|") and content.rstrip().endswith("|"):  # a grid table row
            cells = [cell.strip() for cell in content.strip("|").split("|")]
        for cell in cells:
            masked = _MARKUP.sub(lambda m: _MASK, cell.rstrip())
            spans = sorted({m.span() for pattern in (STRAY_SPACE, _MARKUP_SPACE) for m in pattern.finditer(masked)})
            for begin, end in spans:
                around = masked[max(begin - 6, 0) : end + 6].replace(_MASK, "…").strip()
                problems.append(
                    Problem(
                        rendered.source.path, rendered.file_line(number), 1,
                        f"stray space in '{around}': Japanese text has no space next to brackets, punctuation, kana or inline markup: "
                        "remove it (write '\\ ' where reST needs a separator around markup)",
                    )
                )
    return problems


# Directives both writers render and that name no file outside the text (images are checked below).
ALLOWED_DIRECTIVES = frozenset(
    {
        "admonition", "attention", "caution", "danger", "error", "hint", "important", "note", "tip", "warning",
        "list-table", "csv-table", "table", "rubric", "image", "figure", "topic", "epigraph", "highlights",
        "pull-quote", "container", "compound", "parsed-literal", "code", "math", "replace",
    }
)  # fmt: skip
REFUSED_DIRECTIVES = {
    "raw": "'raw' is not allowed in sources: it would put HTML or Word markup into the outputs unchecked",
    "include": "'include' is not allowed in sources: a text cannot pull in other files (write the text here)",
    "literalinclude": "'literalinclude' is not allowed in sources: a text cannot pull in other files (write the text here)",
    "meta": "'meta' is not allowed in sources: it can redirect or refresh the auditors' pages",
    "role": "'role' is not allowed in sources: custom roles can emit raw markup",
    "unicode": "'unicode' is not allowed in sources: write the character itself",
    "date": "'date' is not allowed in sources: outputs must not depend on the build date",
}
REFUSED_MARK = "\ue011refused:"  # starts the message of a directive refused by the docutils pass
# docutils takes "name::" and "name ::" (one space) alike: so does this pattern.
_DIRECTIVE = re.compile(r"^[ \t]*\.\.[ \t]+(?:\|[^|\n]+\|[ \t]+)?(?P<name>[A-Za-z0-9_+.:-]+?)[ ]?::(?P<rest>.*)$", re.MULTILINE)
_OPTION = re.compile(r"^[ \t]+:(?P<name>file|url|encoding|target):[ \t]*(?P<value>.*)$")
SAFE_SCHEMES = ("http", "https", "mailto")


def directive_problems(rendered: RenderedText) -> list[Problem]:
    """Directives outside the allow-list, and options that name files or URLs."""
    problems = []
    lines = rendered.text.splitlines()
    for match in _DIRECTIVE.finditer(rendered.text):
        number = rendered.text.count("\n", 0, match.start()) + 1
        line = rendered.file_line(number)
        name = match.group("name").lower()
        if name in REFUSED_DIRECTIVES:
            problems.append(Problem(rendered.source.path, line, 1, REFUSED_DIRECTIVES[name]))
            continue
        if name not in ALLOWED_DIRECTIVES:
            continue  # docutils reports an unknown directive itself, with its own explanation
        for option_line in lines[number : number + 20]:
            if option_line.strip() and not option_line.startswith((" ", "\t")):
                break
            option = _OPTION.match(option_line)
            if option and option.group("name") in ("file", "url", "encoding"):
                problems.append(
                    Problem(rendered.source.path, line, 1, f"'{name}' with :{option.group('name')}: is not allowed in sources: put the table's data in the text")
                )
    return problems


def _scheme(uri: str) -> str | None:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    squeezed = re.sub(r"[\x00-\x20]", "", uri).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", squeezed)
    return match.group(1) if match else None


def uri_problems(rendered: RenderedText, document: nodes.document, root: Path | None, media: frozenset[str] = frozenset()) -> list[Problem]:
    """Links may only be http(s) or mailto; images must be PNG, JPEG or GIF files inside the repository."""
    problems = []
    path = rendered.source.path

    def where(text: str, node: nodes.Node) -> int:
        # Reference and image nodes rarely know their line: find the text that names them (as the
        # source writes it: backslashes are escapes in reST).
        raw = (node.rawsource or "").splitlines()[0] if node.rawsource else ""
        if node.line:
            return _line_containing(rendered.source, text, rendered.file_line(node.line))
        return (
            _first_line_with(rendered.source, text) or (raw and _first_line_with(rendered.source, raw))
            or (raw and _first_line_with(rendered.source, raw, squeezed=True)) or rendered.source.first_line
        )

    linked = list(document.findall(lambda n: isinstance(n, nodes.Element) and ("refuri" in n.attributes)))
    # An embedded URI makes a reference and a target: one problem, at the reference (it has the line).
    referenced = {node["refuri"] for node in linked if isinstance(node, nodes.reference)}
    for node in linked:
        uri = node["refuri"]
        if isinstance(node, nodes.target) and uri in referenced:
            continue
        scheme = _scheme(uri)
        if scheme is not None and scheme not in SAFE_SCHEMES:
            problems.append(Problem(path, where(uri, node), 1, f"link target '{uri[:60]}' is not allowed: links may be http, https or mailto only"))
        elif scheme is None and not uri.startswith("#"):
            # "//host/x" and "\\host\share" reach another machine (file://host, an SMB share on
            # Windows) when the site is opened from disk; "../x" leaves the site.
            problems.append(Problem(path, where(uri, node), 1, (
                f"link target '{uri[:60]}' is not a web address: write it in full (https://…), or link a document of the set with :ref:"
            )))
    for node in document.findall(nodes.image):
        uri = node["uri"]
        if uri.startswith(MEDIA_PREFIX) and uri[len(MEDIA_PREFIX) :] in media:
            continue  # a valid image, already published under its content name (isms.sources.media)
        problem = image_problem(rendered.source.path, uri, root) if root is not None else None
        if problem is not None:
            problems.append(Problem(path, where(uri, node), 1, problem))
    return problems


_RESULTS: dict[tuple[object, ...], tuple[Problem, ...]] = {}
_RESULTS_LIMIT = 4096


def check_rst(rendered: RenderedText, known_labels: frozenset[str], root: Path | None = None, media: frozenset[str] = frozenset()) -> list[Problem]:
    """Memoised in the process (a release, a test run and `isms build` check the same texts again):
    the result depends only on the arguments, except for images not yet published under a content
    name, whose files may change: such texts are checked every time."""
    key = (rendered, known_labels, root, media)
    cached = _RESULTS.get(key)
    if cached is not None:
        return list(cached)
    unpublished_images = any(not m.group("uri").startswith(MEDIA_PREFIX) for m in IMAGE_DIRECTIVE.finditer(rendered.text))
    if unpublished_images:
        return _check_rst(rendered, known_labels, root, media)
    found = _stored_check(rendered, known_labels, root, media)
    if len(_RESULTS) >= _RESULTS_LIMIT:
        _RESULTS.clear()
    _RESULTS[key] = tuple(found)
    return found


CHECKED = "rst"  # the cache's kind (isms.trust): the problems of a text, by everything they depend on
# The rules of every stage may shape a text's check (roles, media, the words of messages): the key
# covers the whole package's code and docutils.
CODE_VERSION = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).parents[1].rglob("*.py"))) + docutils.__version__.encode()
).hexdigest()
used_entries: set[str] = set()


@functools.lru_cache(maxsize=64)
def _digest(names: frozenset[str]) -> str:
    """Of the labels (or images) every text of a build is checked against: once per build, not per text."""
    return hashlib.sha256("\0".join(sorted(names)).encode()).hexdigest()


def _stored_check(rendered: RenderedText, known_labels: frozenset[str], root: Path | None, media: frozenset[str]) -> list[Problem]:
    """Across processes: the problems of a text as an earlier check of the same text in the same
    context found them (an edit re-checks the text it changed). Kept with the path relative to the
    repository, so that copies of one repository share them."""
    source = rendered.source
    if root is None or not source.path.is_relative_to(root):
        return _check_rst(rendered, known_labels, root, media)
    relative = source.path.relative_to(root).as_posix()
    # The source's text decides the line map (RenderedText.source_lines), so it need not be made here.
    payload = [CODE_VERSION, relative, source.first_line, source.text, rendered.text, _digest(known_labels), _digest(media)]
    key = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()
    used_entries.add(key)
    stored = trust.load(root, CHECKED, key)
    if stored is not None:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return [Problem(root / path, line, col, message, severity) for path, line, col, message, severity in json.loads(stored)]
    found = _check_rst(rendered, known_labels, root, media)
    if all(problem.path == source.path for problem in found):
        rows = [[relative, p.line, p.col, p.message, p.severity] for p in found]
        trust.store(root, CHECKED, key, json.dumps(rows, ensure_ascii=False).encode())
    return found


@functools.cache
def _option_parser() -> OptionParser:
    """Made once: building docutils' option parser (80 options) was a tenth of a check of a text."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return OptionParser((Parser,))


def _check_rst(rendered: RenderedText, known_labels: frozenset[str], root: Path | None, media: frozenset[str]) -> list[Problem]:
    settings = _option_parser().get_default_values()  # fresh values each time, as get_default_settings(Parser)
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
        if text.startswith(REFUSED_MARK):
            found.append(Problem(path, line, 1, text[len(REFUSED_MARK) :]))
            return
        quoted = re.search(r"'([^']+)'", text)
        if quoted:  # docutils gives a paragraph's first line: find the line that holds the culprit
            line = _line_containing(rendered.source, quoted.group(1), line)
        kind = "reST warning" if message["level"] == 2 else "reST error"
        found.append(Problem(path, line, 1, f"{kind}: {_explain(text, message.astext())}"))

    found += glued_markup(rendered)
    found += stray_space_problems(rendered)
    found += directive_problems(rendered)
    rstparse.install()
    with _xref_roles(known_labels), _refused_directives():
        document = utils.new_document(str(path), settings)
        document.reporter.attach_observer(observe)
        parser = Parser()
        parser.parse(rendered.text, document)
        # The reader's transforms resolve substitutions, footnotes and targets: without them an
        # unknown target or an undefined substitution would pass here and fail the build.
        document.transformer.populate_from_components((standalone.Reader(), parser))
        document.transformer.apply_transforms()
    found += uri_problems(rendered, document, root, media)
    for citation in document.findall(nodes.citation):  # Sphinx's citations are one namespace for the whole site
        label = citation["names"][0] if citation["names"] else "?"
        found.append(Problem(path, rendered.file_line(citation.line), 1, (
            f"citation [{label}] is not available (citations are shared by every page of the site and clash between documents): "
            f"write a footnote, [#{label}]_ and .. [#{label}]"
        )))
    return list(dict.fromkeys(found))  # a directive at a line's start is refused by both passes


class _AnyOption(dict):
    """An option table that takes every option, so that a refused directive is refused for being
    itself, not for an option it happens to carry."""

    def __contains__(self, name: object) -> bool:
        return True

    def __getitem__(self, name: str) -> Any:
        return directives.unchanged


def _refusing(message: str) -> type[Directive]:
    class Refused(Directive):
        has_content = True
        optional_arguments = 64
        final_argument_whitespace = True
        option_spec = _AnyOption()

        def run(self) -> list[nodes.Node]:
            raise self.error(message)

    return Refused


@functools.cache
def _unlisted_directives() -> tuple[str, ...]:
    """docutils' directives (and their English aliases) outside the allow-list: 'title' renames the
    page, 'header' and 'footer' print on every page, 'sectnum' and 'contents' restructure it."""
    aliases = dict(english.directives)
    names = set(directives._directive_registry) | set(aliases)
    return tuple(sorted(name for name in names if aliases.get(name, name) not in ALLOWED_DIRECTIVES))


@contextlib.contextmanager
def _refused_directives() -> Iterator[None]:
    """The refused directives, refused where docutils finds them: in a list item, a table cell, a
    field body or after a line separator (U+2028) as well as at the start of a line, which is all
    the line pattern above sees. Registered for one parse only, like the reference roles."""
    saved = dict(directives._directives)
    for name in _unlisted_directives():
        directives._directives[name] = _refusing(REFUSED_MARK + f"'{name}' is not available in sources (the directives are: {', '.join(sorted(ALLOWED_DIRECTIVES))})")
    for name, message in REFUSED_DIRECTIVES.items():
        directives._directives[name] = _refusing(REFUSED_MARK + message)
    try:
        yield
    finally:
        directives._directives.clear()
        directives._directives.update(saved)


def _first_line_with(source, needle: str, squeezed: bool = False) -> int | None:
    """squeezed: compare without whitespace (docutils expands tabs in what it quotes)."""
    if squeezed:
        needle = re.sub(r"\s+", "", needle)
    for index, line in enumerate(source.text.splitlines()):
        if needle and needle in (re.sub(r"\s+", "", line) if squeezed else line):
            return source.first_line + index
    return None


def _line_containing(source, needle: str, start: int) -> int:
    lines = source.text.splitlines()
    for index in range(max(start - source.first_line, 0), len(lines)):
        if needle in lines[index]:
            return source.first_line + index
        if index > start - source.first_line and not lines[index].strip():
            break  # end of the paragraph
    return start


def _explain(message: str, context: str) -> str:
    """context: the whole system message, with the source lines docutils quotes."""
    if "underline too short" in message or "overline too short" in message:
        if any(unicodedata.east_asian_width(ch) in "WF" for ch in context):
            return message + " (a Japanese character counts as two columns: lengthen the underline)"
        return message + " (make the underline at least as long as the title)"
    if message.startswith('Unknown directive type'):
        return message + " (only docutils directives are supported in sources)"
    return message
