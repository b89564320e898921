"""iWlz-berichten: the start-of-care (AW35) and end-of-care (AW39) notifications, their XML
export (validated against the iWlz XSD, logged) and marking them as sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.forms import CareNotificationFilterForm
from billing.views.common import require_provider
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50


@requires(Perm.MANAGE_FINANCE)
def notification_list(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    form = CareNotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    notifications = selectors.care_notifications(organization=request.organization,
                                                 kind=filters.get("kind", ""), status=filters.get("status", ""))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    record_access(action=AccessLog.Action.VIEW, request=request, object_type="billing.carenotification",
                  description="iWlz notification list")
    template = "billing/iwlz_list.html#results" if request.htmx else "billing/iwlz_list.html"
    return render(request, template, {"form": form, "page": page})


@requires(Perm.MANAGE_FINANCE)
def notification_xml(request: HttpRequest, carenotification_id: int) -> HttpResponse:
    require_provider(request)
    notification = selectors.access_care_notification_by_id(request, carenotification_id)
    try:
        xml = services.care_notification_export(acting=request.membership, notification=notification,
                                                request=request)
    except ValidationError as exc:
        messages.error(request, _("The message cannot be exported: %(error)s") % {"error": " ".join(exc.messages)})
        return redirect("billing:iwlz")
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    filename = f"{notification.message_code}-{notification.reference}.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@requires(Perm.MANAGE_FINANCE)
def notification_mark_sent(request: HttpRequest, carenotification_id: int) -> HttpResponse:
    require_provider(request)
    notification = selectors.access_care_notification_by_id(request, carenotification_id)
    try:
        services.care_notification_mark_sent(acting=request.membership, notification=notification, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(message)s %(reference)s has been marked as sent.")
                         % {"message": notification.message_code, "reference": notification.reference})
    return redirect("billing:iwlz")
