"""Demo data of the arrangements app (arrangements/demo.py, run by `manage.py demo_seed`)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from arrangements.costs import summarise
from arrangements.models import (
    Arrangement,
    ArrangementLine,
    CarePlanPolicy,
    Evaluation,
    MenuItem,
    TaskAgreement,
)
from arrangements.selectors import summary_day, tariff_amount
from clients.models import Client
from clients.tariffs import day_tariff
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Contract, Organization
from vpt.tenancy.scope import tenant_scope


@pytest.fixture
def small_demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def providers() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))


def test_small_demo_has_contracts_menu_cards_and_an_arrangement_per_client_in_care(small_demo):  # noqa: ANN001
    assert "Arrangements: " in small_demo
    today = timezone.localdate()
    for org in providers():
        with tenant_scope(org):
            contracts = {c.year: c for c in Contract.objects.all()}
            assert set(contracts) == {2025, 2026}
            for contract in contracts.values():
                assert contract.zorgkantoor == org.region.zorgkantoor
                assert 95 <= contract.percentage <= 98 and contract.production_agreement > 0
            assert CarePlanPolicy.objects.count() == 1
            fixed = set(MenuItem.objects.filter(is_fixed=True).values_list("code", flat=True))
            assert fixed == {"personenalarmering", "deurtoegang-elektronisch", "serviceabonnement"}

            in_care = list(Client.objects.filter(status=Client.Status.IN_CARE))
            assert in_care
            for client in in_care:
                versions = list(Arrangement.objects.filter(client=client).order_by("version"))
                assert [v.status for v in versions].count(Arrangement.Status.ACTIVE) == 1
                assert versions[-1].status == Arrangement.Status.ACTIVE and versions[-1].valid_to is None
                assert versions[0].valid_from == client.care_start
                assert [v.version for v in versions] == list(range(1, len(versions) + 1))
                for earlier, later in zip(versions, versions[1:], strict=False):  # no overlap, no gap
                    assert earlier.status == Arrangement.Status.ENDED
                    assert earlier.valid_to is not None and earlier.valid_to < later.valid_from
                    assert (later.valid_from - earlier.valid_to).days == 1
                for version in versions:
                    codes = set(version.lines.values_list("menu_item__code", flat=True))
                    assert fixed <= codes, "the fixed elements are in every version"
                    assert version.lines.filter(menu_item__active_from__lte=version.valid_from).count() == \
                        version.lines.count(), "every item is on the card when the version starts"
                    assert version.agreed_on is None or version.agreed_on <= today
                    # Tasks done by the network name a member of this client's network.
                    for task in version.tasks.filter(done_by=TaskAgreement.DoneBy.NETWORK).select_related("network_member"):
                        assert task.network_member.client_id == client.pk
            assert not Arrangement.objects.exclude(client__status=Client.Status.IN_CARE).exists()
            assert TaskAgreement.objects.filter(done_by=TaskAgreement.DoneBy.NETWORK).exists()
            assert TaskAgreement.objects.filter(done_by=TaskAgreement.DoneBy.CLIENT).exists()
            assert ArrangementLine.objects.filter(delivered_by=ArrangementLine.DeliveredBy.MANTELZORG).exists()
            for evaluation in Evaluation.objects.select_related("arrangement", "new_arrangement"):
                assert evaluation.held_on <= today
                assert evaluation.arrangement.client_id == evaluation.client_id
                if evaluation.new_arrangement:
                    assert evaluation.new_arrangement.version > evaluation.arrangement.version
            # Generating demo data is nobody's access to a client's record.
            assert not AccessLog.objects.filter(client_id__isnull=False).exists()


def test_normal_demo_arrangements_fit_the_tariff_mostly(db):  # noqa: ANN001
    call_command("demo_seed", size="normal", stdout=StringIO())
    within = over = total = not_agreed = earlier = 0
    hours_5vv = []
    for org in providers():
        with tenant_scope(org):
            assert Evaluation.objects.exists()
            for arrangement in Arrangement.objects.filter(status=Arrangement.Status.ACTIVE).select_related("client"):
                total += 1
                lines = list(arrangement.lines.select_related("menu_item"))
                tariff = day_tariff(arrangement.client, summary_day(arrangement),
                                    includes_dagbesteding=arrangement.includes_dagbesteding)
                summary = summarise(lines, tariff_amount(tariff))
                assert summary.margin_per_day is not None, "every active arrangement has a tariff and a contract"
                if summary.over_budget:
                    over += 1
                    assert arrangement.over_budget_justification.strip()
                elif summary.margin_percentage <= 15:
                    within += 1
                if tariff.zorgprofiel == "754":
                    hours_5vv.append(sum(summary.hours_per_week_by_level.values()))
                not_agreed += arrangement.agreed_on is None
                earlier += arrangement.version > 1
    assert total >= 250
    assert within / total >= 0.8
    assert 0.05 <= over / total <= 0.15
    assert 0.03 <= not_agreed / total <= 0.2
    assert 0.2 <= earlier / total <= 0.4
    hours_5vv.sort()
    assert 18 <= hours_5vv[len(hours_5vv) // 2] <= 26, "at 5VV about 24 hours of care and support a week"
