"""Declarations to the zorgkantoor: one per provider, zorgkantoor and calendar month (Vektis
AW319, DOMAIN.md "Money" and "Tariffs and rules as data"). Services and selectors; the file
formats are in billing/aw319.py, the pages in billing/views/declarations.py, the design
in docs/declarations.md.

Life of a declaration:

1. `declaration_build` makes (or remakes) the DRAFT from the daily run's day lines, set-based:
   every current billable day line not declared before, up to the end of the month, grouped
   per client, zorgprofiel, prestatiecode and tariff into periods of consecutive days inside
   one calendar month (gaps and islands); plus a credit line for every earlier declared line
   of which a day was recomputed since (superseded), and a new debit of that line's days at
   their current values. A draft never changes day lines: it is a preview.
2. `declaration_validate` pre-validates the draft (return codes 0553, 0611, 1113, 8004 and a
   reconciliation of totals and days) and stores the findings. Blocking findings stop 3.
3. `declaration_submit` remakes the plan under locks and refuses when it differs from the
   draft (stale), validates again, then in one transaction releases the credited lines' days
   and links every declared day line to its new declaration line.
4. `declaration_record_answer` records the zorgkantoor's answer (AW320): rejected lines get
   the return code and their days are released for the next declaration.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import CareNotification, DayLine, Declaration, DeclarationLine
from clients.models import Client, WlzIndication
from clients.validation import clean_bsn
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access, record_access_many
from vpt.core.dates import month_bounds
from vpt.tenancy.models import Contract, ContractTariff, Membership, Organization
from vpt.wlz import codes
from vpt.wlz.models import Tariff
from vpt.wlz.tariffs import contract_for, contract_price, round_cents

MIN_YEAR, MAX_YEAR = 2015, 2100  # VPT as a Wlz delivery form exists since 2015
# "within 17 working days after the month" (DOMAIN.md, Vektis/zorgkantoor rule).
WORKING_DAYS_TO_DECLARE = 17

SENT_STATUSES = (Declaration.Status.SUBMITTED, Declaration.Status.ACCEPTED, Declaration.Status.PARTLY_REJECTED)
D, C = DeclarationLine.Side.DEBIT, DeclarationLine.Side.CREDIT

# Return codes (AW320 retourcodes, Vektis COD954) offered when recording the answer. The iWlz
# code list in iwlz-xsd-2.2 (LDT_RetourCode) is for iWlz messages (AW36, AW310...), not for
# the AW320: it has none of these codes. Meanings from DOMAIN.md; any other 4-digit code
# can be entered.
RETURN_CODES = {
    "0553": gettext_lazy("Outside the allocation (zorgtoewijzing), wrong delivery form or AGB code"),
    "0611": gettext_lazy("Declared tariff differs from the contracted tariff"),
    "1113": gettext_lazy("Combination of prestatiecode and zorgprofiel not allowed"),
    "8004": gettext_lazy("BSN and date of birth do not match"),
}
RECONCILIATION = "RECON"
FINDING_LABELS = {
    **RETURN_CODES,
    RECONCILIATION: gettext_lazy("Totals and days do not reconcile"),
}
RETURN_CODE_RE = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------- deadline


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return datetime.date(year, month, day)


def dutch_public_holidays(year: int) -> set[datetime.date]:
    """The generally recognised holidays of the Algemene termijnenwet (art. 3) that can fall
    on a weekday: New Year's Day, Easter Monday, Ascension Day, Whit Monday, King's Day
    (27 April, 26 April when the 27th is a Sunday), Liberation Day (5 May, every year in
    that act), Christmas Day and Boxing Day. Good Friday is not in the act. Easter and
    Whit Sunday are Sundays anyway. (The `holidays` package is not a dependency.)"""
    easter = easter_sunday(year)
    kings_day = datetime.date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = datetime.date(year, 4, 26)
    return {
        datetime.date(year, 1, 1),
        easter + datetime.timedelta(days=1),
        easter + datetime.timedelta(days=39),
        easter + datetime.timedelta(days=50),
        kings_day,
        datetime.date(year, 5, 5),
        datetime.date(year, 12, 25),
        datetime.date(year, 12, 26),
    }


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in dutch_public_holidays(day.year)


def declaration_deadline(year: int, month: int) -> datetime.date:
    """The last day to declare `month`: the 17th working day after the month (Monday to
    Friday, Dutch public holidays skipped)."""
    day = month_bounds(year, month)[1]
    counted = 0
    while counted < WORKING_DAYS_TO_DECLARE:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def is_overdue(declaration: Declaration, *, today: datetime.date | None = None) -> bool:
    """A draft whose deadline has passed."""
    today = today or timezone.localdate()
    return declaration.is_draft and today > declaration_deadline(declaration.year, declaration.month)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlannedLine:
    client_id: int
    zorgprofiel: str
    prestatiecode: str
    begin: datetime.date
    end: datetime.date
    days: int
    tariff: Decimal
    amount: Decimal
    side: str
    corrects_id: int | None = None


@dataclass(frozen=True)
class Plan:
    lines: list[PlannedLine]
    credited_ids: list[int]  # the earlier lines this plan credits

    @property
    def total_debit(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.side == D), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.side == C), Decimal("0.00"))


def _line_key(line: PlannedLine | DeclarationLine) -> tuple:
    return (line.client_id, line.zorgprofiel, line.prestatiecode, line.begin, line.end, line.days,
            Decimal(line.tariff), Decimal(line.amount), line.side, line.corrects_id)


def _check_month(year: int, month: int) -> None:
    if not (isinstance(year, int) and MIN_YEAR <= year <= MAX_YEAR and isinstance(month, int) and 1 <= month <= 12):
        raise ValidationError(_("Choose a month between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})


def credit_candidates(organization: Organization, zorgkantoor: Organization, month_end: datetime.date) -> QuerySet:
    """Debit lines already sent to `zorgkantoor` (not rejected, not released) with at least
    one day that was recomputed since (a superseded day line still points at the line) and
    not credited yet by a sent, not rejected credit line. Only lines ending by `month_end`:
    their days are debited again in the same declaration."""
    superseded = DayLine.objects.filter(organization=organization, declared_line=OuterRef("pk"),
                                        superseded_at__isnull=False)
    credited = (
        DeclarationLine.objects.filter(organization=organization, corrects=OuterRef("pk"))
        .exclude(declaration__status=Declaration.Status.DRAFT)
        .exclude(status=DeclarationLine.Status.REJECTED)
    )
    return (
        DeclarationLine.objects.filter(
            organization=organization, declaration__zorgkantoor=zorgkantoor, declaration__status__in=SENT_STATUSES,
            side=D, released=False, end__lte=month_end,
        )
        .exclude(status=DeclarationLine.Status.REJECTED)
        .filter(Exists(superseded))
        .exclude(Exists(credited))
    )


def debit_candidates(organization: Organization, zorgkantoor: Organization, month_end: datetime.date,
                     credited_ids: Sequence[int] = ()) -> QuerySet:
    """The day lines a declaration of the month debits: current, billable, for this
    zorgkantoor's contract, up to the end of the month, not declared before, or declared
    on a line that this declaration credits."""
    undeclared = Q(declared_line__isnull=True)
    if credited_ids:
        undeclared |= Q(declared_line_id__in=list(credited_ids))
    return DayLine.objects.filter(
        undeclared, organization=organization, superseded_at__isnull=True, billable=True, day__lte=month_end,
        contract__zorgkantoor=zorgkantoor,
    )


Period = tuple[int, str, str, Decimal, datetime.date, datetime.date, int]  # client, zp, code, tariff, begin, end, days


def group_periods(rows: Iterable[tuple[int, str, str, Decimal, datetime.date]]) -> list[Period]:
    """Gaps and islands: rows (client, zorgprofiel, prestatiecode, tariff, day) ordered by
    those five -> periods of consecutive days with the same four values inside one
    calendar month. The reference of the SQL in `_periods_sql`."""
    periods: list[Period] = []
    current: list | None = None
    for client_id, zorgprofiel, prestatiecode, tariff, day in rows:
        key = (client_id, zorgprofiel, prestatiecode, Decimal(tariff))
        if (current is not None and current[0] == key and day == current[2] + datetime.timedelta(days=1)
                and (day.year, day.month) == (current[1].year, current[1].month)):
            current[2] = day
            current[3] += 1
            continue
        if current is not None:
            periods.append((*current[0], current[1], current[2], current[3]))
        current = [key, day, day, 1]
    if current is not None:
        periods.append((*current[0], current[1], current[2], current[3]))
    return periods


_PERIODS_SQL = """
SELECT client_id, zorgprofiel, prestatiecode, amount, MIN(day), MAX(day), COUNT(*)
FROM (
    SELECT b.client_id, b.zorgprofiel, b.prestatiecode, b.amount, b.day,
           date_trunc('month', b.day) AS month,
           b.day - (ROW_NUMBER() OVER (PARTITION BY b.client_id, b.zorgprofiel, b.prestatiecode, b.amount,
                                                    date_trunc('month', b.day)
                                       ORDER BY b.day))::int AS island
    FROM ({inner}) b
) x
GROUP BY client_id, zorgprofiel, prestatiecode, amount, month, island
"""


def _periods(candidates: QuerySet) -> list[Period]:
    """The debit periods of the candidate day lines: one SQL statement on PostgreSQL (window
    function), the same grouping in Python elsewhere (SQLite demo)."""
    rows = candidates.order_by("client_id", "zorgprofiel", "prestatiecode", "amount", "day").values_list(
        "client_id", "zorgprofiel", "prestatiecode", "amount", "day")
    if connection.vendor != "postgresql":
        return group_periods(rows.iterator(chunk_size=5000))
    inner, params = candidates.order_by().values_list(
        "client_id", "zorgprofiel", "prestatiecode", "amount", "day").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_PERIODS_SQL.format(inner=inner), params)
        return [(c, z, p, a, b, e, int(n)) for c, z, p, a, b, e, n in cursor.fetchall()]


def _client_order(client_ids: Iterable[int]) -> dict[int, tuple]:
    rows = Client.objects.filter(pk__in=set(client_ids)).values_list("pk", "last_name", "first_name")
    return {pk: (last.lower(), first.lower(), pk) for pk, last, first in rows}


def build_plan(organization: Organization, zorgkantoor: Organization, year: int, month: int) -> Plan:
    """What the declaration of `month` to `zorgkantoor` contains right now (three queries,
    whatever the number of clients): credits first, then debits, per client by name."""
    month_end = month_bounds(year, month)[1]
    credits = list(credit_candidates(organization, zorgkantoor, month_end).values_list(
        "pk", "client_id", "zorgprofiel", "prestatiecode", "begin", "end", "days", "tariff", "amount"))
    credited_ids = [row[0] for row in credits]
    lines = [
        PlannedLine(client_id=client_id, zorgprofiel=zp, prestatiecode=code, begin=begin, end=end, days=days,
                    tariff=tariff, amount=amount, side=C, corrects_id=pk)
        for pk, client_id, zp, code, begin, end, days, tariff, amount in credits
    ]
    for client_id, zp, code, tariff, begin, end, days in _periods(
            debit_candidates(organization, zorgkantoor, month_end, credited_ids)):
        lines.append(PlannedLine(client_id=client_id, zorgprofiel=zp, prestatiecode=code, begin=begin, end=end,
                                 days=days, tariff=tariff, amount=round_cents(tariff * days), side=D))
    order = _client_order(line.client_id for line in lines)
    lines.sort(key=lambda p: (order.get(p.client_id, ("", "", p.client_id)), p.side, p.begin, p.prestatiecode,
                              p.end, p.corrects_id or 0))
    return Plan(lines=lines, credited_ids=credited_ids)


# --------------------------------------------------------------------------- helpers


def _membership(user, organization: Organization, request: HttpRequest | None) -> Membership:  # noqa: ANN001
    if request is not None and getattr(request, "membership", None) is not None:
        return request.membership
    membership = Membership.objects.filter(user=user, organization=organization, is_active=True).first()
    if membership is None:
        raise ValidationError(_("You are not a member of this organisation."))
    return membership


def _computed_through(organization: Organization) -> datetime.date | None:
    from billing.daily import computed_through  # the engine imports much; keep this module light

    return computed_through(organization)


def _next_reference(organization: Organization, year: int, month: int) -> str:
    prefix = f"D{year}-{month:02d}-"
    used = Declaration.objects.filter(organization=organization, reference__startswith=prefix).values_list(
        "reference", flat=True)
    numbers = [int(ref[len(prefix):]) for ref in used if ref[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _lock(declaration: Declaration) -> Declaration:
    locked = (
        Declaration.objects.select_for_update(of=("self",))
        .filter(organization_id=declaration.organization_id, pk=declaration.pk)
        .select_related("zorgkantoor", "organization")
        .first()
    )
    if locked is None:
        raise ValidationError(_("This declaration no longer exists."))
    return locked


def _month_label(year: int, month: int) -> str:
    return f"{month:02d}-{year}"


# --------------------------------------------------------------------------- build


@transaction.atomic
def declaration_build(
    organization: Organization, year: int, month: int, *, user, request: HttpRequest | None = None,  # noqa: ANN001
    today: datetime.date | None = None,
) -> Declaration:
    """Create or rebuild the draft declaration of `month` to the zorgkantoor of the
    organisation's contract for that year. Refused when the month has not ended, when the
    daily run has not computed every day of it, without a contract, or when the
    declaration was already submitted (it is never rebuilt). A rebuild replaces the lines
    and clears the validation."""
    _check_month(year, month)
    if not organization.is_provider:
        raise ValidationError(_("Only a care provider declares to a zorgkantoor."))
    first, last = month_bounds(year, month)
    today = today or timezone.localdate()
    if last >= today:
        raise ValidationError(_("%(month)s has not ended yet: it can be declared from %(day)s.")
                              % {"month": _month_label(year, month),
                                 "day": (last + datetime.timedelta(days=1)).strftime("%d-%m-%Y")})
    contract = contract_for(organization=organization, day=first)
    if contract is None:
        raise ValidationError(_("There is no contract with the zorgkantoor of your region for %(year)s.")
                              % {"year": year})
    through = _computed_through(organization)
    if through is None or through < last:
        raise ValidationError(
            _("The daily run has not computed every day of %(month)s yet (computed through %(through)s). "
              "Declare once the nightly run has covered the whole month.")
            % {"month": _month_label(year, month), "through": through.strftime("%d-%m-%Y") if through else "—"})
    membership = _membership(user, organization, request)
    zorgkantoor = contract.zorgkantoor
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .filter(organization=organization, zorgkantoor=zorgkantoor, year=year, month=month)
        .first()
    )
    if declaration is not None and not declaration.is_draft:
        raise ValidationError(_("The declaration %(reference)s of %(month)s has been submitted; it is never "
                                "rebuilt. Changes are corrected in a later declaration.")
                              % {"reference": declaration.reference, "month": _month_label(year, month)})
    plan = build_plan(organization, zorgkantoor, year, month)
    created = declaration is None
    if created:
        declaration = Declaration(organization=organization, zorgkantoor=zorgkantoor, year=year, month=month,
                                  reference=_next_reference(organization, year, month), created_by=user)
    else:
        DeclarationLine.objects.filter(organization=organization, declaration=declaration).delete()
    declaration.contract = contract
    declaration.total_debit, declaration.total_credit = plan.total_debit, plan.total_credit
    declaration.validation, declaration.validated_at = [], None
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError as exc:  # a concurrent build of the same month (or reference)
        raise ValidationError(_("This declaration is being made by someone else right now; try again.")) from exc
    DeclarationLine.objects.bulk_create([
        DeclarationLine(
            organization=organization, declaration=declaration, number=number,
            reference=f"{declaration.reference}-{number:05d}", client_id=line.client_id,
            zorgprofiel=line.zorgprofiel, prestatiecode=line.prestatiecode, begin=line.begin, end=line.end,
            days=line.days, tariff=line.tariff, amount=line.amount, side=line.side, corrects_id=line.corrects_id,
        )
        for number, line in enumerate(plan.lines, start=1)
    ], batch_size=2000)
    record_access(action=AccessLog.Action.CREATE if created else AccessLog.Action.UPDATE, request=request,
                  membership=membership, user=user, obj=declaration,
                  description=f"declaration {declaration.reference} {'built' if created else 'rebuilt'}: "
                              f"{len(plan.lines)} lines, debit {plan.total_debit}, credit {plan.total_credit}")
    return declaration


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Finding:
    code: str
    line: int | None
    client_id: int | None
    message: str
    blocking: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _covered(periods: list[tuple[datetime.date, datetime.date | None]], begin: datetime.date,
             end: datetime.date) -> bool:
    """Whether the union of (valid_from, valid_to or None) covers every day of [begin, end]."""
    cursor = begin
    for valid_from, valid_to in sorted(periods):
        if valid_from > cursor:
            break
        if valid_to is None:
            return True
        if valid_to >= cursor:
            cursor = valid_to + datetime.timedelta(days=1)
        if cursor > end:
            return True
    return cursor > end


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d-%m-%Y")


def _findings(declaration: Declaration) -> list[Finding]:
    """The pre-validation of a draft, without writing (about a dozen queries whatever its size)."""
    org = declaration.organization
    lines = list(DeclarationLine.objects.filter(organization=org, declaration=declaration).order_by("number"))
    findings: list[Finding] = []
    if not lines:
        return findings
    client_ids = {line.client_id for line in lines}
    first_begin = min(line.begin for line in lines)
    last_end = max(line.end for line in lines)
    debits = [line for line in lines if line.side == D]

    # 8004: BSN (elfproef) and date of birth, once per client.
    clients = {c.pk: c for c in Client.objects.filter(organization=org, pk__in=client_ids).only(
        "pk", "bsn_encrypted", "date_of_birth")}
    first_line: dict[int, DeclarationLine] = {}
    earliest: dict[int, datetime.date] = {}
    for line in lines:
        first_line.setdefault(line.client_id, line)
        earliest[line.client_id] = min(line.begin, earliest.get(line.client_id, line.begin))
    for client_id in sorted(client_ids, key=lambda cid: first_line[cid].number):
        client, line = clients.get(client_id), first_line[client_id]
        problems = []
        try:
            clean_bsn(client.reveal_bsn() if client and client.bsn_encrypted else "")
        except (ValidationError, ValueError):
            problems.append(_("the BSN is missing or fails the elfproef"))
        if client is None or client.date_of_birth is None:
            problems.append(_("the date of birth is missing"))
        elif client.date_of_birth >= earliest[client_id]:
            problems.append(_("the date of birth is not before the declared period"))
        if problems:
            findings.append(Finding("8004", line.number, client_id,
                                    _("Client data: %(problems)s.") % {"problems": "; ".join(problems)}))

    # 0553: inside a VPT indication with this zorgprofiel, and a start of care (AW35) notified.
    indications: dict[tuple[int, str], list] = defaultdict(list)
    any_vpt: set[int] = set()
    for client_id, zorgprofiel, valid_from, valid_to in (
        WlzIndication.objects.filter(organization=org, client_id__in=client_ids, valid_from__lte=last_end)
        .vpt().filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first_begin))
        .values_list("client_id", "zorgprofiel", "valid_from", "valid_to")
    ):
        indications[(client_id, zorgprofiel)].append((valid_from, valid_to))
        any_vpt.add(client_id)
    notifications: dict[int, list] = defaultdict(list)
    for client_id, kind, day, status in CareNotification.objects.filter(
            organization=org, client_id__in=client_ids).values_list("client_id", "kind", "date", "status"):
        notifications[client_id].append((kind, day, status))
    for line in debits:
        if not _covered(indications.get((line.client_id, line.zorgprofiel), []), line.begin, line.end):
            message = (_("Not every day from %(begin)s to %(end)s lies in a VPT indication for %(profile)s.")
                       if line.client_id in any_vpt else
                       _("The client has no VPT indication (delivery form 5) from %(begin)s to %(end)s."))
            findings.append(Finding("0553", line.number, line.client_id, message % {
                "begin": _fmt(line.begin), "end": _fmt(line.end),
                "profile": codes.zorgprofiel_short(line.zorgprofiel)}))
        events = notifications.get(line.client_id, [])
        starts = [(day, status) for kind, day, status in events if kind == CareNotification.Kind.START
                  and day <= line.begin]
        if not starts:
            findings.append(Finding("0553", line.number, line.client_id, _(
                "No start of care (AW35) was recorded on or before %(begin)s: the zorgkantoor rejects a "
                "declaration for a period without a start-of-care notification.") % {"begin": _fmt(line.begin)}))
            continue
        start_day, start_status = max(starts)
        ended = sorted(day for kind, day, _status in events if kind == CareNotification.Kind.END
                       and start_day <= day < line.end)
        if ended:
            findings.append(Finding("0553", line.number, line.client_id, _(
                "An end of care (AW39) on %(day)s lies before the end of the period (%(end)s).")
                % {"day": _fmt(ended[0]), "end": _fmt(line.end)}))
        if start_status != CareNotification.Status.SENT:
            findings.append(Finding("0553", line.number, line.client_id, _(
                "The start of care (AW35) of %(day)s has not been marked as sent yet: send it before (or with) "
                "this declaration.") % {"day": _fmt(start_day)}, blocking=False))

    # 1113 and 0611: the prestatie exists for the zorgprofiel; the tariff is the contracted one.
    tariffs: dict[str, list[Tariff]] = defaultdict(list)
    for tariff in Tariff.objects.filter(prestatiecode__in={line.prestatiecode for line in debits},
                                        valid_from__lte=last_end, valid_to__gte=first_begin).order_by(
            "is_illustrative", "-valid_from"):
        tariffs[tariff.prestatiecode].append(tariff)
    years = {line.begin.year for line in debits}
    contracts = {c.year: c for c in Contract.objects.filter(organization=org, zorgkantoor=declaration.zorgkantoor_id,
                                                            year__in=years)}
    overrides: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for contract_id, code, amount in ContractTariff.objects.filter(
            organization=org, contract__in=list(contracts.values())).values_list(
            "contract_id", "prestatiecode", "amount"):
        overrides[contract_id][code] = amount
    for line in debits:
        tariff = next((t for t in tariffs.get(line.prestatiecode, []) if t.valid_from <= line.begin <= t.valid_to),
                      None)
        if tariff is None:
            findings.append(Finding("1113", line.number, line.client_id, _(
                "Prestatiecode %(code)s is not in the NZa tariff table on %(begin)s.")
                % {"code": line.prestatiecode, "begin": _fmt(line.begin)}))
            continue
        if tariff.zorgprofiel != line.zorgprofiel:
            findings.append(Finding("1113", line.number, line.client_id, _(
                "Prestatiecode %(code)s does not belong to zorgprofiel %(profile)s.")
                % {"code": line.prestatiecode, "profile": codes.zorgprofiel_short(line.zorgprofiel)}))
        contract = contracts.get(line.begin.year)
        if contract is None:
            findings.append(Finding("0611", line.number, line.client_id, _(
                "There is no contract with the zorgkantoor for %(year)s.") % {"year": line.begin.year}))
            continue
        expected, _override = contract_price(tariff, contract, overrides=overrides[contract.pk])
        if Decimal(line.tariff) != expected:
            findings.append(Finding("0611", line.number, line.client_id, _(
                "The tariff € %(tariff)s differs from the contracted tariff € %(expected)s for %(code)s.")
                % {"tariff": line.tariff, "expected": expected, "code": line.prestatiecode}))

    findings += _reconciliation(declaration, lines)
    return findings


def _reconciliation(declaration: Declaration, lines: list[DeclarationLine]) -> list[Finding]:
    """Lines add up to the totals; each line is days × tariff over consecutive days inside one
    month; a credit mirrors the line it corrects; the days of a debit line are exactly the
    day lines behind it (two queries)."""
    findings = []
    org = declaration.organization
    month_end = month_bounds(declaration.year, declaration.month)[1]
    debit = sum((line.amount for line in lines if line.side == D), Decimal("0.00"))
    credit = sum((line.amount for line in lines if line.side == C), Decimal("0.00"))
    if debit != declaration.total_debit or credit != declaration.total_credit:
        findings.append(Finding(RECONCILIATION, None, None, _(
            "The lines add up to debit € %(debit)s and credit € %(credit)s; the declaration says € %(td)s and "
            "€ %(tc)s.") % {"debit": debit, "credit": credit, "td": declaration.total_debit,
                            "tc": declaration.total_credit}))
    corrected = {row["pk"]: row for row in DeclarationLine.objects.filter(
        organization=org, pk__in=[line.corrects_id for line in lines if line.corrects_id]).values(
        "pk", "client_id", "zorgprofiel", "prestatiecode", "begin", "end", "days", "tariff", "amount")}
    for line in lines:
        problem = ""
        if line.days != (line.end - line.begin).days + 1 or (line.begin.year, line.begin.month) != (
                line.end.year, line.end.month):
            problem = _("the period is not %(days)s consecutive days inside one month") % {"days": line.days}
        elif line.amount != round_cents(Decimal(line.tariff) * line.days):
            problem = _("the amount is not days × tariff")
        elif line.end > month_end:
            problem = _("the period ends after the declared month")
        elif line.side == C:
            old = corrected.get(line.corrects_id)
            if old is None or any(old[f] != getattr(line, f) for f in (
                    "client_id", "zorgprofiel", "prestatiecode", "begin", "end", "days", "tariff", "amount")):
                problem = _("the credit does not mirror the line it corrects")
        if problem:
            findings.append(Finding(RECONCILIATION, line.number, line.client_id,
                                    _("Line %(number)s: %(problem)s.") % {"number": line.number, "problem": problem}))

    credited_ids = [line.corrects_id for line in lines if line.side == C]
    behind = (
        debit_candidates(org, declaration.zorgkantoor, month_end, credited_ids)
        .filter(client_id=OuterRef("client_id"), zorgprofiel=OuterRef("zorgprofiel"),
                prestatiecode=OuterRef("prestatiecode"), amount=OuterRef("tariff"),
                day__gte=OuterRef("begin"), day__lte=OuterRef("end"))
        .order_by().values("client_id").annotate(n=Count("pk")).values("n")
    )
    counted = DeclarationLine.objects.filter(organization=org, declaration=declaration, side=D).annotate(
        behind=Subquery(behind)).values_list("number", "client_id", "days", "behind")
    total_days = 0
    for number, client_id, days, n in counted:
        total_days += n or 0
        if (n or 0) != days:
            findings.append(Finding(RECONCILIATION, number, client_id, _(
                "Line %(number)s: %(days)s days declared, %(n)s day lines behind them.")
                % {"number": number, "days": days, "n": n or 0}))
    undeclared = debit_candidates(org, declaration.zorgkantoor, month_end, credited_ids).count()
    if undeclared != total_days:
        findings.append(Finding(RECONCILIATION, None, None, _(
            "%(n)s billable days are waiting to be declared, the lines cover %(m)s: rebuild the declaration.")
            % {"n": undeclared, "m": total_days}))
    return findings


def declaration_validate(declaration: Declaration) -> list[Finding]:
    """Pre-validate a draft and store the findings (code, line number, client, message,
    blocking) on it. Any blocking finding prevents submitting."""
    if not declaration.is_draft:
        raise ValidationError(_("Only a draft is validated; a submitted declaration stays as it was sent."))
    findings = _findings(declaration)
    declaration.validation = [f.as_dict() for f in findings]
    declaration.validated_at = timezone.now()
    declaration.save(update_fields=["validation", "validated_at"])
    return findings


def blocking_findings(declaration: Declaration) -> list[dict]:
    return [f for f in declaration.validation or [] if f.get("blocking")]


# --------------------------------------------------------------------------- submit


def _take_daily_run_lock(organization: Organization) -> None:
    """Hold the daily run's advisory lock of the organisation for this transaction: a run
    that starts now is skipped and retried by its task; a run that is busy makes us wait
    our turn. (SQLite, the demo, has one writer at a time anyway.)"""
    if connection.vendor != "postgresql":
        return
    from billing.daily import DAILY_RUN_LOCK

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [DAILY_RUN_LOCK, organization.pk])
        if not cursor.fetchone()[0]:
            raise ValidationError(_("The daily calculation is running right now. Submit again in a few minutes."))


def declaration_submit(declaration: Declaration, *, user, request: HttpRequest | None = None) -> Declaration:  # noqa: ANN001
    """draft -> submitted, all or nothing.

    In one transaction, holding the daily run's lock of the organisation and the day lines
    involved (SELECT ... FOR UPDATE): the plan is made again and must equal the draft line
    for line (otherwise the draft is stale: rebuild and validate again); the pre-validation
    is run again and must have no blocking finding (the fresh findings are stored); then
    the credited lines are released (their current days are debited again in this
    declaration), and every day line behind a debit line is linked to it. The number of
    linked day lines must equal the declared days."""
    blocked: list[Finding] = []
    with transaction.atomic():
        declaration = _lock(declaration)
        org, zorgkantoor = declaration.organization, declaration.zorgkantoor
        membership = _membership(user, org, request)
        if not declaration.is_draft:
            raise ValidationError(_("This declaration has already been submitted."))
        if declaration.validated_at is None:
            raise ValidationError(_("Validate the declaration before you submit it."))
        _take_daily_run_lock(org)
        month_end = month_bounds(declaration.year, declaration.month)[1]
        credited_ids = list(credit_candidates(org, zorgkantoor, month_end).values_list("pk", flat=True))
        lock = Q(pk__in=debit_candidates(org, zorgkantoor, month_end, credited_ids).values("pk"))
        if credited_ids:
            lock |= Q(declared_line_id__in=credited_ids, superseded_at__isnull=True)
        list(DayLine.objects.select_for_update(of=("self",)).filter(lock, organization=org).order_by("pk")
             .values_list("pk", flat=True))

        plan = build_plan(org, zorgkantoor, declaration.year, declaration.month)
        stored = list(DeclarationLine.objects.filter(organization=org, declaration=declaration).order_by("number"))
        if [_line_key(line) for line in stored] != [_line_key(line) for line in plan.lines]:
            raise ValidationError(_("The declaration is out of date: day lines changed since it was built. "
                                    "Rebuild it and validate it again."))
        if not stored:
            raise ValidationError(_("There is nothing to declare in this declaration."))
        findings = _findings(declaration)
        declaration.validation = [f.as_dict() for f in findings]
        declaration.validated_at = timezone.now()
        blocked = [f for f in findings if f.blocking]
        if blocked:
            declaration.save(update_fields=["validation", "validated_at"])
        else:
            _link_day_lines(declaration, plan, stored)
            declaration.status = Declaration.Status.SUBMITTED
            declaration.submitted_at, declaration.submitted_by = timezone.now(), user
            declaration.save(update_fields=["validation", "validated_at", "status", "submitted_at", "submitted_by"])
            record_access(action=AccessLog.Action.UPDATE, request=request, membership=membership, user=user,
                          obj=declaration,
                          description=f"declaration {declaration.reference} submitted: {len(stored)} lines, "
                                      f"debit {declaration.total_debit}, credit {declaration.total_credit}")
    if blocked:
        raise ValidationError(
            _("The declaration cannot be submitted: %(n)s blocking findings. See the validation.") % {"n": len(blocked)})
    return declaration


def _link_day_lines(declaration: Declaration, plan: Plan, stored: list[DeclarationLine]) -> None:
    org = declaration.organization
    month_end = month_bounds(declaration.year, declaration.month)[1]
    if plan.credited_ids:
        DayLine.objects.filter(organization=org, declared_line_id__in=plan.credited_ids,
                               superseded_at__isnull=True).update(declared_line=None)
        DeclarationLine.objects.filter(organization=org, pk__in=plan.credited_ids).update(released=True)
    line = DeclarationLine.objects.filter(
        organization=org, declaration=declaration, side=D, client_id=OuterRef("client_id"),
        zorgprofiel=OuterRef("zorgprofiel"), prestatiecode=OuterRef("prestatiecode"), tariff=OuterRef("amount"),
        begin__lte=OuterRef("day"), end__gte=OuterRef("day"),
    ).values("pk")[:1]
    debit_candidates(org, declaration.zorgkantoor, month_end).update(declared_line=Subquery(line))
    declared_days = sum(line.days for line in stored if line.side == D)
    linked = DayLine.objects.filter(organization=org, declared_line__declaration=declaration).count()
    if linked != declared_days:
        raise ValidationError(_("The day lines do not match the declaration (%(linked)s linked, %(days)s declared); "
                                "nothing was submitted. Rebuild it and try again.")
                              % {"linked": linked, "days": declared_days})


# --------------------------------------------------------------------------- the answer (AW320)


@transaction.atomic
def declaration_record_answer(
    declaration: Declaration, *, rejections: dict[int, tuple[str, str]], user,  # noqa: ANN001
    request: HttpRequest | None = None,
) -> Declaration:
    """Record the zorgkantoor's answer: `rejections` maps line id -> (return code, reason);
    every other line is accepted. Rejected lines keep the code and reason and are released:
    the current day lines of a rejected debit line are unlinked, so the next declaration
    debits them again (once the cause is corrected). A rejected credit line means the
    correction did not happen: the line it corrects is credited again next time."""
    declaration = _lock(declaration)
    org = declaration.organization
    membership = _membership(user, org, request)
    if declaration.status != Declaration.Status.SUBMITTED:
        raise ValidationError(_("The answer can only be recorded once, for a submitted declaration."))
    lines = {line.pk: line for line in DeclarationLine.objects.filter(organization=org, declaration=declaration)}
    unknown = [pk for pk in rejections if pk not in lines]
    if unknown:
        raise ValidationError(_("These lines are not part of the declaration: %(ids)s.")
                              % {"ids": ", ".join(str(pk) for pk in unknown)})
    rejected = []
    for pk, (code, reason) in rejections.items():
        code, reason = (code or "").strip(), (reason or "").strip()
        if not RETURN_CODE_RE.match(code):
            raise ValidationError(_("Line %(number)s: a return code has 4 digits.") % {"number": lines[pk].number})
        line = lines[pk]
        line.status, line.return_code, line.return_reason = DeclarationLine.Status.REJECTED, code, reason[:300]
        line.released = True
        rejected.append(line)
    DeclarationLine.objects.bulk_update(rejected, ["status", "return_code", "return_reason", "released"])
    DeclarationLine.objects.filter(organization=org, declaration=declaration, status=DeclarationLine.Status.OPEN).update(
        status=DeclarationLine.Status.ACCEPTED)
    debit_ids = [line.pk for line in rejected if line.side == D]
    if debit_ids:
        DayLine.objects.filter(organization=org, declared_line_id__in=debit_ids, superseded_at__isnull=True).update(
            declared_line=None)
    recredit = [line.corrects_id for line in rejected if line.side == C]
    if recredit:
        DeclarationLine.objects.filter(organization=org, pk__in=recredit).update(released=False)
    declaration.status = (Declaration.Status.PARTLY_REJECTED if rejected else Declaration.Status.ACCEPTED)
    declaration.answered_at = timezone.now()
    declaration.save(update_fields=["status", "answered_at"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=membership, user=user, obj=declaration,
                  description=f"declaration {declaration.reference} answered: {len(lines) - len(rejected)} accepted, "
                              f"{len(rejected)} rejected")
    return declaration


# --------------------------------------------------------------------------- selectors


def declarations(*, organization: Organization) -> QuerySet[Declaration]:
    return (Declaration.objects.filter(organization=organization).select_related("zorgkantoor")
            .order_by("-year", "-month", "zorgkantoor__name", "-pk"))


def access_declaration_by_id(request: HttpRequest, declaration_id: int) -> Declaration:
    """The requesting provider's own declaration; 404 for a missing one and for another
    organisation's (also for the zorgkantoor it was sent to: its pages are elsewhere)."""
    declaration = (
        Declaration.objects.filter(organization=request.organization, pk=declaration_id)
        .select_related("zorgkantoor", "contract", "organization", "created_by", "submitted_by")
        .first()
    )
    if declaration is None:
        raise Http404
    return declaration


