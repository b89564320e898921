"""clients.tariffs.day_tariff: the one lookup of what a client's VPT day is worth and
whether it may be declared (indication, NZa table, contract, absence rules)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from clients.models import Absence, Client
from clients.tariffs import DayTariff, day_tariff
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ContractFactory,
    ContractTariffFactory,
    RegionFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

H, A, R = Absence.Kind.HOLIDAY, Absence.Kind.ADMISSION, Absence.Kind.RESPITE
CARE_START = date(2025, 1, 1)


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    with translation.override("en"):
        yield


@pytest.fixture
def zk(db):  # noqa: ANN001, ANN201
    return ZorgkantoorFactory()


@pytest.fixture
def org(org_a, zk):  # noqa: ANN001, ANN201
    load_default_tariffs()
    org_a.region = RegionFactory(zorgkantoor=zk)
    org_a.save(update_fields=["region"])
    return org_a


@pytest.fixture
def contracts(org, zk):  # noqa: ANN001, ANN201
    return {year: ContractFactory(organization=org, zorgkantoor=zk, year=year, percentage=Decimal("96.50"))
            for year in (2025, 2026)}


def in_care(org, zorgprofiel: str = "754", *, with_behandeling: bool = False, start: date = CARE_START,  # noqa: ANN001
            valid_to: date | None = None) -> Client:
    client = ClientFactory(organization=org, status=Client.Status.IN_CARE, care_start=start)
    WlzIndicationFactory(organization=org, client=client, zorgprofiel=zorgprofiel, valid_from=start,
                         valid_to=valid_to, with_behandeling=with_behandeling)
    return client


def lookup(client: Client, day: date, **kwargs) -> DayTariff | None:  # noqa: ANN003
    with tenant_scope(client.organization):
        return day_tariff(client, day, **kwargs)


def away(org, client, kind, left: date, returned: date | None, **extra) -> Absence:  # noqa: ANN001, ANN003
    return AbsenceFactory(organization=org, client=client, kind=kind, left_on=left, returned_on=returned, **extra)


# --- NZa maximum per profile and variant -------------------------------------------------

@pytest.mark.parametrize("profile,short,with_dagbesteding,with_behandeling,code,maximum", [
    ("753", "4VV", True, False, "V753B", "181.00"),
    ("754", "5VV", True, False, "V754B", "215.00"),
    ("755", "6VV", True, False, "V755B", "244.70"),
    ("826", "4LG", True, False, "V826B", "191.70"),
    ("828", "5LG", True, False, "V828B", "224.40"),
    ("830", "6LG", True, False, "V830B", "254.10"),
    ("754", "5VV", False, False, "V754A", "181.30"),
    ("754", "5VV", True, True, "V754D", "244.40"),
    ("830", "6LG", False, True, "V830C", "249.50"),
])
def test_each_profile_and_variant(org, contracts, profile, short, with_dagbesteding, with_behandeling, code, maximum):  # noqa: ANN001
    client = in_care(org, profile, with_behandeling=with_behandeling)
    result = lookup(client, date(2025, 3, 3), includes_dagbesteding=with_dagbesteding)
    assert result.prestatiecode == code
    assert result.zorgprofiel == profile and result.zorgprofiel_short == short
    assert result.max_amount == Decimal(maximum)
    assert result.is_illustrative is True
    assert result.billable and result.reason == ""


def test_year_boundary_switches_to_the_2026_table(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    last = lookup(client, date(2025, 12, 31))
    first = lookup(client, date(2026, 1, 1))
    assert (last.max_amount, last.amount, last.contract_id) == (Decimal("215.00"), Decimal("207.48"), contracts[2025].pk)
    # 215.00 × 1.0456 = 224.804 -> 224.80; × 96.5 % = 216.932 -> 216.93
    assert (first.max_amount, first.amount, first.contract_id) == (Decimal("224.80"), Decimal("216.93"), contracts[2026].pk)


def test_indication_change_mid_year(org, contracts):  # noqa: ANN001
    client = in_care(org, "754", valid_to=date(2025, 6, 30))
    WlzIndicationFactory(organization=org, client=client, zorgprofiel="755", valid_from=date(2025, 7, 1))
    before, after = lookup(client, date(2025, 6, 30)), lookup(client, date(2025, 7, 1))
    assert (before.zorgprofiel, before.prestatiecode, before.max_amount) == ("754", "V754B", Decimal("215.00"))
    assert (after.zorgprofiel, after.prestatiecode, after.max_amount) == ("755", "V755B", Decimal("244.70"))


def test_contract_percentage_is_applied_half_up(org, contracts):  # noqa: ANN001
    result = lookup(in_care(org, "754"), date(2025, 5, 1))
    # 215.00 × 96.50 / 100 = 207.475 -> 207.48 (half up)
    assert result.amount == Decimal("207.48")
    assert result.percentage == Decimal("96.50")


def test_per_prestatie_amount_overrides_the_percentage(org, contracts):  # noqa: ANN001
    ContractTariffFactory(organization=org, contract=contracts[2025], prestatiecode="V754B", amount=Decimal("210.00"))
    client = in_care(org, "754")
    result = lookup(client, date(2025, 5, 1))
    assert (result.amount, result.percentage, result.contract_id) == (Decimal("210.00"), None, contracts[2025].pk)
    # Another variant of the same client still follows the percentage: 181.30 × 0.965 = 174.9545 -> 174.95.
    assert lookup(client, date(2025, 5, 1), includes_dagbesteding=False).amount == Decimal("174.95")


def test_no_contract_gives_no_amount_and_a_reason(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    result = lookup(client, date(2027, 1, 4))  # neither a 2027 table nor a 2027 contract
    assert result.amount is None and not result.billable
    result = lookup(client, date(2026, 1, 4))
    assert result.billable
    with tenant_scope(org):
        contracts[2026].delete()
    result = lookup(client, date(2026, 1, 4))
    assert (result.amount, result.percentage, result.contract_id, result.billable) == (None, None, None, False)
    assert result.max_amount == Decimal("224.80")
    assert result.reason == "no contract with the zorgkantoor for 2026"


def test_contract_with_another_zorgkantoor_does_not_count(org, zk):  # noqa: ANN001
    ContractFactory(organization=org, year=2025)  # a zorgkantoor that does not serve the region
    result = lookup(in_care(org, "754"), date(2025, 5, 1))
    assert result.amount is None and result.reason == "no contract with the zorgkantoor for 2025"


def test_no_vpt_indication_is_none(org, contracts):  # noqa: ANN001
    client = in_care(org, "754", valid_to=date(2025, 6, 30))
    assert lookup(client, date(2025, 7, 1)) is None
    other = ClientFactory(organization=org, status=Client.Status.IN_CARE, care_start=CARE_START)
    WlzIndicationFactory(organization=org, client=other, zorgprofiel="754", leveringsvorm="4", valid_from=CARE_START)
    assert lookup(other, date(2025, 3, 3)) is None


def test_outside_the_care_period_is_not_billable(org, contracts):  # noqa: ANN001
    client = in_care(org, "754", start=date(2025, 3, 1))
    WlzIndicationFactory(organization=org, client=client, zorgprofiel="754", valid_from=date(2025, 1, 1),
                         valid_to=date(2025, 2, 28))
    result = lookup(client, date(2025, 2, 28))
    assert not result.billable and result.reason == "before the start of care on 01-03-2025"
    assert lookup(client, date(2025, 3, 1)).billable


# --- absences ------------------------------------------------------------------------------

def test_holiday_day_42_is_billable_and_day_43_is_not(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    away(org, client, H, date(2025, 3, 1), date(2025, 3, 16))  # 14 days: 02-03 .. 15-03
    away(org, client, H, date(2025, 5, 1), date(2025, 5, 16))  # 14 days
    away(org, client, H, date(2025, 8, 1), date(2025, 8, 20), zorgkantoor_consent="ZK-2025-17")  # 18 days
    day_42 = date(2025, 8, 15)  # 14 + 14 + 14
    assert lookup(client, date(2025, 3, 2)).billable  # absence days within the limits: same tariff
    result = lookup(client, day_42)
    assert result.billable and result.amount == Decimal("207.48")
    result = lookup(client, day_42 + timedelta(days=1))
    assert not result.billable
    assert result.reason == "absence beyond the 42 holiday days"
    assert result.amount == Decimal("207.48")  # the tariff is still reported
    assert not lookup(client, date(2025, 8, 19)).billable  # last absence day
    assert lookup(client, date(2025, 8, 20)).billable  # back home
    assert lookup(client, date(2026, 1, 10)).billable  # a new calendar year


def test_holiday_days_across_new_year_count_in_their_own_year(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    away(org, client, H, date(2025, 12, 1), date(2026, 1, 10), zorgkantoor_consent="ZK-1")
    assert lookup(client, date(2026, 1, 9)).billable  # 30 days in 2025, 9 in 2026


def test_holiday_beyond_14_days_in_a_row_needs_consent(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    away(org, client, H, date(2025, 3, 1), None)  # still away, no consent recorded
    assert lookup(client, date(2025, 3, 15)).billable  # day 14
    result = lookup(client, date(2025, 3, 16))
    assert not result.billable
    assert result.reason == "holiday beyond 14 days in a row without the zorgkantoor's consent"


def test_admission_day_92_needs_an_extension(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    admission = away(org, client, A, date(2025, 2, 1), None)
    day_91 = date(2025, 2, 1) + timedelta(days=91)
    assert lookup(client, day_91).billable
    result = lookup(client, day_91 + timedelta(days=1))
    assert not result.billable and result.reason == "admission beyond 91 days without extension"

    with tenant_scope(org):
        admission.extension_granted_on = date(2025, 4, 20)
        admission.save(update_fields=["extension_granted_on"])
    assert lookup(client, day_91 + timedelta(days=1)).billable


def test_admission_extension_granted_too_late_does_not_count(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    away(org, client, A, date(2025, 2, 1), None, extension_granted_on=date(2025, 5, 10))  # day 98
    assert not lookup(client, date(2025, 5, 20)).billable


def test_absence_in_the_first_14_days_of_vpt_is_not_billable(org, contracts):  # noqa: ANN001
    early = in_care(org, "754")
    away(org, early, H, date(2025, 1, 10), date(2025, 1, 13))  # left on day 10 of care
    result = lookup(early, date(2025, 1, 11))
    assert not result.billable and result.reason == "absence within the first 14 days of VPT"
    assert lookup(early, date(2025, 1, 10)).billable  # the day of leaving is a care day

    in_time = in_care(org, "754")
    away(org, in_time, A, date(2025, 1, 14), date(2025, 1, 20))  # left on day 14 of care
    assert lookup(in_time, date(2025, 1, 15)).billable


def test_respite_stay_is_billable(org, contracts):  # noqa: ANN001
    client = in_care(org, "754")
    away(org, client, R, date(2025, 1, 5), date(2025, 1, 9))  # even within the first 14 days
    assert lookup(client, date(2025, 1, 6)).billable


def test_a_handful_of_queries(org, contracts, django_assert_max_num_queries):  # noqa: ANN001
    client = in_care(org, "754")
    for month in range(2, 9):
        away(org, client, H, date(2025, month, 1), date(2025, month, 5))
    ContractTariffFactory(organization=org, contract=contracts[2025], prestatiecode="V754B")
    with tenant_scope(org):
        fresh = Client.objects.get(pk=client.pk)  # nothing cached on the instance
        with django_assert_max_num_queries(6):
            result = day_tariff(fresh, date(2025, 8, 3))
    assert result.billable and result.amount == Decimal("250.00")


def test_bulk_lookup_gives_the_same_answers_as_one_by_one(db):  # noqa: ANN001
    """day_tariffs (budget overview, later the daily run) and day_tariff share their rules."""
    from datetime import date as D
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.tariffs import day_tariff, day_tariffs
    from tests.factories import (
        AbsenceFactory,
        ClientFactory,
        ContractFactory,
        OrganizationFactory,
        RegionFactory,
        WlzIndicationFactory,
        ZorgkantoorFactory,
    )
    from vpt.tenancy.scope import tenant_scope
    from vpt.wlz.tariffs import load_default_tariffs

    load_default_tariffs()
    zk = ZorgkantoorFactory()
    org = OrganizationFactory(region=RegionFactory(zorgkantoor=zk))
    ContractFactory(organization=org, zorgkantoor=zk, year=2026)
    day = D(2026, 6, 15)
    clients = []
    for i, (profile, behandeling) in enumerate([("753", False), ("754", True), ("755", False), ("830", False)]):
        client = ClientFactory(organization=org, status="in_care", care_start=D(2025, 1, 1))
        WlzIndicationFactory(organization=org, client=client, zorgprofiel=profile, with_behandeling=behandeling,
                             valid_from=D(2025, 1, 1))
        clients.append((client, i % 2 == 0))
    AbsenceFactory(organization=org, client=clients[0][0], kind="holiday", left_on=day - timedelta(days=20),
                   returned_on=day + timedelta(days=3))  # beyond 14 in a row without consent
    no_indication = ClientFactory(organization=org)
    clients.append((no_indication, True))
    with tenant_scope(org):
        one_by_one = {c.pk: day_tariff(c, day, includes_dagbesteding=v) for c, v in clients}
        with CaptureQueriesContext(connection) as ctx:
            bulk = day_tariffs(clients, day)
    assert bulk == one_by_one
    assert bulk[no_indication.pk] is None and not bulk[clients[0][0].pk].billable
    assert len(ctx.captured_queries) <= 6
