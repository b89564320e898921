"""The client file: clients, Wlz indications, network, eligibility, absences, imports."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from vpt.core import crypto
from vpt.tenancy.models import Membership, Team, TenantModel
from vpt.wlz import codes


class ClientQuerySet(models.QuerySet):
    def in_care_on(self, day: date) -> ClientQuerySet:
        return self.filter(status=Client.Status.IN_CARE, care_start__lte=day).filter(
            Q(care_end__isnull=True) | Q(care_end__gte=day)
        )


class Client(TenantModel):
    class Status(models.TextChoices):
        INTAKE = "intake", _("Intake")  # being assessed; no care delivered or billed yet
        IN_CARE = "in_care", _("In care")  # receives VPT from care_start
        ENDED = "ended", _("Care ended")  # care_end and end_reason are set

    class EndReason(models.TextChoices):
        NURSING_HOME = "nursing_home", _("Moved to a nursing home")
        DECEASED = "deceased", _("Deceased")
        OTHER = "other", _("Other")

    class IdDocument(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        ID_CARD = "id_card", _("Identity card")
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")

    first_name = models.CharField(_("first name"), max_length=100)
    name_prefix = models.CharField(_("prefix"), max_length=20, blank=True)  # tussenvoegsel
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    # BSN: never stored in clear text. Encrypted value, keyed hash for lookups and
    # uniqueness, and the last four digits for the masked display and suffix search.
    bsn_encrypted = models.TextField(editable=False)
    bsn_hash = models.CharField(max_length=64, editable=False)
    bsn_last4 = models.CharField(max_length=4, editable=False)
    id_document_type = models.CharField(_("identity document"), max_length=20, choices=IdDocument.choices, blank=True)
    id_document_number_encrypted = models.TextField(blank=True, editable=False)

    street = models.CharField(_("street"), max_length=150)
    house_number = models.PositiveIntegerField(_("house number"))
    house_number_suffix = models.CharField(_("addition"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7)  # normalised "1234 AB"
    city = models.CharField(_("city"), max_length=100)
    district = models.CharField(_("district (wijk)"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    gp_name = models.CharField(_("GP (huisarts)"), max_length=150, blank=True)
    gp_phone = models.CharField(_("GP phone"), max_length=30, blank=True)

    primary_team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="clients")
    client_coach = models.ForeignKey(
        Membership,
        verbose_name=_("client coach"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coached_clients",
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INTAKE)
    care_start = models.DateField(_("start of care"), null=True, blank=True)
    care_end = models.DateField(_("end of care"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note on ending"), max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(_manager_class=models.Manager.from_queryset(ClientQuerySet), organization="organization")

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "bsn_hash"], name="unique_bsn_per_org"),
            models.CheckConstraint(
                name="client_end_has_date_and_reason",
                condition=~Q(status="ended") | (Q(care_end__isnull=False) & ~Q(end_reason="")),
            ),
            models.CheckConstraint(
                name="client_in_care_has_start", condition=~Q(status="in_care") | Q(care_start__isnull=False)
            ),
            models.CheckConstraint(
                name="client_care_end_after_start",
                condition=Q(care_end__isnull=True) | Q(care_start__isnull=True) | Q(care_end__gte=models.F("care_start")),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name"], name="client_org_name"),
            models.Index(fields=["organization", "postcode"], name="client_org_postcode"),
            models.Index(fields=["organization", "bsn_last4"], name="client_org_bsn_last4"),
            models.Index(fields=["organization", "primary_team", "status"], name="client_org_team_status"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)

    @property
    def sort_name(self) -> str:
        prefix = f" {self.name_prefix}" if self.name_prefix else ""
        return f"{self.last_name}, {self.first_name}{prefix}"

    @property
    def address(self) -> str:
        number = f"{self.house_number}{self.house_number_suffix and ' ' + self.house_number_suffix}"
        return f"{self.street} {number}, {self.postcode} {self.city}"

    @property
    def bsn_masked(self) -> str:
        return f"•••••{self.bsn_last4}"

    def reveal_bsn(self) -> str:
        """The BSN in clear text. Call only through services.client_reveal_bsn (logged)."""
        return crypto.decrypt(self.bsn_encrypted)

    def set_bsn(self, bsn: str) -> None:
        self.bsn_encrypted = crypto.encrypt(bsn)
        self.bsn_hash = bsn_lookup_hash(bsn)
        self.bsn_last4 = bsn[-4:]

    @property
    def age(self) -> int:
        today = timezone.localdate()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def bsn_lookup_hash(bsn: str) -> str:
    return crypto.lookup_hash(bsn, purpose="bsn")


class IndicationQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> IndicationQuerySet:
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def vpt(self) -> IndicationQuerySet:
        return self.filter(leveringsvorm=codes.LEVERINGSVORM_VPT)

    def expiring_within(self, days: int, *, today: date) -> IndicationQuerySet:
        return self.filter(valid_to__gte=today, valid_to__lte=today + timedelta(days=days))


class WlzIndication(TenantModel):
    """A CIZ decision: the client's zorgprofiel and delivery form for a period.

    Two VPT indications of one client never overlap (service check; on PostgreSQL also an
    exclusion constraint)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="indications")
    zorgprofiel = models.CharField(_("zorgprofiel"), max_length=3, choices=codes.zorgprofiel_choices)
    leveringsvorm = models.CharField(
        _("delivery form"), max_length=1, choices=codes.leveringsvorm_choices, default=codes.LEVERINGSVORM_VPT
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: open-ended."))
    with_behandeling = models.BooleanField(
        _("with treatment (behandeling)"), default=False,
        help_text=_("The indication includes treatment (VPT variant 'met behandeling')."),
    )
    ciz_reference = models.CharField(_("CIZ decision reference"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedManager(_manager_class=models.Manager.from_queryset(IndicationQuerySet), organization="organization")

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("Wlz indication")
        verbose_name_plural = _("Wlz indications")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                name="indication_to_after_from",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "client", "valid_from"], name="indication_org_client_from"),
            models.Index(fields=["organization", "valid_to"], name="indication_org_valid_to"),
        ]

    def __str__(self) -> str:
        return f"{self.zorgprofiel_short} {self.valid_from:%d-%m-%Y} – {self.valid_to:%d-%m-%Y}" if self.valid_to else f"{self.zorgprofiel_short} {self.valid_from:%d-%m-%Y} –"

    @property
    def zorgprofiel_short(self) -> str:
        return codes.zorgprofiel_short(self.zorgprofiel)

    @property
    def is_vpt(self) -> bool:
        return self.leveringsvorm == codes.LEVERINGSVORM_VPT

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class NetworkMember(TenantModel):
    """Someone around the client: mantelzorger, neighbour, volunteer. The arrangement's task
    division builds on what they want to keep doing and when they are available."""

    class Relation(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CHILD = "child", _("Son or daughter")
        FAMILY = "family", _("Other family")
        NEIGHBOUR = "neighbour", _("Neighbour")
        FRIEND = "friend", _("Friend")
        VOLUNTEER = "volunteer", _("Volunteer")
        REPRESENTATIVE = "representative", _("Legal representative")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="network")
    name = models.CharField(_("name"), max_length=150)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tasks = models.TextField(_("wants to keep doing"), blank=True, help_text=_("e.g. breakfast, laundry, shopping"))
    availability = models.CharField(_("availability"), max_length=300, blank=True, help_text=_("e.g. weekdays after 17:00"))
    hours_per_week = models.DecimalField(_("hours per week (estimate)"), max_digits=4, decimal_places=1, null=True, blank=True)
    is_contact_person = models.BooleanField(_("contact person"), default=False)
    consent_to_share = models.BooleanField(_("consent to share information"), default=False)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_contact_person", "name"]
        verbose_name = _("network member")
        verbose_name_plural = _("network")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "client"], name="network_org_client")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class EligibilityAssessment(TenantModel):
    """One assessment of whether VPT in de wijk suits the client (DOMAIN.md, "Who qualifies").
    Never edited: a re-assessment is a new row, so the history stays."""

    class Decision(models.TextChoices):
        SUITABLE = "suitable", _("Suitable")
        SUITABLE_WITH_CONDITIONS = "conditional", _("Suitable with conditions")
        NOT_SUITABLE = "not_suitable", _("Not suitable")

    # (field name, label) of the checklist; True = condition met / signal present.
    CONDITIONS = (
        ("has_wlz_indication", _("Wlz indication 4, 5 or 6 (VV or LG)")),
        ("psychosocial_need", _("Emphasis on a psychosocial rather than somatic care need")),
        ("mobile_in_home", _("Mobile: moves independently inside the home")),
        ("self_direction", _("Some form of self-direction (regie)")),
        ("network_cooperation", _("Cooperation with the social network")),
    )
    LIMITS = (
        ("safe_for_client_and_staff", _("Safe for the client and for staff")),
        ("home_adds_value", _("Staying at home adds value for the client")),
    )
    SIGNALS = (
        ("signal_wandering", _("Extreme wandering")),
        ("signal_night_unrest", _("Much night-time unrest")),
        ("signal_intensive_nursing", _("Intensive nursing needs")),
        ("signal_immobile", _("Unable to move independently")),
        ("signal_constant_supervision", _("Needs intensive 24-hour supervision")),
        ("signal_cannot_call_for_help", _("Cannot call for help (alarm)")),
        ("signal_no_mantelzorg", _("No mantelzorg")),
    )

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    has_wlz_indication = models.BooleanField(_("Wlz indication 4, 5 or 6 (VV or LG)"))
    psychosocial_need = models.BooleanField(_("psychosocial care need"))
    mobile_in_home = models.BooleanField(_("mobile in the home"))
    self_direction = models.BooleanField(_("self-direction"))
    network_cooperation = models.BooleanField(_("network cooperation"))
    safe_for_client_and_staff = models.BooleanField(_("safe for client and staff"))
    home_adds_value = models.BooleanField(_("home adds value"))
    signal_wandering = models.BooleanField(_("extreme wandering"))
    signal_night_unrest = models.BooleanField(_("night-time unrest"))
    signal_intensive_nursing = models.BooleanField(_("intensive nursing"))
    signal_immobile = models.BooleanField(_("cannot move independently"))
    signal_constant_supervision = models.BooleanField(_("intensive 24-hour supervision"))
    signal_cannot_call_for_help = models.BooleanField(_("cannot call for help"))
    signal_no_mantelzorg = models.BooleanField(_("no mantelzorg"))
    notes = models.TextField(_("notes"), blank=True)
    decision = models.CharField(_("decision"), max_length=15, choices=Decision.choices)
    conditions = models.TextField(_("conditions"), blank=True, help_text=_("Required for 'suitable with conditions'."))
    reassess_on = models.DateField(_("re-assess on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_by_name = models.CharField(max_length=150, editable=False)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("eligibility assessment")
        verbose_name_plural = _("eligibility assessments")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                name="conditional_decision_has_conditions",
                condition=~Q(decision="conditional") | ~Q(conditions=""),
            ),
        ]
        indexes = [models.Index(fields=["organization", "client", "-assessed_on"], name="assessment_org_client")]

    def __str__(self) -> str:
        return f"{self.assessed_on:%d-%m-%Y} {self.get_decision_display()}"

    @property
    def is_positive(self) -> bool:
        return self.decision in (self.Decision.SUITABLE, self.Decision.SUITABLE_WITH_CONDITIONS)

    def signals_present(self) -> list[str]:
        return [str(label) for name, label in self.SIGNALS if getattr(self, name)]

    def unmet(self) -> list[str]:
        return [str(label) for name, label in self.CONDITIONS + self.LIMITS if not getattr(self, name)]


