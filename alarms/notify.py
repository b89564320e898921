"""Notifications: always in-app (a `Notification` row per recipient, shown on the tablet),
and through the backends listed in settings.VPT_NOTIFY_BACKENDS (dotted paths of classes
with a `send(membership, text)` method): `ConsoleBackend` logs (the demo), `EmailBackend`
mails through Django's e-mail settings. An SMS gateway is one more class with the same
method; none is shipped because each gateway has its own API.

A backend that fails is logged and never stops the in-app notification or the caller
(escalation must not depend on an outside service being up)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from alarms.models import Alarm, ChannelOutage, Notification
from vpt.tenancy.models import Membership

log = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, membership: Membership, text: str) -> None:
        log.info("notify %s: %s", membership.user.get_username(), text)


class EmailBackend:
    def send(self, membership: Membership, text: str) -> None:
        if membership.user.email:
            send_mail(subject=text[:78], message=text, from_email=None, recipient_list=[membership.user.email])


@cache
def _backends(paths: tuple[str, ...]) -> list:
    return [import_string(path)() for path in paths]


def send(recipients: Iterable[Membership], *, text: str, alarm: Alarm | None = None,
         outage: ChannelOutage | None = None) -> int:
    recipients = list({m.pk: m for m in recipients}.values())
    if not recipients:
        return 0
    org_id = (alarm or outage).organization_id
    Notification.objects.bulk_create(
        Notification(organization_id=org_id, membership=m, alarm=alarm, outage=outage, text=text[:300])
        for m in recipients
    )
    for backend in _backends(tuple(getattr(settings, "VPT_NOTIFY_BACKENDS", ()))):
        for membership in recipients:
            try:
                backend.send(membership, text)
            except Exception:
                log.exception("notification backend %s failed", type(backend).__name__)
    return len(recipients)
