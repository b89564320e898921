"""National Wlz reference data: the NZa maximum tariffs. Global (not tenant-owned)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vpt.wlz import codes


class Tariff(models.Model):
    """One prestatie of the NZa tariff table, valid for a period, in euros per day.

    Structure (DOMAIN.md "Tariffs and rules as data"): a base prestatie per zorgprofiel with
    variants with/without behandeling and with/without dagbesteding; separate dagbesteding
    and vervoer prestaties when another provider runs the day activities; toeslagen on top.
    Loaded by `manage.py import_tariffs`; a new year is an import, never a code change.
    """

    class Component(models.TextChoices):
        BASE = "base", _("Base prestatie (zorgprofiel)")
        DAGBESTEDING = "dagbesteding", _("Day activities (separate prestatie)")
        VERVOER = "vervoer", _("Transport to day activities")
        TOESLAG = "toeslag", _("Supplement (toeslag)")

    prestatiecode = models.CharField(_("prestatiecode"), max_length=20)
    description = models.CharField(_("description"), max_length=200)
    component = models.CharField(_("component"), max_length=15, choices=Component.choices)
    zorgprofiel = models.CharField(_("zorgprofiel"), max_length=3, blank=True, choices=codes.zorgprofiel_choices)
    with_behandeling = models.BooleanField(_("with treatment (behandeling)"), null=True, blank=True)
    with_dagbesteding = models.BooleanField(_("with day activities (dagbesteding)"), null=True, blank=True)
    amount = models.DecimalField(_("maximum tariff per day (EUR)"), max_digits=9, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    source = models.CharField(_("source"), max_length=300)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=True, help_text=_("Demo amounts, not the official NZa table.")
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["valid_from", "prestatiecode"]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.UniqueConstraint(fields=["prestatiecode", "valid_from"], name="unique_prestatie_per_period"),
            models.CheckConstraint(name="tariff_period_order", condition=Q(valid_to__gte=models.F("valid_from"))),
            models.CheckConstraint(name="tariff_amount_not_negative", condition=Q(amount__gte=0)),
        ]
        indexes = [models.Index(fields=["component", "zorgprofiel", "valid_from"], name="tariff_lookup")]

    def __str__(self) -> str:
        return f"{self.prestatiecode} {self.valid_from:%Y} € {self.amount}"
