"""The sidebar navigation is rendered once per build (render/html/navigation.py): every page must be
the same bytes as furo's own per-page navigation would make."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

PAGES = {
    "index": "Top\n===\n\n.. toctree::\n   :caption: Part one\n\n   a\n   sub/b\n\n.. toctree::\n   :hidden:\n\n   e\n",
    "a": "Page A\n======\n\nSection\n-------\n\nText.\n",
    "sub/b": "Page B\n======\n\n.. toctree::\n\n   c\n   d\n\nSection of B\n------------\n\nText.\n",
    "sub/c": "Page C\n======\n\nDeeper\n------\n\nText.\n\nDeepest\n~~~~~~~\n\nText.\n",
    "sub/d": "Page D & <co>\n=============\n\n.. toctree::\n\n   ../deep/f\n",
    "deep/f": "Page F\n======\n\nText.\n",
    "e": "Page E\n======\n\nHidden entry.\n",
    "orphan": ":orphan:\n\nOrphan\n======\n\nIn no toctree.\n",
}
CONF = 'extensions = ["isms.render.html.extension"]\nhtml_theme = "furo"\nroot_doc = "index"\n'


def build(src: Path, out: Path, once: bool) -> dict[str, bytes]:
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(
            str(src), str(src), str(out), str(out / ".doctrees"), "html", status=io.StringIO(), warning=io.StringIO(),
            confoverrides={"isms_navigation_once": once}, freshenv=True,
        )  # fmt: skip
        app.build()
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.html")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("navigation") / "src"
    for name, text in PAGES.items():
        (src / f"{name}.rst").parent.mkdir(parents=True, exist_ok=True)
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    return src


def test_navigation_rendered_once_equals_furos_on_every_page(site: Path) -> None:
    fast = build(site, site.parent / "once", once=True)
    furo = build(site, site.parent / "furo", once=False)
    assert set(fast) == set(furo) and len(fast) >= len(PAGES)
    assert [name for name in sorted(furo) if fast[name] != furo[name]] == []
    page = fast["sub/c.html"].decode()
    assert 'class="current reference internal" href="#"' in page  # the page's own entry
    assert "current-page" in page and 'checked=""' in page  # its entry, and its expanded ancestors
