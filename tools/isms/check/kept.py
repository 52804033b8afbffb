"""What a rule found in one text, kept across builds by everything it depends on: the text, what it
is checked against (the declared names) and this package's code. Entries are this machine's
(isms.trust). After an edit, the rules read back what they found in the texts that did not change
and check only the changed ones; a fresh process otherwise checks every text again."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from isms import trust
from isms.check.rst import CODE_VERSION

KIND = "text-rules"  # the cache's kind
used_entries: set[str] = set()  # this process's keys: what model_rules keeps when it prunes


@functools.lru_cache(maxsize=16)
def _prefix(rule: str, against: str) -> bytes:
    """Of the key: the same for every text a rule checks against the same names (encoded once, not
    once per text: the names are a few kilobytes, the texts six hundred)."""
    return json.dumps([CODE_VERSION, rule, against], ensure_ascii=False).encode() + b"\0"


def kept(root: Path, rule: str, text: str, against: str, find: Callable[[], list[list[object]]]) -> list[list[object]]:
    """find()'s rows (JSON values) for this text, or what an earlier check stored for the same rule,
    text and names."""
    key = hashlib.sha256(_prefix(rule, against) + text.encode()).hexdigest()
    used_entries.add(key)
    stored = trust.load(root, KIND, key)
    if stored is not None:
        with contextlib.suppress(ValueError):
            rows = json.loads(stored)
            if isinstance(rows, list) and all(isinstance(row, list) for row in rows):
                return rows
    rows = find()
    trust.store(root, KIND, key, json.dumps(rows, ensure_ascii=False).encode())
    return rows
