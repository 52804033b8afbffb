"""The site's full-text search index: a query finds every page whose text contains it.

Sphinx's own index stores the words TinySegmenter cuts from the text (委託 in 62 pages, 委託先 in
6), while a query is looked up whole: a longer word misses most pages, and numbers and identifiers
(5.15, R-003, ISMS-C-5-15) are not indexed at all. This index needs no segmenter on either side:

- ``index.js``: the pages (name, title, chunk), and for every two adjacent characters of a page's
  folded text (a bigram, as Lucene's CJK analyzer indexes Japanese) the pages that contain it. A
  query's candidates are the pages that contain all of its bigrams: every page that contains the
  query is among them.
- ``text-<n>-<hash>.js``: the pages' texts and where their sections start, in chunks of about
  64,000 characters, loaded when a query's candidates are in them. They confirm each match, count
  the occurrences (the ranking) and give the snippets.

Folded means NFKC (full-width ５．１５ is 5.15, half-width ｱｸｾｽ is アクセス), lower case, and every
run of white space one space: the browser folds the query and the texts the same way
(static/isms-search.js). The texts are read from the written pages (the article, without its
permalinks, scripts and forms), so the index holds exactly what a reader sees.

Both are scripts that call ``IsmsSearch``, not JSON to fetch: browsers refuse fetch() from file://,
and auditors open build/html/index.html directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from isms import trust

INDEX_DIR = "_static/isms-search"
CHUNK_CHARS = 64_000
_SKIP_TAGS = {"script", "style", "form", "nav", "noscript", "template"}
_SPACE = re.compile(r"\s+")
# 64 characters that need no escaping in a JSON string: the digits of the postings' numbers.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def fold(text: str) -> str:
    """What the search compares: NFKC, lower case, white space collapsed (as foldText in the browser)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower())


@dataclass
class PageText:
    name: str  # the page's path without .html: "controls/5.15"
    title: str
    text: str  # white space collapsed, as shown
    number: str = ""  # the document number of the page (its banner), ranked like the title
    sections: list[tuple[int, str, str]] = field(default_factory=list)  # (offset in text, id, heading)
    grams: str = ""  # its bigrams, sorted and joined (computed once: isms build keeps them with the text)

    def bigrams(self) -> list[str]:
        if not self.grams:
            folded = fold(self.text)
            self.grams = "".join(sorted({folded[i : i + 2] for i in range(len(folded) - 1)}))
        return [self.grams[i : i + 2] for i in range(0, len(self.grams), 2)]


