"""Reads of the client file, always within what the acting membership may see."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from clients.models import (
    Absence,
    Client,
    ClientImport,
    EligibilityAssessment,
    NetworkMember,
    WlzIndication,
    bsn_lookup_hash,
)
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import ORGANISATION_WIDE_CLIENT_ROLES

EXPIRY_WARNING_DAYS = 60
_POSTCODE_PREFIX = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{0,2})\s*$")


def visible_teams(membership: Membership) -> QuerySet[Team]:
    teams = Team.objects.filter(organization=membership.organization, is_active=True)
    if membership.role in ORGANISATION_WIDE_CLIENT_ROLES:
        return teams
    return teams.filter(members=membership)


def visible_clients(membership: Membership) -> QuerySet[Client]:
    """Admins and finance see every client of the organisation; team managers, coaches and
    support staff see the clients of their own teams (a client of another team is 404)."""
    clients = Client.objects.filter(organization=membership.organization)
    if membership.role in ORGANISATION_WIDE_CLIENT_ROLES:
        return clients
    return clients.filter(primary_team__members=membership)


def _current_indication(field: str, today: date) -> Subquery:
    current = (
        WlzIndication.objects.filter(client=OuterRef("pk"))
        .vpt()
        .filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-valid_from")
    )
    return Subquery(current.values(field)[:1])


def client_list(
    *,
    membership: Membership,
    search: str = "",
    team: Team | None = None,
    zorgprofiel: str = "",
    status: str = "",
    expiring: bool = False,
    today: date | None = None,
) -> QuerySet[Client]:
    """The client list: search on name, BSN (full, or the last 3-4 digits) or postcode;
    filters on team, current zorgprofiel, status and indications expiring within 60 days.
    The current VPT indication comes in as annotations (no query per row)."""
    today = today or timezone.localdate()
    qs = (
        visible_clients(membership)
        .select_related("primary_team", "client_coach__user")
        .annotate(
            current_zorgprofiel=_current_indication("zorgprofiel", today),
            current_valid_to=_current_indication("valid_to", today),
        )
    )
    search = search.strip()
    if search:
        digits = re.sub(r"[\s.]", "", search)
        postcode = _POSTCODE_PREFIX.match(search)
        if digits.isdigit() and len(digits) in (8, 9):
            qs = qs.filter(bsn_hash=bsn_lookup_hash(digits.zfill(9)))
        elif digits.isdigit() and len(digits) == 3:
            qs = qs.filter(bsn_last4__endswith=digits)
        elif digits.isdigit() and len(digits) == 4:
            # Four digits are the last digits of a BSN or the digits of a postcode.
            qs = qs.filter(Q(bsn_last4=digits) | Q(postcode__startswith=digits))
        elif postcode:
            prefix = postcode.group(1) + (f" {postcode.group(2).upper()}" if postcode.group(2) else "")
            qs = qs.filter(postcode__startswith=prefix)
        else:
            for word in search.split():
                qs = qs.filter(
                    Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(name_prefix__icontains=word)
                )
    if team is not None:
        qs = qs.filter(primary_team=team)
    if zorgprofiel:
        qs = qs.filter(current_zorgprofiel=zorgprofiel)
    if status:
        qs = qs.filter(status=status)
    if expiring:
        qs = qs.filter(current_valid_to__gte=today, current_valid_to__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))
    return qs.order_by("last_name", "first_name", "pk")


def expiring_indications(*, membership: Membership, days: int = EXPIRY_WARNING_DAYS, today: date | None = None) -> QuerySet[WlzIndication]:
    today = today or timezone.localdate()
    return (
        WlzIndication.objects.filter(client__in=visible_clients(membership))
        .vpt()
        .expiring_within(days, today=today)
        .exclude(client__status=Client.Status.ENDED)
        .select_related("client")
        .order_by("valid_to")
    )


def latest_assessment(client: Client) -> EligibilityAssessment | None:
    return client.assessments.order_by("-assessed_on", "-pk").first()


def current_indication(client: Client, day: date | None = None) -> WlzIndication | None:
    day = day or timezone.localdate()
    return client.indications.vpt().valid_on(day).order_by("-valid_from").first()


# --- access_*_by_id: inside the organisation *and* the member's visible clients; 404 else --


def access_client_by_id(request: HttpRequest, client_id: int) -> Client:
    client = (
        visible_clients(request.membership)
        .select_related("primary_team", "client_coach__user")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Http404
    return client


def _access_child(model: type, request: HttpRequest, client: Client, pk: int):  # noqa: ANN202
    obj = model.objects.filter(organization=request.organization, client=client, pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def access_wlzindication_by_id(request: HttpRequest, client: Client, wlzindication_id: int) -> WlzIndication:
    return _access_child(WlzIndication, request, client, wlzindication_id)


def access_networkmember_by_id(request: HttpRequest, client: Client, networkmember_id: int) -> NetworkMember:
    return _access_child(NetworkMember, request, client, networkmember_id)


def access_absence_by_id(request: HttpRequest, client: Client, absence_id: int) -> Absence:
    return _access_child(Absence, request, client, absence_id)


def access_eligibilityassessment_by_id(request: HttpRequest, client: Client, eligibilityassessment_id: int) -> EligibilityAssessment:
    return _access_child(EligibilityAssessment, request, client, eligibilityassessment_id)


def access_clientimport_by_id(request: HttpRequest, clientimport_id: int) -> ClientImport:
    obj = ClientImport.objects.filter(organization=request.organization, pk=clientimport_id).first()
    if obj is None:
        raise Http404
    return obj
