"""The Word templates: `isms check` refuses what the Word writer would fail on (a missing, damaged or
oversized template), and checks the frame's template code, which otherwise runs only at build time
(in the sandbox of isms.model.templating): syntax, `include`/`import`/`extends`, unknown filters,
and names beginning with an underscore."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2
from lxml import etree

from isms.check.kept import kept
from isms.model.templating import FrameEnvironment, frame_time_budget, fresh_budget, private_names
from isms.problems import Problem
from isms.sources.word import BODY_TAG, MAX_FILE_BYTES, REGENERATE, read_word_template, template_paths

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
_WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _fields(root: etree._Element) -> list[str]:
    """The instruction of every field of a part, complex (begin … instrText … separate/end, nested
    fields included) or simple, read by an XML parser (quotes, prefixes and namespaces as any XML
    writer puts them)."""
    found: list[str] = []
    open_fields: list[str] = []  # the instructions of the fields begun and not yet separated, innermost last
    for element in root.iter():
        name = _local(element.tag)
        if name == "fldSimple":
            found.append(element.get(f"{{{_WORD}}}instr") or element.get("instr") or "")
        elif name == "fldChar":
            kind = element.get(f"{{{_WORD}}}fldCharType") or element.get("fldCharType")
            if kind == "begin":
                open_fields.append("")
            elif open_fields:  # separate or end: the innermost instruction is complete
                found.append(open_fields.pop())
        elif name == "instrText":
            if open_fields:
                open_fields[-1] += element.text or ""
            else:  # an instruction outside a field's begin: judged on its own
                found.append(element.text or "")
    return found + open_fields


def active_content(path: Path, parts: dict[str, bytes]) -> list[Problem]:
    """Macros, embedded objects, imports, external links other than web links, and fields that
    read or run something: a template arrives by pull request like every source."""
    problems = []
    why = "a template may hold styles, text and page-number fields only: remove it in Word, or regenerate the template (delete it and run `isms build`)"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for name, data in sorted(parts.items()):
        if ACTIVE_PARTS.search(name):
            problems.append(Problem(path, 1, 1, f"{name}: macros, ActiveX controls and embedded objects are not allowed in a Word template; {why}"))
            continue
        if not name.lower().endswith((".xml", ".rels")):
            continue
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(path, 1, 1, f"{name} is not well-formed XML ({exc}): regenerate the template (delete it and run `isms build`)"))
            continue
        elements = sorted({_local(e.tag) for e in root.iter()} & set(ACTIVE_ELEMENTS))
        for element in elements:
            problems.append(Problem(path, 1, 1, f"{name}: <{element}> {ACTIVE_ELEMENTS[element]}; {why}"))
        for instruction in _fields(root):
            keyword = (instruction.split() or [""])[0].upper()
            if keyword not in SAFE_FIELDS:
                problems.append(Problem(path, 1, 1, f"{name}: the field {instruction.strip()[:60]!r} is not allowed ({', '.join(sorted(SAFE_FIELDS))} are); {why}"))
        for relationship in root.iter(f"{{{_RELATIONSHIPS}}}Relationship", "Relationship"):
            if (relationship.get("TargetMode") or "").lower() == "external":
                target = (relationship.get("Target") or "").strip()
                web_link = (relationship.get("Type") or "").endswith("/hyperlink") and SAFE_EXTERNAL.match(target)
                if not web_link:
                    problems.append(Problem(path, 1, 1, f"{name}: an external link to {target[:60]!r} is not allowed; {why}"))
    return problems


def word_templates(root: Path) -> list[Problem]:
    """Kept across builds by the templates' bytes (isms.check.kept): they change rarely, and parsing
    every part and running the frame took 13 ms of every check. A template that is missing, linked
    or too large is checked (and refused) every time."""
    paths = template_paths(root)
    if not all(p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_FILE_BYTES for p in paths):
        return _word_template_problems(root)
    content = "".join(hashlib.sha256(p.read_bytes()).hexdigest() for p in paths)

    def find() -> list[list[object]]:
        return [[p.path.relative_to(root).as_posix(), p.line, p.col, p.message, p.severity] for p in _word_template_problems(root)]

    rows = kept(root, "word-templates", content, "", find)
    return [Problem(root / path, line, col, message, severity) for path, line, col, message, severity in rows]


def _word_template_problems(root: Path) -> list[Problem]:
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
        with frame_time_budget():
            environment.from_string(xml).render()
    except jinja2.UndefinedError:
        return []  # arithmetic on a value only a document gives: it runs with the document's values
    except Exception as exc:  # anything it raises here stops the Word writer at build time
        return [Problem(frame, 1, 1, f"{where}: the frame fails when it runs ({type(exc).__name__}: {_TEXT_ONLY.sub('', str(exc))[:120]}): fix the tag in Word")]
    return []

