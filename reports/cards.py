"""Dashboard cards of reports: what waits for the reviewer, and for the provider's finance."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from reports.models import ProviderReport, ReportComment
from reports.services import COMMENTABLE
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role

S = ProviderReport.Status


def review_card(request: HttpRequest) -> Iterable[Card]:
    """The zorgkantoor: received reports waiting for review, and those back with the provider."""
    if not request.organization.is_zorgkantoor:
        return
    counts = ProviderReport.funder_objects.aggregate(
        waiting=Count("pk", filter=Q(status__in=ProviderReport.AWAITING_REVIEWER)),
        clarification=Count("pk", filter=Q(status=S.CLARIFICATION)),
    )
    yield Card(title=_("Reports waiting for review"), value=counts["waiting"],
               detail=_("Submitted or resubmitted by contracted providers, or in review."),
               rows=[(_("Clarification requested, with the provider"), counts["clarification"])],
               url=reverse("zk:inbox"), order=10)


def provider_card(request: HttpRequest) -> Iterable[Card]:
    """The provider: drafts to finish, and comments of the zorgkantoor waiting for an answer."""
    if not request.organization.is_provider:
        return
    org = request.organization
    counts = ProviderReport.objects.filter(organization=org).aggregate(
        drafts=Count("pk", filter=Q(status=S.DRAFT)),
        clarification=Count("pk", filter=Q(status=S.CLARIFICATION)),
    )
    open_comments = ReportComment.objects.filter(organization=org, side=ReportComment.Side.ZORGKANTOOR,
                                                 answered_by__isnull=True,
                                                 report__status__in=COMMENTABLE).count()
    yield Card(title=_("Reports to the zorgkantoor"), value=counts["clarification"],
               detail=_("Reports sent back for clarification."),
               rows=[(_("Comments waiting for your answer"), open_comments), (_("Drafts"), counts["drafts"])],
               url=reverse("reports:list"), order=60)


def register() -> None:
    register_cards([Role.ZK_REVIEWER], review_card)
    register_cards([Role.FINANCE, Role.ADMIN], provider_card)
