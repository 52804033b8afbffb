"""Page numbers in the manual's table of contents, in the file as delivered.

Word fills a TOC's page numbers only when someone updates the field (and updateFields=true made it ask
on every open); other viewers show what the file stores. So the manual is laid out once by LibreOffice
(headless, the preview fonts of fonts.conf): its PDF names the page of every heading's bookmark
(pdfinfo -dests), and those numbers are written into the TOC entries, as is the page count into the
NUMPAGES fields' stored results. compose.fill_toc() already wrote every entry with a placeholder
number of two digits, so filling in the numbers does not move a line.

This runs only when the manual itself is converted: the Word writer's cache is keyed by the manual's
fingerprint, which includes engine() (where LibreOffice is, or that it is not installed). Without
LibreOffice and poppler the entries keep their titles only and no number, as before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from isms.render.docx.package import app_properties
from isms.render.docx.paths import FONTS_CONF
from isms.render.ooxml import NS, W, read_package, write_package, xml_bytes

PLACEHOLDER = "00"  # compose.fill_toc(): the width of the numbers to come
TIMEOUT = 300
_EXPORT = {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"}}
_DEST = re.compile(r"^\s*(\d+)\s+\[.*\]\s+\"([^\"]+)\"\s*$")


class PaginationError(Exception):
    pass


def _tools() -> tuple[str, str] | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdfinfo = shutil.which("pdfinfo")
    return (soffice, pdfinfo) if soffice and pdfinfo else None


def engine() -> str:
    """What paginates: part of the manual's fingerprint (another LibreOffice may break pages elsewhere)."""
    tools = _tools()
    if tools is None:
        return "none"
    soffice = Path(tools[0]).resolve()
    return f"{soffice}:{FONTS_CONF.read_bytes().hex()[:64]}"


def paginate(data: bytes, company: str) -> bytes:
    """The document with its TOC page numbers and page count filled in (unchanged without LibreOffice)."""
    tools = _tools()
    if tools is None:
        return _fill(data, None, company)
    soffice, pdfinfo = tools
    with tempfile.TemporaryDirectory(prefix="isms-paginate-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
        command = [
            soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
            "--convert-to", f"pdf:writer_pdf_Export:{json.dumps(_EXPORT)}", "--outdir", str(work), str(source),
        ]
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL)
            pdf = work / "document.pdf"
            if not pdf.is_file():
                raise PaginationError("LibreOffice wrote no PDF")
            dests = subprocess.run([pdfinfo, "-dests", str(pdf)], capture_output=True, timeout=60, check=True, text=True).stdout
            info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, timeout=60, check=True, text=True).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise PaginationError(str(exc)) from exc
    pages = {match.group(2): int(match.group(1)) for match in map(_DEST.match, dests.splitlines()) if match}
    total = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return _fill(data, (pages, int(total.group(1)) if total else 0), company)


def _fill(data: bytes, layout: tuple[dict[str, int], int] | None, company: str) -> bytes:
    parts = read_package(data)
    root = etree.fromstring(parts["word/document.xml"])
    pages, total = layout if layout is not None else ({}, 0)
    for paragraph in root.iter(W + "p"):
        style = paragraph.find("w:pPr/w:pStyle", NS)
        if style is None or not style.get(W + "val", "").startswith("TOC"):
            continue
        for link in paragraph.iterfind("w:hyperlink", NS):
            texts = link.findall(".//w:t", NS)
            if len(texts) < 2 or texts[-1].text != PLACEHOLDER:
                continue
            page = pages.get(link.get(W + "anchor", ""))
            if page is None:  # no layout, or a heading LibreOffice did not place: the title alone
                tab = next(link.iter(W + "tab"), None)
                if tab is not None:
                    tab.getparent().remove(tab)
                texts[-1].getparent().getparent().remove(texts[-1].getparent())
            else:
                texts[-1].text = str(page)
    if total:
        for name, part in list(parts.items()):
            if name == "word/document.xml" or re.match(r"word/(header|footer)\d*\.xml$", name):
                element = root if name == "word/document.xml" else etree.fromstring(part)
                _field_results(element, "NUMPAGES", str(total))
                parts[name] = xml_bytes(element)
    parts["word/document.xml"] = xml_bytes(root)
    parts["docProps/app.xml"] = app_properties(company, pages=total or None)
    return write_package(parts)


def _field_results(root: etree._Element, instruction: str, value: str) -> None:
    """The stored result of every complex field with this instruction (begin, instr, separate, result, end)."""
    for paragraph in root.iter(W + "p"):
        state, instr, result = None, "", []
        for node in paragraph.iter(W + "fldChar", W + "instrText", W + "t"):
            if node.tag == W + "fldChar":
                kind = node.get(W + "fldCharType")
                if kind == "begin":
                    state, instr, result = "instr", "", []
                elif kind == "separate":
                    state = "result"
                elif kind == "end":
                    if instr.split()[:1] == [instruction] and result:
                        result[0].text = value
                        for extra in result[1:]:
                            extra.text = ""
                    state = None
            elif node.tag == W + "instrText" and state == "instr":
                instr += node.text or ""
            elif node.tag == W + "t" and state == "result":
                result.append(node)
