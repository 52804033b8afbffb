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
    digest: str = ""  # the SHA-256 of the written page it was read from (isms build)

    def joined_bigrams(self) -> str:
        if not self.grams:
            folded = fold(self.text)
            self.grams = "".join(sorted({folded[i : i + 2] for i in range(len(folded) - 1)}))
        return self.grams

    def bigrams(self) -> list[str]:
        grams = self.joined_bigrams()
        return [grams[i : i + 2] for i in range(0, len(grams), 2)]


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
    return _read_pages(outdir, skip, known)[0]


# What the cached texts and index were made by: this module.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _read_pages(outdir: Path, skip: set[str], known: Path | None) -> tuple[list[PageText], dict[str, str]]:
    """The pages' texts, and the bigrams the last build knew of each page read again (by name).
    known holds a line per page (its digest, its name, its JSON, between tabs): the lines of
    unchanged pages are written back as they were, not encoded again."""
    remembered: dict[str, tuple[str, str]] = {}  # digest -> (name, JSON)
    if known is not None:
        with contextlib.suppress(OSError, ValueError):
            lines = known.read_text(encoding="utf-8").split("\n")
            if lines[0] == _CODE:
                for line in lines[1:]:
                    digest, name, entry = line.split("\t", 2)
                    remembered[digest] = (name, entry)
    pages, kept, read_again = [], [_CODE], set()
    for path in sorted(outdir.rglob("*.html")):
        rel = path.relative_to(outdir)
        if rel.parts[0].startswith("_"):
            continue
        name = rel.with_suffix("").as_posix()
        if name in skip:
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        known_name, line = remembered.get(digest, ("", ""))
        entry = _entry(line) if known_name == name else None
        if entry is not None:
            page = PageText(name, entry[0], entry[1], entry[2], [tuple(section) for section in entry[3]], entry[4], digest) if entry[0] is not None else None
        else:
            read_again.add(name)
            page = page_text(name, data)
            if page is not None:
                page.digest = digest
                if known is not None:
                    page.joined_bigrams()
            fields = (page.title, page.text, page.number, page.sections, page.grams) if page else (None,) * 5
            line = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        kept.append(f"{digest}\t{name}\t{line}")
        if page is not None:
            pages.append(page)
    last_grams = {}
    for name, line in remembered.values():
        entry = _entry(line) if name in read_again else None
        if entry is not None and isinstance(entry[4], str):
            last_grams[name] = entry[4]
    if known is not None:
        trust.write_atomic(known, "\n".join(kept).encode("utf-8"))
    return pages, last_grams


def _entry(line: str) -> list[Any] | None:
    """[title, text, number, sections, grams] (title None: a page without an article)."""
    with contextlib.suppress(ValueError):
        entry = json.loads(line)
        if isinstance(entry, list) and len(entry) == 5:
            return entry
    return None


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


@dataclass
class LastIndex:
    """What the last build indexed: each page's name and the SHA-256 of its bigrams, in order, its
    encoded postings, and its text files by what they hold. With the bigrams it knew of each page
    read again, an edit patches the postings of the bigrams the edited pages gained or lost, and
    keeps the text files whose pages are unchanged, instead of doing all of it again."""

    pages: list[tuple[str, str]]
    grams: dict[str, str]
    page_grams: dict[str, str] = field(default_factory=dict)
    chunks: dict[str, str] = field(default_factory=dict)  # the key of a text file's pages -> its name


def _digest(grams: str) -> str:
    return hashlib.sha256(grams.encode("utf-8")).hexdigest()


def _all_postings(pages: list[PageText]) -> dict[str, str]:
    postings: dict[str, list[int]] = {}
    for number, page in enumerate(pages):
        for gram in page.bigrams():
            postings.setdefault(gram, []).append(number)
    return {gram: encode_postings(numbers) for gram, numbers in postings.items()}


def _patched_postings(pages: list[PageText], last: LastIndex) -> dict[str, str] | None:
    """The last build's postings with the changes of the pages whose bigrams changed; None when the
    pages are not the same list (added, removed, renamed) or a changed page's last bigrams are unknown."""
    if [page.name for page in pages] != [name for name, _ in last.pages]:
        return None
    changes: dict[str, list[tuple[int, bool]]] = {}  # gram -> (page number, added)
    for number, (page, (_, digest)) in enumerate(zip(pages, last.pages, strict=True)):
        if _digest(page.joined_bigrams()) == digest:
            continue
        before = last.page_grams.get(page.name)
        if before is None or _digest(before) != digest:
            return None
        old = {before[i : i + 2] for i in range(0, len(before), 2)}
        new = set(page.bigrams())
        for gram in old - new:
            changes.setdefault(gram, []).append((number, False))
        for gram in new - old:
            changes.setdefault(gram, []).append((number, True))
    grams = dict(last.grams)
    for gram, edits in changes.items():
        numbers = set(decode_postings(grams.get(gram, "")))
        for number, added in edits:
            if added:
                numbers.add(number)
            else:
                numbers.discard(number)
        if numbers:
            grams[gram] = encode_postings(sorted(numbers))
        else:
            grams.pop(gram, None)
    return grams