class Absence(TenantModel):
    """The client is away from home. Dates are the day of leaving and the day of returning;
    the absence days run from the day after leaving to the day before returning (NZa)."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Admission (hospital, rehabilitation, mental health)")
        HOLIDAY = "holiday", _("Holiday / stay with family")
        RESPITE = "respite", _("Respite stay (logeeropvang)")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    left_on = models.DateField(_("left on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True, help_text=_("Empty while still away."))
    zorgkantoor_consent = models.CharField(
        _("zorgkantoor consent (reference)"),
        max_length=100,
        blank=True,
        help_text=_("Needed for more than 14 holiday days in a row."),
    )
    extension_granted_on = models.DateField(
        _("extension granted on"),
        null=True,
        blank=True,
        help_text=_("Admissions beyond 91 days: date the zorgkantoor granted the extension."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-left_on", "-pk"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                name="absence_return_after_leaving",
                condition=Q(returned_on__isnull=True) | Q(returned_on__gt=models.F("left_on")),
            ),
        ]
        indexes = [models.Index(fields=["organization", "client", "left_on"], name="absence_org_client_left")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.left_on:%d-%m-%Y}"

    def absence_days(self, until: date | None = None) -> list[date]:
        """Days counted as absent: the day after leaving up to the day before returning
        (or up to `until` while the client is still away)."""
        last = self.returned_on - timedelta(days=1) if self.returned_on else until
        if last is None:
            return []
        first = self.left_on + timedelta(days=1)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def nights(self, until: date | None = None) -> list[date]:
        """Respite nights, each named by the evening it starts (left_on .. returned_on - 1)."""
        end = self.returned_on or until
        if end is None:
            return []
        return [self.left_on + timedelta(days=i) for i in range((end - self.left_on).days)]


class ClientImport(TenantModel):
    """An uploaded CSV of clients with indications: previewed first, committed all-or-nothing."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, not yet imported")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Refused")

    filename = models.CharField(max_length=200)
    content = models.TextField()  # the CSV as text; removed after import (contains BSNs)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        base_manager_name = "objects"

    def __str__(self) -> str:
        return self.filename
