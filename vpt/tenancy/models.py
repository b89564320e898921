"""Organisations (tenants), memberships and the base class of every tenant-owned model."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager, ScopeError

from vpt.tenancy.context import current_organization_id
from vpt.tenancy.roles import PROVIDER_ROLES, ZORGKANTOOR_ROLES, Perm, Role, role_has_perm


class Region(models.Model):
    """A zorgkantoor region (zorgkantoorregio); each is served by one zorgkantoor."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    zorgkantoor = models.ForeignKey(
        "tenancy.Organization",
        verbose_name=_("zorgkantoor"),
        on_delete=models.PROTECT,
        related_name="served_regions",
        null=True,
        blank=True,
        limit_choices_to={"kind": "zorgkantoor"},
    )
    iwlz_code = models.CharField(
        _("iWlz zorgkantoor code"), max_length=4, blank=True,
        help_text=_("The region's code in iWlz messages (LDT_ZorgkantoorCode, e.g. 5518 Haaglanden)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A tenant: a care provider (zorgaanbieder) or a zorgkantoor."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", _("Care provider")  # delivers VPT, owns client data
        ZORGKANTOOR = "zorgkantoor", _("Zorgkantoor")  # funds and reviews, sees submitted reports only

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    agb_code = models.CharField(
        _("AGB code"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", _("An AGB code has 8 digits."))],
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="organizations",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                name="provider_has_agb_code",
                condition=~models.Q(kind="provider") | ~models.Q(agb_code=""),
            ),
            models.UniqueConstraint(
                fields=["agb_code"], condition=~models.Q(agb_code=""), name="unique_agb_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == self.Kind.PROVIDER

    @property
    def is_zorgkantoor(self) -> bool:
        return self.kind == self.Kind.ZORGKANTOOR


class Membership(models.Model):
    """A user's place in one organisation, with exactly one role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org")
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def has_perm(self, perm: Perm) -> bool:
        return self.is_active and role_has_perm(self.role, perm)

    @staticmethod
    def roles_for_kind(kind: str) -> frozenset[str]:
        return PROVIDER_ROLES if kind == Organization.Kind.PROVIDER else ZORGKANTOOR_ROLES


class TenantModel(models.Model):
    """Base of every tenant-owned model.

    - `organization` leads every index and unique constraint of the subclass;
    - `objects` is a django-scopes manager: a query outside `tenant_scope()` raises;
    - on PostgreSQL, `vpt.tenancy.rls` enables and forces row-level security on the table
      after every migrate, and the isolation tests pick the model up automatically.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True
        base_manager_name = "objects"


FUNDER_PREDICATE = "zorgkantoor_id = NULLIF(current_setting('vpt.organization_id', true), '')::bigint"


class FunderManager(models.Manager):
    """The zorgkantoor's view of a provider-owned model (the application half of the
    `RLS_FUNDER` policies): rows whose `zorgkantoor` is the active tenant, narrowed by
    `visible` (e.g. not a draft). Like the tenant manager it refuses to run without an
    active tenant scope; it never returns rows of another zorgkantoor.

    Writes by the zorgkantoor go through `queryset.update()` on this manager: `save()` uses
    the provider-scoped base manager, which cannot see these rows."""

    def __init__(self, visible: models.Q | None = None) -> None:
        super().__init__()
        self.visible = visible

    def get_queryset(self) -> models.QuerySet:
        funder_id = current_organization_id()
        if funder_id is None:
            raise ScopeError(f"{self.model.__name__}.funder_objects used outside a tenant scope")
        qs = super().get_queryset().filter(zorgkantoor_id=funder_id)
        return qs.filter(self.visible) if self.visible is not None else qs


class Team(TenantModel):
    """A district team (wijkteam) of a provider. Lives in the core because it decides what
    a member may see: coaches and support staff see the clients of their own teams, team
    managers those of the teams they manage. The teams app adds employees and visits."""

    name = models.CharField(_("name"), max_length=100)
    district = models.CharField(_("district (wijk)"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        Membership, verbose_name=_("members"), related_name="teams", blank=True
    )
    manager = models.ForeignKey(
        Membership, verbose_name=_("team manager"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_team_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Contract(TenantModel):
    """A provider's contract with a zorgkantoor for one year: the production agreement and
    the contracted tariff, as a percentage of the NZa maximum or an amount per prestatie
    (ContractTariff). Owned by the provider (`organization`); the zorgkantoor reads it too."""

    zorgkantoor = models.ForeignKey(
        Organization, verbose_name=_("zorgkantoor"), on_delete=models.PROTECT, related_name="contracts_as_funder",
        limit_choices_to={"kind": "zorgkantoor"},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    production_agreement = models.DecimalField(_("production agreement (EUR)"), max_digits=12, decimal_places=2)
    percentage = models.DecimalField(
        _("percentage of the NZa maximum"), max_digits=5, decimal_places=2, default=100,
    )
    products = models.JSONField(
        _("contracted products"), default=list, blank=True,
        help_text=_("The zorgprofielen (iWlz codes) the provider is contracted to deliver as VPT."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    # Both parties of the contract see it; only the provider changes it.
    RLS_FUNDER = {"SELECT": FUNDER_PREDICATE}
    funder_objects = FunderManager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        base_manager_name = "objects"
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "zorgkantoor", "year"], name="one_contract_per_year"),
            models.CheckConstraint(
                name="contract_percentage_range",
                condition=models.Q(percentage__gt=0) & models.Q(percentage__lte=100),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zorgkantoor} {self.year}"


class ContractTariff(TenantModel):
    """An agreed amount per day for one prestatie, overriding the contract percentage."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tariffs")
    prestatiecode = models.CharField(_("prestatiecode"), max_length=20)
    amount = models.DecimalField(_("contracted tariff per day (EUR)"), max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["prestatiecode"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "contract", "prestatiecode"], name="one_amount_per_prestatie"),
        ]

    def __str__(self) -> str:
        return f"{self.prestatiecode} € {self.amount}"
