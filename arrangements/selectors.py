"""Reads of a client's arrangement: versions, lines, the cost summary against the day tariff."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from arrangements.costs import CostSummary, summarise
from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.models import Client
from clients.tariffs import DayTariff, day_tariff
from vpt.tenancy.models import Organization

# --- access_*_by_id: inside the organisation *and* under the parent; 404 otherwise ---------


def access_arrangement_by_id(request: HttpRequest, client: Client, arrangement_id: int) -> Arrangement:
    """A version of the (already access-checked) client's arrangement; 404 when missing,
    of another client, or of another organisation."""
    arrangement = (
        Arrangement.objects.filter(organization=request.organization, client=client, pk=arrangement_id)
        .select_related("client", "created_by", "activated_by")
        .first()
    )
    if arrangement is None:
        raise Http404
    return arrangement


def access_arrangementline_by_id(request: HttpRequest, arrangement: Arrangement, arrangementline_id: int) -> ArrangementLine:
    line = (
        ArrangementLine.objects.filter(organization=request.organization, arrangement=arrangement, pk=arrangementline_id)
        .select_related("menu_item", "arrangement")
        .first()
    )
    if line is None:
        raise Http404
    return line


# --- versions -----------------------------------------------------------------------------


def arrangement_versions(client: Client) -> QuerySet[Arrangement]:
    return Arrangement.objects.filter(organization=client.organization, client=client).order_by("-version")


def active_arrangement(client: Client, day: date) -> Arrangement | None:
    """The version in force on `day`: an activated version (still active, or ended since)
    whose period covers the day. Drafts never count."""
    return (
        arrangement_versions(client)
        .filter(status__in=[Arrangement.Status.ACTIVE, Arrangement.Status.ENDED], valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def latest_active_version(client: Client) -> Arrangement | None:
    """The version with status active (at most one per client; it may start in the future)."""
    return arrangement_versions(client).filter(status=Arrangement.Status.ACTIVE).first()


def draft_arrangement(client: Client) -> Arrangement | None:
    return arrangement_versions(client).filter(status=Arrangement.Status.DRAFT).first()


def previous_version(arrangement: Arrangement) -> Arrangement | None:
    """The activated version before this one (by number): what a version changed."""
    return (
        arrangement_versions(arrangement.client)
        .filter(version__lt=arrangement.version)
        .exclude(status=Arrangement.Status.DRAFT)
        .first()
    )


def arrangement_lines(arrangement: Arrangement) -> list[ArrangementLine]:
    return list(
        ArrangementLine.objects.filter(organization=arrangement.organization, arrangement=arrangement)
        .select_related("menu_item")
        .order_by("menu_item__kind", "menu_item__name", "pk")
    )


# --- money --------------------------------------------------------------------------------


def summary_day(arrangement: Arrangement, today: date | None = None) -> date:
    """The day whose tariff the arrangement is held against: today, but not before the
    version starts nor after it ended."""
    day = max(today or timezone.localdate(), arrangement.valid_from)
    if arrangement.valid_to is not None and day > arrangement.valid_to:
        day = arrangement.valid_to
    return day


def tariff_amount(tariff: DayTariff | None):  # noqa: ANN201 (Decimal | None)
    """The contracted amount when there is a contract, else the NZa maximum; None when the
    client has no VPT indication or no NZa tariff was imported for the day."""
    if tariff is None or not tariff.prestatiecode:
        return None
    return tariff.amount if tariff.amount is not None else tariff.max_amount


def arrangement_summary(
    arrangement: Arrangement, day: date | None = None, *, lines: list[ArrangementLine] | None = None
) -> tuple[CostSummary, DayTariff | None]:
    """Cost per day/week, margin and hours of a version, against the client's day tariff on
    `day` (default: today, within the version's period)."""
    day = day or summary_day(arrangement)
    tariff = day_tariff(arrangement.client, day, includes_dagbesteding=arrangement.includes_dagbesteding)
    if lines is None:
        lines = arrangement_lines(arrangement)
    return summarise(lines, tariff_amount(tariff)), tariff


# --- the menu card, as far as an arrangement needs it -------------------------------------


def menu_choices(organization: Organization, day: date) -> QuerySet[MenuItem]:
    """The menu items of the organisation that are on the menu card on `day`."""
    return (
        MenuItem.objects.filter(organization=organization, active_from__lte=day)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=day))
        .order_by("kind", "name", "pk")
    )
