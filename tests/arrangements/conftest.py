from __future__ import annotations

import pytest


@pytest.fixture
def english_ui(settings):  # noqa: ANN001, ANN201
    """These tests assert on behaviour and read messages in the English source text; the
    Dutch catalogue is checked for completeness in tests/test_translations.py."""
    settings.LANGUAGE_CODE = "en"