class _Collector:
    """The article's text in document order, white space collapsed as it goes (so that offsets
    are those of the final text), with the offset where each section starts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.space = True  # at the start: leading white space is dropped
        self.sections: list[tuple[int, str, str]] = []

    def add(self, piece: str | None) -> None:
        if not piece:
            return
        piece = _SPACE.sub(" ", piece)
        if piece.startswith(" ") and self.space:
            piece = piece[1:]
        if piece:
            self.parts.append(piece)
            self.length += len(piece)
            self.space = piece.endswith(" ")

    def walk(self, element) -> None:  # an lxml element
        if _skipped(element):
            return
        if element.tag == "section" and element.get("id"):
            self.sections.append((self.length, element.get("id"), _heading(element)))
        self.add(element.text)
        for child in element:
            self.walk(child)
            self.add(child.tail)

    def text(self) -> str:
        return "".join(self.parts).rstrip(" ")


def _skipped(element) -> bool:
    if not isinstance(element.tag, str):  # comments and processing instructions
        return True
    return element.tag in _SKIP_TAGS or "headerlink" in (element.get("class") or "").split()


def _heading(section) -> str:
    for child in section:
        if isinstance(child.tag, str) and re.fullmatch(r"h[1-6]", child.tag):
            collector = _Collector()
            collector.walk(child)
            return collector.text()
    return ""


def page_text(name: str, data: bytes) -> PageText | None:
    """The searchable text of one written page, or None for a page without an article."""
    root = lxml_html.fromstring(data)
    articles = root.xpath('//article[@role="main"]')
    if not articles:
        return None
    collector = _Collector()
    collector.walk(articles[0])
    text = collector.text()
    title = next((heading for _, _, heading in collector.sections if heading), name)
    # str(): an lxml string result keeps its whole page tree alive (2 GB for a thousand pages)
    number = str(next(iter(articles[0].xpath('.//*[@data-document-number]/@data-document-number')), ""))
    return PageText(name, title, text, number, collector.sections)


def read_pages(outdir: Path, skip: set[str], known: Path | None = None) -> list[PageText]:
    """The pages' texts. known: a file (in a cache only this machine writes) of the texts read by the
    last build, by the SHA-256 of each page: an edit re-reads the pages that were written again."""
    remembered: dict[str, list[Any]] = {}
    if known is not None:
        with contextlib.suppress(OSError, ValueError):
            remembered = json.loads(known.read_text(encoding="utf-8"))
    pages, kept = [], {}
    for path in sorted(outdir.rglob("*.html")):
        rel = path.relative_to(outdir)
        if rel.parts[0].startswith("_"):
            continue
        name = rel.with_suffix("").as_posix()
        if name in skip:
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        entry = remembered.get(digest)
        if entry is not None and entry[0] == name and len(entry) == 6:
            page = PageText(name, entry[1], entry[2], entry[3], [tuple(section) for section in entry[4]], entry[5]) if entry[1] is not None else None
        else:
            page = page_text(name, data)
            if page is not None and known is not None:
                page.bigrams()
        kept[digest] = [name, *((page.title, page.text, page.number, page.sections, page.grams) if page else (None,) * 5)]
        if page is not None:
            pages.append(page)
    if known is not None:
        trust.write_atomic(known, json.dumps(kept, ensure_ascii=False).encode("utf-8"))
    return pages


def encode_postings(pages: list[int]) -> str:
    """Ascending page numbers as the gaps between them, each in base 32 with a continuation bit
    (digits 32-63 say 'more follows'): a page list of the sample costs about one character a page."""
    out = []
    previous = -1
    for page in pages:
        gap = page - previous - 1
        previous = page
        while True:
            low, gap = gap & 31, gap >> 5
            out.append(DIGITS[low | (32 if gap else 0)])
            if not gap:
                break
    return "".join(out)


def decode_postings(text: str) -> list[int]:
    """The inverse of encode_postings (the browser has its own; this one is for the tests)."""
    pages, previous, gap, shift = [], -1, 0, 0
    for char in text:
        digit = DIGITS.index(char)
        gap |= (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        previous += gap + 1
        pages.append(previous)
        gap, shift = 0, 0
    return pages


def _needs_nfkc(text: str) -> int:
    """1 when NFKC changes the text: the browser skips normalising the others (lower-casing is
    enough for them, and much faster)."""
    return int(unicodedata.normalize("NFKC", text) != text)


def _js(call: str, value: object) -> str:
    return f"IsmsSearch.{call}({json.dumps(value, ensure_ascii=False, separators=(',', ':'))});\n"


def build_index(pages: list[PageText]) -> dict[str, str]:
    """File name (relative to the index folder) -> content, for these pages in this order."""
    postings: dict[str, list[int]] = {}
    for number, page in enumerate(pages):
        for gram in page.bigrams():
            postings.setdefault(gram, []).append(number)
    files: dict[str, str] = {}
    chunks: list[list[int]] = [[]]
    size = 0
    for number, page in enumerate(pages):
        if size and size + len(page.text) > CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(number)
        size += len(page.text)
    chunk_of: dict[int, int] = {}
    chunk_names = []
    for n, members in enumerate(chunks):
        body = [[pages[i].text, [list(s) for s in pages[i].sections], _needs_nfkc(pages[i].text)] for i in members]
        content = _js("addChunk", {"chunk": n, "first": members[0], "pages": body})
        name = f"text-{n}-{hashlib.sha256(content.encode()).hexdigest()[:10]}.js"
        files[name] = content
        chunk_names.append(name)
        chunk_of.update(dict.fromkeys(members, n))
    index = {
        "version": 1,
        "pages": [[page.name, page.title, chunk_of[i], page.number] for i, page in enumerate(pages)],
        "chunks": chunk_names,
        "grams": {gram: encode_postings(postings[gram]) for gram in sorted(postings)},
    }
    files["index.js"] = _js("setIndex", index)
    return files


def write_index(outdir: Path, skip: set[str], known: Path | None = None) -> dict[str, int]:
    """Read the written pages, write the index folder afresh; returns sizes for the statistics."""
    pages = read_pages(outdir, skip, known)
    files = build_index(pages)
    folder = outdir / INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.name not in files:
            stale.unlink()
    for name, content in files.items():
        path = folder / name
        data = content.encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            continue
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    index_bytes = len(files["index.js"].encode("utf-8"))
    text_bytes = sum(len(c.encode("utf-8")) for n, c in files.items() if n != "index.js")
    return {"pages": len(pages), "index_bytes": index_bytes, "text_bytes": text_bytes, "chunks": len(files) - 1}
