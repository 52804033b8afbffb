"""Property-based tests (hypothesis): the YAML loader never raises, and data from the sources comes out
of every writer as the same text, never as markup or a formula."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from isms.render.xlsx.sheets import text_only
from isms.rsttext import esc
from isms.sources.yamlio import FORBIDDEN_CHARACTERS, read_yaml

# Text as editors write it: any printable character, Japanese and right-to-left included, and the
# characters that mean something to reST, HTML or a spreadsheet.
SPECIAL = [*"\\`*_|[]<>&\"'=+-@:.#!%{}()~^$", "..", "::", "__", "`_", "]_", "|x|", "_x0041_"]
text = st.lists(
    st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), max_size=8), st.sampled_from(SPECIAL)),
    max_size=12,
).map("".join)
printable = text.filter(lambda value: not FORBIDDEN_CHARACTERS.search(value))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_yaml_loader_never_raises(tmp_path: Path, source: str) -> None:
    path = tmp_path / "any.yaml"
    try:
        path.write_text(source, encoding="utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be saved as UTF-8 by an editor either
    data, problems = read_yaml(path, tmp_path)
    assert (data is None) == bool(problems)
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1 and problem.message


@settings(max_examples=300, deadline=None)
@given(printable)
def test_escaped_data_is_text_in_rest(value: str) -> None:
    """A value printed through esc() parses as one paragraph of exactly its words: no markup."""
    words = " ".join(value.split())
    if not words:
        return
    document = publish_doctree(
        "前置き " + esc(value) + " 後置き",
        settings_overrides={"report_level": 5, "halt_level": 5, "file_insertion_enabled": False, "raw_enabled": False},
    )
    paragraphs = list(document.findall(nodes.paragraph))
    assert len(paragraphs) == 1
    assert not list(paragraphs[0].findall(lambda n: isinstance(n, (nodes.reference, nodes.emphasis, nodes.strong, nodes.literal,
                                                                     nodes.substitution_reference, nodes.footnote_reference, nodes.problematic))))
    assert paragraphs[0].astext() == "前置き " + words + " 後置き"


@settings(max_examples=300, deadline=None)
@given(printable)
def test_html_escaping_round_trips(value: str) -> None:
    from isms.render.html import _h

    assert html.unescape(_h(value)) == value
    assert "<" not in _h(value) and ">" not in _h(value)


@settings(max_examples=200, deadline=None)
@given(st.lists(printable, min_size=1, max_size=5))
@example(["0İ®¨ï1ġ0𡶇DĪÿÎ侒ùÿ?§", "M", "0ª-0*#[``"])  # its zip happened to hold the bytes "<f>"
def test_spreadsheet_cells_are_text(values: list[str]) -> None:
    book = Workbook()
    sheet = book.active
    values = [v for v in values if v]
    if not values:
        return
    sheet.append(values)
    text_only(book)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:  # not the compressed bytes: they may hold "<f>" by chance
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    loaded = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [cell.value for cell in loaded[1]] == values
    assert all(cell.data_type == "s" for cell in loaded[1])
