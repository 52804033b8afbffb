"""isms.rstparse: docutils' state machines making their states when first used parse every text
exactly as docutils does (compared with a process where it is not installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Every body construct docutils has a state for, nested in lists and tables.
EVERY_CONSTRUCT = """\
Title
=====

.. _label:

Paragraph with *emphasis*, ``literal`` and a reference_.

.. _reference: https://example.org

- bullet

  1. enumerated
  2. second

     term
        definition
     other : classifier
        definition

  #. auto

- :field: value
  :other: value

  -a         option
  --long=ARG  option with argument

| line block
|    indented line

.. list-table::
   :header-rows: 1

   * - head
     - head
   * - - nested bullet
       - bullet
     - .. note:: admonition

          inside a cell

+-------+-------+
| grid  | table |
+=======+=======+
| a     | - b   |
+-------+-------+

=====  =====
simple table
============
x      y
=====  =====

.. |sub| replace:: substitution

Text with |sub| and a footnote [#]_.

.. [#] The footnote.

::

    literal block

>>> doctest block

    block quote

    -- attribution

Section
-------

.. unknown-directive:: is reported, not parsed

* unfinished
list
"""

PARSE = """
import json, sys
from docutils.core import publish_doctree
if sys.argv[1] == "lazy":
    from isms import rstparse
    rstparse.install()
settings = {"report_level": 5, "halt_level": 5, "warning_stream": False}
digests = {}
for path in sys.argv[2:]:
    tree = publish_doctree(open(path, encoding="utf-8").read(), source_path=path, settings_overrides=settings)
    digests[path] = tree.pformat()
print(json.dumps(digests))
"""


def _doctrees(mode: str, paths: list[str]) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", PARSE, mode, *paths], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_lazy_states_parse_as_docutils_does(sample_build: Path, tmp_path: Path) -> None:
    constructs = tmp_path / "constructs.rst"
    constructs.write_text(EVERY_CONSTRUCT, encoding="utf-8")
    pages = sorted((sample_build / "build/.cache/html/src").rglob("*.rst"))
    assert len(pages) > 100
    # Every page but two procedure pages in three (93 pages of one generator; a third of them still
    # brings some 30 procedures' own texts): the comparison costs half as much.
    procedures = [p for p in pages if p.parent.name == "controls"]
    chosen = [p for p in pages if p.parent.name != "controls"] + procedures[::3]
    paths = [str(constructs), *map(str, chosen)]
    plain, lazy = _doctrees("plain", paths), _doctrees("lazy", paths)
    assert len(plain) == len(paths)
    assert lazy == plain
    # the text reached every state: each construct became its node
    tree = plain[str(constructs)]
    nodes = "enumerated_list definition_list classifier field_list option_list line_block table note"
    for node in (nodes + " substitution_definition footnote literal_block doctest_block attribution section").split():
        assert f"<{node}" in tree, node


def _recursive_findall(node, cls):
    """docutils' own walk (Node._fast_findall before isms.rstparse replaces it)."""
    if cls is None or isinstance(node, cls):
        yield node
    for child in node.children:
        yield from _recursive_findall(child, cls)


def test_the_tree_walk_yields_what_docutils_walk_yields_even_while_the_tree_changes() -> None:
    from docutils import nodes
    from docutils.core import publish_doctree

    from isms import rstparse

    rstparse.install()
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": False}
    tree = publish_doctree(EVERY_CONSTRUCT, settings_overrides=settings)
    for cls in (None, nodes.Element, nodes.Text, nodes.paragraph, nodes.list_item, nodes.table, nodes.section, nodes.Inline):
        walked = list(tree.findall(cls))
        assert [id(n) for n in walked] == [id(n) for n in _recursive_findall(tree, cls)], cls
        assert walked
    # Transforms change the tree while they walk it: replacing a node, adding children to the node
    # just yielded, removing later siblings. Both walks see the same nodes and leave the same tree.
    results = []
    for walk in (lambda t: t.findall(nodes.Element), lambda t: _recursive_findall(t, nodes.Element)):
        copy = tree.deepcopy()
        seen = []
        for node in walk(copy):
            seen.append(node.tagname)
            if isinstance(node, nodes.emphasis):
                node.replace_self(nodes.strong("", "replaced"))
            elif isinstance(node, nodes.bullet_list):
                node.append(nodes.list_item("", nodes.paragraph("", "added")))
            elif isinstance(node, nodes.definition):  # a new list of children: walked, not the old one
                node.children = []
                node.append(nodes.paragraph("", "rebuilt", nodes.emphasis("", "inside")))
            elif isinstance(node, nodes.field_name) and node.parent is not None:
                for later in node.parent.children[node.parent.index(node) + 1 :]:
                    node.parent.remove(later)
        results.append((seen, copy.pformat()))
    assert results[0] == results[1]
