"""Demo data of billing for `manage.py demo_seed` (registered in BillingConfig.ready; billing
comes last in INSTALLED_APPS, so this runs after the clients, arrangements, teams and alarms
seeders: the clients, indications, arrangements, contracts and visits exist).

Per provider:
1. the iWlz notifications the client file would have recorded (the demo writes clients
   directly, bypassing `clients.services`, so none exist): a start of care (AW35) for every
   client whose care started and an end of care (AW39, with the Mutatiecode of the end
   reason) for every client whose care ended. Each XML is built and validated against the
   iWlz XSD by `billing.iwlz.build`, dated the day of the event, and frozen as sent by the
   provider's finance user that day, as `care_notification_mark_sent` does. A client whose
   message cannot be built (`iwlz.InvalidMessage`) keeps a notification "to send" without
   XML, as the services would leave it, and the seeder says so.
   Written with bulk_create, without access-log entries: generating demo data is not
   access to anyone's record (the other seeders do the same);
2. the daily run (`billing.daily.run_days`, recorded as a nightly run so the ledger and
   `computed_through` continue from it): every day from the earliest start of care, at
   most VPT_DAILY_RUN_BACKFILL_DAYS back, up to yesterday, so the finance screens,
   budgets and declarations have figures. On the embedded SQLite database the Python
   engine computes it.

Idempotent: a notification that exists (client, kind, date) is not added again, and the
run continues from the last completed nightly run (nothing to do on the same day).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import daily, declarations, iwlz
from billing.models import CareNotification, DailyRun, Declaration
from billing.services import END_REASON_TO_MUTATIECODE
from clients.models import Client
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Membership, Organization
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

SENT_AT = clock(10, 0)  # the notification leaves on the day of the event, mid-morning


def _sender(org: Organization) -> Membership | None:
    """The provider's finance user (who sends iWlz messages), else its administrator."""
    staff = Membership.objects.filter(organization=org, is_active=True, role__in=(Role.FINANCE, Role.ADMIN)
                                      ).select_related("user").order_by("pk")
    by_role = {}
    for membership in staff:
        by_role.setdefault(membership.role, membership)
    return by_role.get(Role.FINANCE) or by_role.get(Role.ADMIN)


def _notifications(org: Organization, totals: Counter, errors: list[str]) -> None:
    """AW35 for every client whose care started, AW39 for every client whose care ended."""
    sender = _sender(org)
    user = sender.user if sender else None
    existing = set(CareNotification.objects.values_list("client_id", "kind", "date"))
    rows: list[CareNotification] = []
    for client in Client.objects.filter(care_start__isnull=False).order_by("pk"):
        client.organization = org  # iwlz.build reads the provider and its region; saves queries
        events = [(CareNotification.Kind.START, client.care_start, "")]
        if client.status == Client.Status.ENDED and client.care_end is not None:
            events.append((CareNotification.Kind.END, client.care_end, END_REASON_TO_MUTATIECODE[client.end_reason]))
        for kind, day, reason in events:
            if (client.pk, kind, day) in existing:
                continue
            notification = CareNotification(organization=org, client=client, kind=kind, date=day, reason=reason,
                                            created_by=user)
            try:
                notification.xml = iwlz.build(notification, today=day).decode("utf-8")
            except iwlz.InvalidMessage as exc:
                totals["to_send"] += 1
                if len(errors) < 3 and str(exc) not in errors:
                    errors.append(str(exc))
            else:
                notification.status = CareNotification.Status.SENT
                notification.sent_at = timezone.make_aware(datetime.combine(day, SENT_AT))
                notification.sent_by = user
                totals["sent"] += 1
            totals[kind] += 1
            rows.append(notification)
    CareNotification.objects.bulk_create(rows, batch_size=500)


def _declarations(org: Organization, today: date, totals: Counter) -> None:
    """Two months back: declared, submitted and answered by the zorgkantoor with one line
    rejected (8004), so its days return in the next declaration; last month: a validated
    draft, due within 17 working days. Skipped when a month was declared before (re-runs)."""
    sender = _sender(org)
    if sender is None:
        return
    last_month = today.replace(day=1) - timedelta(days=1)
    before = last_month.replace(day=1) - timedelta(days=1)
    for month, submit in ((before, True), (last_month, False)):
        if Declaration.objects.filter(organization=org, year=month.year, month=month.month).exists():
            continue
        try:
            declaration = declarations.declaration_build(org, month.year, month.month, user=sender.user)
            findings = declarations.declaration_validate(declaration)
            if submit and not any(f.blocking for f in findings) and declaration.lines.exists():
                declarations.declaration_submit(declaration, user=sender.user)
                rejected = declaration.lines.order_by("number").first()
                declarations.declaration_record_answer(declaration, user=sender.user, rejections={
                    rejected.pk: ("8004", "BSN en geboortedatum komen niet overeen met de BRP.")})
        except ValidationError as exc:  # e.g. no contract for that year: nothing to declare
            totals["declaration_skipped"] += 1
            totals.setdefault("declaration_errors", []).append(f"{org.name}: {'; '.join(exc.messages)}")
            continue
        totals["declarations"] += 1


def seed_billing(*, organizations: Sequence[Organization], stdout: Any, **_: Any) -> None:
    """iWlz notifications and the daily run for every provider."""
    today = timezone.localdate()
    totals: Counter = Counter()
    errors: list[str] = []
    runs: list[DailyRun] = []
    started = time.monotonic()
    for org in (o for o in organizations if o.is_provider):
        org = Organization.objects.select_related("region__zorgkantoor").filter(pk=org.pk).first()
        with tenant_scope(org):
            _notifications(org, totals, errors)
        notified = time.monotonic()
        run = daily.run_nightly(org, today=today)  # up to yesterday; the first run catches up
        totals["run_seconds"] += time.monotonic() - notified
        if run is not None:
            runs.append(run)
        with tenant_scope(org):
            _declarations(org, today, totals)
    stdout.write(
        f"iWlz notifications: {totals[CareNotification.Kind.START]} starts of care (AW35), "
        f"{totals[CareNotification.Kind.END]} ends of care (AW39); {totals['sent']} sent"
        + (f"; {totals['to_send']} could not be built and wait to be sent, e.g. {' / '.join(errors)}"
           if totals["to_send"] else ".")
    )
    stdout.write(f"Declarations: {totals['declarations']} made (two months back submitted and answered, "
                 f"last month a draft)" + (f"; skipped: {' / '.join(totals['declaration_errors'])}"
                                          if totals["declaration_skipped"] else "."))
    if runs:
        first, last = min(r.first_day for r in runs), max(r.last_day for r in runs)
        stdout.write(
            f"Daily run: {len(runs)} providers, {first:%d-%m-%Y} to {last:%d-%m-%Y}, "
            f"{sum(r.client_days for r in runs)} client-days, {sum(r.lines_written for r in runs)} day lines, "
            f"{sum(r.budget_days_written for r in runs)} budget days ({runs[0].engine} engine, "
            f"{totals['run_seconds']:.1f} s; {time.monotonic() - started:.1f} s with the notifications)."
        )


def register() -> None:
    """Called from BillingConfig.ready() (billing is the last app: every other seeder ran)."""
    register_seeder(seed_billing)
