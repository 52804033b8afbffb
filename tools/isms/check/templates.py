"""The Word templates: `isms check` refuses what the Word writer would fail on (a missing, damaged or
oversized template), and checks the frame's template code, which otherwise runs only at build time
(in the sandbox of isms.model.templating): syntax, `include`/`import`/`extends`, unknown filters,
and names beginning with an underscore."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from isms.model.templating import FrameEnvironment, fresh_budget, private_names
from isms.problems import Problem
from isms.sources.word import BODY_TAG, REGENERATE, read_word_template, template_paths

# The parts docxtpl renders: the body, headers, footers and footnotes.
_TEMPLATE_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml$")
_TEXT_ONLY = re.compile(r"<[^>]+>")


# Active content a Word template could carry into every document built from it. Fields are allowed
# by their instruction (page numbers, the table of contents, references inside the document): no
# INCLUDETEXT, INCLUDEPICTURE, DDE, LINK or HYPERLINK that would reach outside it.
SAFE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "TOC", "PAGEREF", "STYLEREF", "REF", "SEQ"})
ACTIVE_ELEMENTS = {
    "altChunk": "imports another document", "subDoc": "includes another document", "attachedTemplate": "loads a template (macros) from elsewhere",
    "object": "embeds an object", "OLEObject": "embeds an OLE object", "control": "holds an ActiveX control", "frameset": "loads web frames",
    "mailMerge": "connects to a mail-merge data source",
}  # fmt: skip
ACTIVE_PARTS = re.compile(r"(?i)(vbaProject|vbaData|activeX|embeddings|oleObject|customUI|attachedToolbars|\.bin$)")
SAFE_EXTERNAL = re.compile(r"(?i)^(https?|mailto):")
_ELEMENT = re.compile(r"<(?:[A-Za-z][\w.-]*:)?(" + "|".join(ACTIVE_ELEMENTS) + r")[\s/>]")
_FIELD_PIECE = re.compile(r'<w:fldChar\b[^>]*w:fldCharType="(begin|separate|end)"|<w:instrText\b[^>]*>([^<]*)</w:instrText>|<w:fldSimple\b[^>]*w:instr="([^"]*)"')
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def _fields(xml: str) -> list[str]:
    """The instruction of every field of a part, complex (begin … instrText … separate/end) or simple."""
    found, current = [], None
    for match in _FIELD_PIECE.finditer(xml):
        kind, piece, simple = match.groups()
        if simple is not None:
            found.append(simple)
        elif kind == "begin":
            current = ""
        elif kind in ("separate", "end"):
            if current is not None:
                found.append(current)
            current = None
        elif piece is not None and current is not None:
            current += piece
    return found


def active_content(path: Path, parts: dict[str, bytes]) -> list[Problem]:
    """Macros, embedded objects, imports, external links other than web links, and fields that
    read or run something: a template arrives by pull request like every source."""
    problems = []
    why = "a template may hold styles, text and page-number fields only: remove it in Word, or regenerate the template (delete it and run `isms build`)"
    for name, data in sorted(parts.items()):
        if ACTIVE_PARTS.search(name):
            problems.append(Problem(path, 1, 1, f"{name}: macros, ActiveX controls and embedded objects are not allowed in a Word template; {why}"))
            continue
        if not name.endswith((".xml", ".rels")):
            continue
        xml = data.decode("utf-8", "replace")
        for element in sorted(set(_ELEMENT.findall(xml))):
            problems.append(Problem(path, 1, 1, f"{name}: <{element}> {ACTIVE_ELEMENTS[element]}; {why}"))
        for instruction in _fields(xml):
            keyword = (instruction.split() or [""])[0].upper()
            if keyword not in SAFE_FIELDS:
                problems.append(Problem(path, 1, 1, f"{name}: the field {instruction.strip()[:60]!r} is not allowed ({', '.join(sorted(SAFE_FIELDS))} are); {why}"))
        for relationship in _RELATIONSHIP.findall(xml):
            attributes = dict(_ATTRIBUTE.findall(relationship))
            if attributes.get("TargetMode") == "External":
                web_link = attributes.get("Type", "").endswith("/hyperlink") and SAFE_EXTERNAL.match(attributes.get("Target", "").strip())
                if not web_link:
                    problems.append(Problem(path, 1, 1, f"{name}: an external link to {attributes.get('Target', '')[:60]!r} is not allowed; {why}"))
    return problems


def word_templates(root: Path) -> list[Problem]:
    reference, frame = template_paths(root)
    reference_parts, problems = read_word_template(reference, root, b"w:styles")
    if reference_parts is not None:
        problems += active_content(reference, reference_parts)
    parts, found = read_word_template(frame, root, BODY_TAG)
    problems += found
    if parts is None:
        return problems
    problems += active_content(frame, parts)
    from docxtpl import DocxTemplate  # the Word libraries load only where a frame is checked

    environment = FrameEnvironment()
    patcher = DocxTemplate.__new__(DocxTemplate)  # patch_xml only: docxtpl's clean-up of the tags
    for name in sorted(parts):
        if not _TEMPLATE_PARTS.match(name):
            continue
        try:
            xml = patcher.patch_xml(parts[name].decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(frame, 1, 1, f"{name} is not UTF-8 XML: {REGENERATE}"))
            continue
        where = f"the frame template's {name}"
        try:
            template = environment.parse(xml)
            environment.compile(template)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(frame, 1, 1, f"{where}: template syntax: {_TEXT_ONLY.sub('', exc.message or '')} (open the frame in Word and fix the tag)"))
            continue
        except jinja2.TemplateError as exc:
            problems.append(Problem(frame, 1, 1, f"{where}: {_TEXT_ONLY.sub('', str(exc))}"))
            continue
        private = private_names(template)
        for _line, name in private:
            problems.append(Problem(frame, 1, 1, f"{where}: '{name}' is not allowed in the frame (names beginning with _ reach into the tool): use the frame's variables (README, 'Outputs')"))
        if not private:
            problems += _runs(environment, xml, frame, where)
    return problems


def _runs(environment: FrameEnvironment, xml: str, frame: Path, where: str) -> list[Problem]:
    """The frame's code run once without the documents' values (names the tool does not give print
    nothing in a frame): what fails here, {{ 1/0 }}, would fail every Word document of the build."""
    fresh_budget()
    try:
        environment.from_string(xml).render()
    except jinja2.UndefinedError:
        return []  # arithmetic on a value only a document gives: it runs with the document's values
    except Exception as exc:  # anything it raises here stops the Word writer at build time
        return [Problem(frame, 1, 1, f"{where}: the frame fails when it runs ({type(exc).__name__}: {_TEXT_ONLY.sub('', str(exc))[:120]}): fix the tag in Word")]
    return []

