"""Seals: a hash chain over the release ledger, so that a hand edit of an entry shows without git.

Each entry's seal is the sha256 of a canonical serialisation of the entry without its seal, plus
the previous entry's seal: changing any recorded field, or inserting, removing or reordering an
earlier entry, breaks the seal of that entry (or of the one after it). ``isms release`` writes the
seal; isms.check.ledger checks it. The chain has no secret: it catches hand edits and careless
merges, and the git tags (isms-VERSION) anchor it against someone who recomputes every seal.
"""

from __future__ import annotations

import hashlib
import json

from isms.sources.ledger_schema import Release

SEAL_FORMAT = "isms-ledger-seal/1"


def canonical(release: Release) -> str:
    """The entry as seal input: JSON of the validated fields, keys sorted; the seal itself left out.
    Defaults are left out too, so that a field added to the schema later keeps old seals valid."""
    fields = release.model_dump(mode="json", exclude={"seal"}, exclude_defaults=True)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def seal_of(release: Release, previous_seal: str | None) -> str:
    """The seal the entry must carry after an entry sealed previous_seal (None for the first entry)."""
    chained = f'{{"format":"{SEAL_FORMAT}","previous":"{previous_seal or ""}","release":{canonical(release)}}}'
    return hashlib.sha256(chained.encode("utf-8")).hexdigest()
