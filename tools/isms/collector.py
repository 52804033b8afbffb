"""How often CPython's cyclic garbage collector walks every object (a full collection).

The default starts one after ten collections of the middle generation, once the survivors added
since the last reach a quarter of the old generation. A build holds large graphs that live until the
end (the model; Sphinx keeps every page's doctree in memory from reading to writing, nodes linked to
their parents), so those walks find nothing to free: about 45 in a cold build of the sample, 3.3 s of
Sphinx's 11 s (17 s of 62 s for the ten-times organisation), and after an edit one walk of 75 ms
while Sphinx's modules load and one of 20 ms in the build's own process. Here one in a thousand: the
young generations are collected as before, garbage that reached the old one waits longer (peak
memory of Sphinx's process: the sample 193 -> 237 MB, ten times larger 648 -> 839 MB)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

FULL_COLLECTION_EVERY = 1000  # collections of the middle generation (CPython's default: 10)


@contextlib.contextmanager
def fewer_full_collections() -> Iterator[None]:
    """Restored after: a build may run inside a longer-lived process (the tests)."""
    previous = gc.get_threshold()
    gc.set_threshold(previous[0], previous[1], FULL_COLLECTION_EVERY)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
