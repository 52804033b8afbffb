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
