"""The dates the ISMS is evaluated at: today, and the build date (what is due, done and overdue).

- ``today()``: the real date. Records may not be dated after it (a measurement cannot be taken
  tomorrow); tests replace this function.
- ``build_date()``: the date outputs and warnings are computed as of. With SOURCE_DATE_EPOCH set
  (reproducible builds) it is that moment's date in UTC, so the same commit built with the same
  SOURCE_DATE_EPOCH gives the same bytes; otherwise it is today.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping


def today() -> dt.date:
    return dt.date.today()


def build_date(environ: Mapping[str, str] | None = None) -> dt.date:
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        try:
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            pass  # not a number of seconds: as if unset (a build never fails on it)
    return today()