def declaration_lines(declaration: Declaration, *, search: str = "", status: str = "") -> QuerySet[DeclarationLine]:
    lines = DeclarationLine.objects.filter(organization_id=declaration.organization_id, declaration=declaration)
    for word in search.split():
        lines = lines.filter(Q(client__first_name__icontains=word) | Q(client__last_name__icontains=word)
                             | Q(client__name_prefix__icontains=word))
    if status:
        lines = lines.filter(status=status)
    return lines.select_related("client", "corrects").order_by("number")


@dataclass(frozen=True)
class FindingGroup:
    code: str
    label: str
    blocking: bool
    findings: list[dict]


def findings_by_code(declaration: Declaration) -> list[FindingGroup]:
    """The stored findings grouped by code (blocking groups first), each with the client's
    name (one query)."""
    stored = declaration.validation or []
    ids = {f["client_id"] for f in stored if f.get("client_id")}
    names = {c.pk: c.sort_name for c in Client.objects.filter(organization_id=declaration.organization_id, pk__in=ids)
             .only("pk", "first_name", "name_prefix", "last_name")} if ids else {}
    grouped: dict[str, list[dict]] = defaultdict(list)
    for finding in stored:
        grouped[finding["code"]].append({**finding, "client_name": names.get(finding.get("client_id"), "")})
    groups = [FindingGroup(code, str(FINDING_LABELS.get(code, code)), any(f["blocking"] for f in items), items)
              for code, items in grouped.items()]
    return sorted(groups, key=lambda g: (not g.blocking, g.code))


