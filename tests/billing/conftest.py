from __future__ import annotations

import pytest

from tests.factories import RegionFactory, ZorgkantoorFactory
from vpt.wlz.tariffs import load_default_tariffs


@pytest.fixture
def tariffs(db):  # noqa: ANN001, ANN201
    return load_default_tariffs()


@pytest.fixture
def zorgkantoor(db):  # noqa: ANN001, ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def regional(org_a, zorgkantoor):  # noqa: ANN001, ANN201
    """org_a lies in a region served by `zorgkantoor`."""
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    return org_a
