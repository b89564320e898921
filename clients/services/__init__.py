"""Writes of the client file. One module per subject; import from here."""

from clients.services.absences import absence_delete, absence_save
from clients.services.assessments import assessment_create
from clients.services.clients import (
    client_create,
    client_end_care,
    client_reveal_bsn,
    client_start_care,
    client_update,
    record_client_view,
)
from clients.services.imports import import_commit, import_preview
from clients.services.indications import indication_create, indication_update
from clients.services.network import network_member_delete, network_member_save

__all__ = [
    "absence_delete",
    "absence_save",
    "assessment_create",
    "client_create",
    "client_end_care",
    "client_reveal_bsn",
    "client_start_care",
    "client_update",
    "import_commit",
    "import_preview",
    "indication_create",
    "indication_update",
    "network_member_delete",
    "network_member_save",
    "record_client_view",
]
