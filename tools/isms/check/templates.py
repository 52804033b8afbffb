"""The Word templates: `isms check` refuses what the Word writer would fail on (a missing, damaged or
oversized template), and checks the frame's template code, which otherwise runs only at build time
(in the sandbox of isms.model.templating): syntax, `include`/`import`/`extends`, unknown filters,
and names beginning with an underscore."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from isms.model.templating import FrameEnvironment, private_names
from isms.problems import Problem
from isms.sources.word import BODY_TAG, REGENERATE, read_word_template, template_paths

# The parts docxtpl renders: the body, headers, footers and footnotes.
_TEMPLATE_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml$")
_TEXT_ONLY = re.compile(r"<[^>]+>")


def word_templates(root: Path) -> list[Problem]:
    reference, frame = template_paths(root)
    problems = read_word_template(reference, root, b"w:styles")[1]
    parts, found = read_word_template(frame, root, BODY_TAG)
    problems += found
    if parts is None:
        return problems
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
        for _line, private in private_names(template):
            problems.append(Problem(frame, 1, 1, f"{where}: '{private}' is not allowed in the frame (names beginning with _ reach into the tool): use the frame's variables (README, 'Outputs')"))
    return problems

