"""Reads of the alarm inbox, always within what the acting membership may see.

Who sees an alarm: the members of its responsible team (and its team manager); the night
service's members when the alarm came in at night or escalated to the night service (step 2);
the team manager on call once it reached the last step; organisation admins see all. These
are the people `alarms.services` notifies, so whoever is called can open the alarm.

The inbox has a fixed number of queries whatever the number of alarms: the open alarms
(with the client's key information as annotations), their network members (one prefetch),
the resolved alarms of the last day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from alarms.models import Alarm, AlarmEvent, AlarmPolicy, ChannelOutage, Device, Notification
from alarms.services import MAX_LEVEL
from arrangements.models import Arrangement
from clients.models import Client, NetworkMember
from clients.selectors import visible_clients
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Role

NIGHT_SERVICE_LEVEL = 2  # escalation step that calls in the night service (services._chain_step)
RESOLVED_WINDOW = dt.timedelta(hours=24)
RESOLVED_SHOWN = 50


def my_teams(membership: Membership) -> QuerySet[Team]:
    """The teams the member works in or manages (a subquery, not a list)."""
    return Team.objects.filter(organization=membership.organization).filter(
        Q(members=membership) | Q(manager=membership)
    ).values("pk")


def visible_alarms(membership: Membership) -> QuerySet[Alarm]:
    alarms = Alarm.objects.filter(organization=membership.organization)
    if membership.role == Role.ADMIN:
        return alarms
    teams = my_teams(membership)
    policy = AlarmPolicy.objects.filter(organization=membership.organization)
    night_service = Exists(policy.filter(night_team__in=teams))
    on_call = Exists(policy.filter(on_call=membership))
    # Whoever was notified of the alarm keeps seeing it, also after an acknowledgement
    # restarted the escalation steps for the on-site norm.
    notified = Exists(Notification.objects.filter(alarm=OuterRef("pk"), membership=membership))
    return alarms.filter(
        Q(team__in=teams)
        | (night_service & (Q(is_night=True) | Q(escalation_level__gte=NIGHT_SERVICE_LEVEL)))
        | (on_call & Q(escalation_level__gte=MAX_LEVEL))
        | notified
    )


def access_alarm_by_id(request: HttpRequest, alarm_id: int, *, with_key_information: bool = False) -> Alarm:
    """The alarm if the member may see it; 404 for missing, foreign and not-mine alike.
    `with_key_information`: also what the responder needs at the door (the detail page)."""
    alarms = visible_alarms(request.membership).select_related("client")
    if with_key_information:
        alarms = (
            _with_key_information(alarms)
            .select_related("team", "device", "centre", "acknowledged_by", "on_site_by", "resolved_by")
            .prefetch_related(_network_prefetch())
        )
    alarm = alarms.filter(pk=alarm_id).first()
    if alarm is None:
        raise Http404
    return alarm


# --- the inbox ----------------------------------------------------------------------------------


def _network_prefetch() -> Prefetch:
    """Who around the client can be phoned: network members with a phone number."""
    return Prefetch(
        "client__network",
        queryset=NetworkMember.objects.exclude(phone="").order_by("-is_contact_person", "name", "pk"),
        to_attr="phone_network",
    )


def _with_key_information(alarms: QuerySet[Alarm]) -> QuerySet[Alarm]:
    """What the responder needs at the door, as annotations (no query per alarm):
    door access / key safe present (and its note), the note of the arrangement in force."""
    today = timezone.localdate()
    door = Device.objects.filter(
        client=OuterRef("client"), kind=Device.Kind.DOOR_ACCESS, status=Device.Status.ACTIVE
    )
    # The version in force today, as arrangements.selectors.active_arrangement decides it.
    arrangement = (
        Arrangement.objects.filter(client=OuterRef("client"), valid_from__lte=today,
                                   status__in=(Arrangement.Status.ACTIVE, Arrangement.Status.ENDED))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-valid_from")
    )
    return alarms.annotate(
        has_door_access=Exists(door),
        door_access_note=Subquery(door.order_by("pk").values("note")[:1]),
        arrangement_note=Subquery(arrangement.values("note")[:1]),
    )


def open_alarms(membership: Membership) -> list[Alarm]:
    """The open alarms the member may see, with client, key information and the network
    members to phone (two queries). Sorting by urgency is the view's business (it depends
    on the clock)."""
    return list(
        _with_key_information(visible_alarms(membership).filter(status__in=Alarm.OPEN))
        .select_related("client", "team", "centre", "acknowledged_by", "on_site_by")
        .prefetch_related(_network_prefetch())
        .order_by("received_at", "pk")
    )


def recently_resolved(membership: Membership, *, now: dt.datetime | None = None) -> list[Alarm]:
    """The alarms resolved in the last 24 hours, latest first (one query)."""
    since = (now or timezone.now()) - RESOLVED_WINDOW
    return list(
        visible_alarms(membership)
        .filter(status=Alarm.Status.RESOLVED, resolved_at__gte=since)
        .select_related("client", "resolved_by")
        .order_by("-resolved_at", "-pk")[:RESOLVED_SHOWN]
    )


def open_alarms_by_client(membership: Membership, client_ids: Iterable[int]) -> dict[int, list[Alarm]]:
    """The open alarms of each of these clients that the member may see (one query), oldest
    first; for the client cards of other pages (the coach's Today view)."""
    ids = list(client_ids)
    if not ids:
        return {}
    by_client: dict[int, list[Alarm]] = defaultdict(list)
    alarms = (
        visible_alarms(membership)
        .filter(status__in=Alarm.OPEN, client_id__in=ids)
        .order_by("received_at", "pk")
    )
    for alarm in alarms:
        by_client[alarm.client_id].append(alarm)
    return dict(by_client)


def alarm_history(alarm: Alarm) -> list[AlarmEvent]:
    return list(
        AlarmEvent.objects.filter(organization_id=alarm.organization_id, alarm=alarm)
        .select_related("by")
        .order_by("at", "pk")
    )


def manual_alarm_clients(membership: Membership) -> QuerySet[Client]:
    """Whom an alarm can be entered for by hand: visible clients in care."""
    return visible_clients(membership).filter(status=Client.Status.IN_CARE).order_by("last_name", "first_name", "pk")


# --- the outage banner ---------------------------------------------------------------------


def visible_outages(membership: Membership) -> list[ChannelOutage]:
    """Open channel outages for the banner (one query): a silent alarm centre concerns
    everybody who handles alarms; a device that stopped checking in concerns the client's
    team (admins: all), and names the client only to those who may see it."""
    outages = ChannelOutage.objects.filter(organization=membership.organization, ended_at__isnull=True)
    if membership.role != Role.ADMIN:
        outages = outages.filter(Q(centre__isnull=False) | Q(device__client__primary_team__in=my_teams(membership)))
    return list(outages.select_related("centre", "device__client").order_by("started_at", "pk"))
