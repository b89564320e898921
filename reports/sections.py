"""The sections of a provider report, in report order: comments are made per section, the
report page, the PDF and the table of contents follow this list."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("clients", _("Clients in VPT care")),
    ("production", _("Client-days and declared amounts")),
    ("flow", _("Inflow and outflow")),
    ("hours", _("Planned and delivered hours")),
    ("mantelzorg", _("Mantelzorg involvement")),
    ("alarms", _("Alarm follow-up")),
    ("respite", _("Respite stays")),
    ("general", _("General")),
]
SECTION_KEYS = frozenset(key for key, _label in SECTIONS)


def section_label(key: str) -> str:
    return str(dict(SECTIONS).get(key, key))