def build_index(pages: list[PageText]) -> dict[str, str]:
    """File name (relative to the index folder) -> content, for these pages in this order."""
    files, _, _ = _index_files(pages, None)
    return {name: content for name, content in files.items() if content is not None}


def _index_files(pages: list[PageText], last: LastIndex | None) -> tuple[dict[str, str | None], dict[str, str], dict[str, str]]:
    """The files (None: a text file of the last build, unchanged: kept as it is), the encoded postings
    by bigram, and the text files by the key of their pages. With or without last, the same files."""
    encoded = _patched_postings(pages, last) if last is not None else None
    if encoded is None:
        encoded = _all_postings(pages)
    files: dict[str, str | None] = {}
    chunks: list[list[int]] = [[]]
    size = 0
    for number, page in enumerate(pages):
        if size and size + len(page.text) > CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(number)
        size += len(page.text)
    chunk_of: dict[int, int] = {}
    chunk_names, chunk_keys = [], {}
    for n, members in enumerate(chunks):
        # A text file is the same when its number, its first page and its pages' bytes are.
        key = _digest(json.dumps([n, members[0], [pages[i].digest for i in members]])) if all(pages[i].digest for i in members) else ""
        name = last.chunks.get(key) if last is not None and key else None
        if name is None:
            body = [[pages[i].text, [list(s) for s in pages[i].sections], _needs_nfkc(pages[i].text)] for i in members]
            content = _js("addChunk", {"chunk": n, "first": members[0], "pages": body})
            name = f"text-{n}-{hashlib.sha256(content.encode()).hexdigest()[:10]}.js"
            files[name] = content
        else:
            files[name] = None
        if key:
            chunk_keys[key] = name
        chunk_names.append(name)
        chunk_of.update(dict.fromkeys(members, n))
    index = {
        "version": 1,
        "pages": [[page.name, page.title, chunk_of[i], page.number] for i, page in enumerate(pages)],
        "chunks": chunk_names,
        "grams": {gram: encoded[gram] for gram in sorted(encoded)},
    }
    files["index.js"] = _js("setIndex", index)
    return files, encoded, chunk_keys


_INDEX_CALL = "IsmsSearch.setIndex("


def _last_index(state: Path, folder: Path, page_grams: dict[str, str]) -> LastIndex | None:
    """The last build's index, when its record is this code's and its files are still those it wrote."""
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
        record = json.loads(state.read_text(encoding="utf-8"))
        text = (folder / "index.js").read_text(encoding="utf-8")
        if record["code"] != _CODE or record["index"] != _digest(text) or not text.startswith(_INDEX_CALL):
            return None
        chunks = {key: name for key, name in record["chunks"].items() if (folder / name).is_file()}
        grams = json.loads(text[len(_INDEX_CALL) : text.rindex(")")])["grams"]
        return LastIndex([(name, digest) for name, digest in record["pages"]], dict(grams), page_grams, chunks)
    return None


def write_index(outdir: Path, skip: set[str], known: Path | None = None) -> dict[str, int]:
    """Read the written pages, write the index folder afresh; returns sizes for the statistics.
    known: the texts of the last build's pages (isms build's cache); the record of its index is
    kept beside it."""
    pages, page_grams = _read_pages(outdir, skip, known)
    folder = outdir / INDEX_DIR
    state = known.with_name("search-index.json") if known is not None else None
    last = _last_index(state, folder, page_grams) if state is not None else None
    files, _, chunk_keys = _index_files(pages, last)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.name not in files:  # a folder too: the cache's seal records only files
            trust.remove(stale)
    sizes = {}
    for name, content in files.items():
        path = folder / name
        if content is None:  # the last build's, unchanged
            sizes[name] = path.stat().st_size
            continue
        data = content.encode("utf-8")
        sizes[name] = len(data)
        if path.exists() and path.read_bytes() == data:
            continue
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    if state is not None:
        record = {"code": _CODE, "index": _digest(files["index.js"] or ""), "chunks": chunk_keys, "pages": [[page.name, _digest(page.joined_bigrams())] for page in pages]}
        trust.write_atomic(state, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    text_bytes = sum(size for name, size in sizes.items() if name != "index.js")
    return {"pages": len(pages), "index_bytes": sizes["index.js"], "text_bytes": text_bytes, "chunks": len(files) - 1}
