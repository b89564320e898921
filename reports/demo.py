"""Demo data of the provider reports for `manage.py demo_seed` (registered in
ReportsConfig.ready; reports comes after billing in INSTALLED_APPS, so this runs after the
billing seeder has computed the daily run up to yesterday and made the declarations).

Per provider:
1. its contracts get their contracted products (the zorgprofielen of the provider's VPT
   indications in the contract year, else 753/754/755), written directly: the products do
   not change any amount, so no recomputation is needed;
2. the last two quarters that have ended (on 23-11-2026: Q2 and Q3 2026), made through the
   real services: `report_create` and `report_submit` as the provider's finance user, the
   review as the zorgkantoor's reviewer inside `tenant_scope(zorgkantoor)`:
   - the earlier quarter: submitted, reviewed and approved;
   - the later quarter: for the first provider in clarification, with a question of the
     zorgkantoor on the production section; for the others submitted, waiting for review.

Idempotent: a period that already has a report is left alone. A provider without a
contract for the year, a finance (or admin) user, or a completed daily run over the period
is skipped with a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import WlzIndication
from reports import services
from reports.models import ProviderReport, period_bounds
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Contract, Membership, Organization
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz import codes

DEFAULT_PRODUCTS = ["753", "754", "755"]
CLARIFICATION_QUESTION = (
    "Het aantal gedeclareerde cliëntdagen blijft achter bij de verdiende dagen. Kunt u toelichten welke "
    "dagen nog gedeclareerd worden en of er afwijzingen zijn?"
)


def ended_quarters(today: dt.date, count: int = 2) -> list[tuple[int, int]]:
    """The last `count` quarters that have ended before `today`, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        found.append((year, quarter))
    return list(reversed(found))


def _membership(org: Organization, roles: Sequence[str]) -> Membership | None:
    """The first active member with the first of `roles` that the organisation has."""
    members = (Membership.objects.filter(organization=org, is_active=True, role__in=roles)
               .select_related("user", "organization").order_by("pk"))
    by_role: dict[str, Membership] = {}
    for m in members:
        by_role.setdefault(m.role, m)
    return next((by_role[r] for r in roles if r in by_role), None)


def _contract_products(org: Organization) -> int:
    """Give every contract of the provider without products the zorgprofielen it serves
    (inside the provider's scope). Returns how many contracts were updated."""
    updated = 0
    for contract in Contract.objects.filter(organization=org, products=[]):
        first, last = dt.date(contract.year, 1, 1), dt.date(contract.year, 12, 31)
        served = set(WlzIndication.objects.filter(leveringsvorm=codes.LEVERINGSVORM_VPT, valid_from__lte=last)
                     .exclude(valid_to__lt=first).values_list("zorgprofiel", flat=True))
        products = sorted(served & set(codes.TARGET_ZORGPROFIELEN)) or DEFAULT_PRODUCTS
        updated += Contract.objects.filter(pk=contract.pk).update(products=products)
    return updated


def _approve(reviewer: Membership, zorgkantoor: Organization, report: ProviderReport) -> None:
    with tenant_scope(zorgkantoor):
        services.review_start(acting=reviewer, report=report)
        services.review_approve(acting=reviewer, report=report,
                                note="Akkoord: de cijfers sluiten aan bij de declaraties.")


def _ask_clarification(reviewer: Membership, zorgkantoor: Organization, report: ProviderReport) -> None:
    with tenant_scope(zorgkantoor):
        services.review_start(acting=reviewer, report=report)
        services.review_request_clarification(acting=reviewer, report=report, section="production",
                                              body=CLARIFICATION_QUESTION)


def seed_reports(*, organizations: Sequence[Organization], zorgkantoor: Organization, stdout: Any,
                 **_: Any) -> None:
    """Contracted products and two quarters of reports for every provider (see module)."""
    today = timezone.localdate()
    quarters = ended_quarters(today)
    reviewer = _membership(zorgkantoor, [Role.ZK_REVIEWER])
    made: list[str] = []
    skipped: list[str] = []
    products = 0
    providers = [o for o in organizations if o.is_provider]
    for index, org in enumerate(providers):
        with tenant_scope(org):
            products += _contract_products(org)
        finance = _membership(org, [Role.FINANCE, Role.ADMIN])
        if finance is None or reviewer is None:
            skipped.append(f"{org.name}: no finance user or no reviewer")
            continue
        for position, (year, quarter) in enumerate(quarters):
            latest = position == len(quarters) - 1
            with tenant_scope(org):
                contract = Contract.objects.filter(organization=org, zorgkantoor=zorgkantoor, year=year).first()
                if contract is None:
                    skipped.append(f"{org.name} Q{quarter} {year}: no contract with {zorgkantoor.name}")
                    continue
                if ProviderReport.objects.filter(organization=org, contract=contract, kind=ProviderReport.Kind.QUARTER,
                                                 year=year, quarter=quarter).exists():
                    continue
                try:
                    report = services.report_create(acting=finance, contract=contract, year=year, quarter=quarter)
                    services.report_submit(acting=finance, report=report, recompute=False,
                                           message=f"Kwartaalrapportage Q{quarter} {year} "
                                                   f"({period_bounds(year, quarter)[1]:%d-%m-%Y}).")
                except ValidationError as exc:
                    skipped.append(f"{org.name} Q{quarter} {year}: {'; '.join(exc.messages)}")
                    continue
            if not latest:
                _approve(reviewer, zorgkantoor, report)
                made.append(f"{org.name} Q{quarter} {year} approved")
            elif index == 0:
                _ask_clarification(reviewer, zorgkantoor, report)
                made.append(f"{org.name} Q{quarter} {year} in clarification")
            else:
                made.append(f"{org.name} Q{quarter} {year} submitted")
    stdout.write(f"Reports: contracted products set on {products} contracts; "
                 f"{len(made)} reports made ({', '.join(made) or 'none'})"
                 + (f"; skipped: {' / '.join(skipped)}" if skipped else "."))


def register() -> None:
    register_seeder(seed_reports)
