from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clients.models import Client, EligibilityAssessment
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership

CHECKLIST = [name for name, _label in EligibilityAssessment.CONDITIONS + EligibilityAssessment.LIMITS + EligibilityAssessment.SIGNALS]


@transaction.atomic
def assessment_create(*, acting: Membership, client: Client, request: HttpRequest | None = None, **data: Any) -> EligibilityAssessment:
    """Record an eligibility assessment (DOMAIN.md, "Who qualifies"): every checklist item
    answered, a decision, conditions spelled out when the decision has conditions, and who
    decided. Never edited afterwards: a re-assessment is a new record."""
    missing = [name for name in CHECKLIST if data.get(name) is None]
    if missing:
        raise ValidationError(_("Answer every item of the checklist."))
    if data.get("decision") == EligibilityAssessment.Decision.SUITABLE_WITH_CONDITIONS and not (data.get("conditions") or "").strip():
        raise ValidationError({"conditions": _("Describe the conditions under which VPT in de wijk is suitable.")})
    if data.get("reassess_on") and data.get("assessed_on") and data["reassess_on"] <= data["assessed_on"]:
        raise ValidationError({"reassess_on": _("The re-assessment date must be after the assessment date.")})
    assessment = EligibilityAssessment(
        organization=client.organization,
        client=client,
        decided_by=acting.user,
        decided_by_name=acting.user.get_full_name() or acting.user.get_username(),
        **{k: v for k, v in data.items() if k in [*CHECKLIST, "assessed_on", "notes", "decision", "conditions", "reassess_on"]},
    )
    assessment.full_clean(exclude=["organization", "client", "decided_by"])
    assessment.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk,
                  obj=assessment, description=f"eligibility: {assessment.decision}")
    return assessment