def declaration_line_counts(declaration: Declaration) -> dict[str, int]:
    rows = DeclarationLine.objects.filter(organization_id=declaration.organization_id, declaration=declaration).values(
        "status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def month_choices(*, today: datetime.date | None = None, count: int = 18) -> list[tuple[str, str]]:
    """('2026-03', '03-2026') for the `count` months that have ended, newest first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    result = []
    for _i in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        result.append((f"{year}-{month:02d}", _month_label(year, month)))
    return result


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def _record_export(declaration: Declaration, client_ids: Iterable[int], *, membership: Membership, user,  # noqa: ANN001
                   request: HttpRequest | None, description: str) -> None:
    """One access-log entry for the export itself and one per client in it (NEN 7513: which
    client), the latter written with one INSERT."""
    record_access(action=AccessLog.Action.EXPORT, request=request, membership=membership, user=user,
                  obj=declaration, description=description)
    record_access_many(action=AccessLog.Action.EXPORT, client_ids=sorted(set(client_ids)), request=request,
                       membership=membership, user=user, obj=declaration, description=description)


@transaction.atomic
def declaration_export(declaration: Declaration, *, fmt: str, user, request: HttpRequest | None = None,  # noqa: ANN001
                       today: datetime.date | None = None) -> ExportFile:
    """The declaration as a file: "aw319" (the Vektis flat file to send; only once submitted,
    so the file is exactly what was submitted) or "csv" (an overview, any status). Logged
    as an EXPORT with every client in it."""
    from billing import aw319

    org = declaration.organization
    membership = _membership(user, org, request)
    lines = list(declaration_lines(declaration))
    client_ids = [line.client_id for line in lines]
    if fmt == "aw319":
        if declaration.is_draft:
            raise ValidationError(_("The AW319 file is made once the declaration is submitted: validate and submit "
                                    "it first. The CSV shows a draft."))
        content = aw319.build_for(declaration, lines, test=not settings.IS_PRODUCTION,
                                  created_on=today or timezone.localdate())
        export = ExportFile(f"AW319-{declaration.reference}.txt", "text/plain; charset=us-ascii", content)
    elif fmt == "csv":
        export = ExportFile(f"declaratie-{declaration.reference}.csv", "text/csv; charset=utf-8",
                            aw319.csv_for(declaration, lines))
    else:
        raise ValidationError(_("Unknown export format."))
    _record_export(declaration, client_ids, membership=membership, user=user, request=request,
                   description=f"declaration {declaration.reference} as {fmt.upper()} ({len(set(client_ids))} clients)")
    return export
