"""The absence rules for VPT, as pure functions (no database).

Sources (DOMAIN.md "Absence rules for VPT"): the NZa information card on absence in
long-term care (holiday, admission, the 14 days of VPT before absence counts) and the VGZ
zorgkantoor for respite stays (logeeropvang). The limits are data in
`vpt/wlz/data/absence_rules.toml`, read through `vpt.wlz.rules.absence_rules(day)`.

`check_absence()` takes the absence being saved (an unsaved or changed `Absence`) and the
client's other absences, and returns `(errors, warnings)`: lists of translated messages.
Errors refuse the save; warnings are shown after saving.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from clients.models import Absence
from vpt.wlz.rules import absence_rules


class RuleMessage(str):
    """A translated message that remembers the form field it belongs to (None: the whole
    absence), so a service can raise field-specific errors."""

    field: str | None

    def __new__(cls, text: str, field: str | None = None) -> RuleMessage:
        message = super().__new__(cls, text)
        message.field = field
        return message


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _rules_for_year(year: int):  # noqa: ANN202
    return absence_rules(date(year, 1, 1))


def counted_days(absence: Absence, today: date) -> list[date]:
    """Absence days (day after leaving .. day before returning); while still away, up to today."""
    return absence.absence_days(until=today)


def counted_nights(absence: Absence, today: date) -> list[date]:
    """Respite nights named by their evening; while still away, up to tonight."""
    return absence.nights(until=today + timedelta(days=1))


def _end(absence: Absence) -> date:
    return absence.returned_on or date.max


def overlaps(a: Absence, b: Absence) -> bool:
    """Two stays away overlap when one leaves before the other has returned. Returning and
    leaving on the same day is fine (that day is not an absence day of either)."""
    return a.left_on < _end(b) and b.left_on < _end(a)


def date_order_errors(left_on: date | None, returned_on: date | None) -> list[RuleMessage]:
    if left_on and returned_on and returned_on <= left_on:
        return [RuleMessage(_("The day of returning must be after the day of leaving."), "returned_on")]
    return []


def check_absence(
    absence: Absence, others: Iterable[Absence], *, care_start: date | None, today: date
) -> tuple[list[RuleMessage], list[RuleMessage]]:
    """All absence rules for `absence` against the client's `others` (the absence itself
    excluded). Open-ended absences count up to today."""
    errors = date_order_errors(absence.left_on, absence.returned_on)
    warnings: list[RuleMessage] = []
    if errors:
        return errors, warnings
    others = list(others)
    rules = absence_rules(absence.left_on)

    for other in others:
        if overlaps(absence, other):
            errors.append(RuleMessage(
                _("This absence overlaps the absence %(kind)s from %(left)s to %(returned)s.") % {
                    "kind": other.get_kind_display(),
                    "left": _fmt(other.left_on),
                    "returned": _fmt(other.returned_on) if other.returned_on else _("still away"),
                }
            ))

    same_kind = [o for o in others if o.kind == absence.kind]
    if absence.kind == Absence.Kind.HOLIDAY:
        errors += _holiday_errors(absence, same_kind, today, rules)
    elif absence.kind == Absence.Kind.ADMISSION:
        errors += _admission_errors(absence, today, rules)
    elif absence.kind == Absence.Kind.RESPITE:
        errors += _respite_year_errors(absence, same_kind, today)
        warnings += _respite_week_warnings(absence, same_kind, today, rules)

    warnings += _care_start_warnings(absence, care_start, rules)
    return errors, warnings


def _holiday_errors(absence: Absence, others: list[Absence], today: date, rules) -> list[RuleMessage]:  # noqa: ANN001
    """NZa: holiday and stays with family at most 42 absence days per calendar year (days
    across New Year count in their own year); more than 14 in a row needs the zorgkantoor's
    prior consent."""
    errors = []
    own = counted_days(absence, today)
    per_year = Counter(d.year for o in [absence, *others] for d in counted_days(o, today))
    for year in sorted({d.year for d in own}):
        limit = _rules_for_year(year).holiday_max_days_per_year
        if per_year[year] > limit:
            errors.append(RuleMessage(
                _("Holiday absence is limited to %(limit)s days per calendar year; with this absence %(year)s "
                  "would have %(count)s holiday days.") % {"limit": limit, "year": year, "count": per_year[year]}
            ))
    in_a_row = rules.holiday_max_consecutive_days_without_consent
    if len(own) > in_a_row and not absence.zorgkantoor_consent.strip():
        errors.append(RuleMessage(
            _("More than %(limit)s holiday days in a row (this absence has %(count)s) need the zorgkantoor's "
              "prior consent: fill in its reference.") % {"limit": in_a_row, "count": len(own)},
            "zorgkantoor_consent",
        ))
    return errors


def _admission_errors(absence: Absence, today: date, rules) -> list[RuleMessage]:  # noqa: ANN001
    """NZa: an admission counts at most 91 consecutive absence days, unless the zorgkantoor
    granted an extension within those 91 days."""
    errors = []
    limit = rules.admission_max_consecutive_days
    first = absence.left_on + timedelta(days=1)
    last_allowed = absence.left_on + timedelta(days=limit)
    granted = absence.extension_granted_on
    if granted is not None and not first <= granted <= last_allowed:
        errors.append(RuleMessage(
            _("An extension must be granted within the first %(limit)s days of the admission, from %(first)s to "
              "%(last)s; %(granted)s is outside that period.") % {
                "limit": limit, "first": _fmt(first), "last": _fmt(last_allowed), "granted": _fmt(granted)},
            "extension_granted_on",
        ))
    count = len(counted_days(absence, today))
    if count > limit and granted is None:
        errors.append(RuleMessage(
            _("An admission may count at most %(limit)s absence days in a row; this one has %(count)s. Record the "
              "date the zorgkantoor granted an extension.") % {"limit": limit, "count": count},
            "extension_granted_on",
        ))
    return errors


def _respite_year_errors(absence: Absence, others: list[Absence], today: date) -> list[RuleMessage]:
    """VGZ: at most 156 respite nights per calendar year; a night belongs to the year of its
    evening."""
    errors = []
    own = counted_nights(absence, today)
    per_year = Counter(n.year for o in [absence, *others] for n in counted_nights(o, today))
    for year in sorted({n.year for n in own}):
        limit = _rules_for_year(year).respite_max_nights_per_year
        if per_year[year] > limit:
            errors.append(RuleMessage(
                _("Respite stays are limited to %(limit)s nights per calendar year; with this stay %(year)s would "
                  "have %(count)s nights.") % {"limit": limit, "year": year, "count": per_year[year]}
            ))
    return errors


def _respite_week_warnings(absence: Absence, others: list[Absence], today: date, rules) -> list[RuleMessage]:  # noqa: ANN001
    """VGZ: the yearly limit assumes on average 3 nights a week. More in one ISO week is
    allowed, but worth a warning."""
    average = rules.respite_average_nights_per_week
    per_week = Counter(n.isocalendar()[:2] for o in [absence, *others] for n in counted_nights(o, today))
    own_weeks = sorted({n.isocalendar()[:2] for n in counted_nights(absence, today)})
    return [
        RuleMessage(
            _("Week %(week)s of %(year)s has %(count)s respite nights, more than the average of %(average)s a "
              "week.") % {"week": week, "year": year, "count": per_week[(year, week)], "average": average}
        )
        for year, week in own_weeks
        if per_week[(year, week)] > average
    ]


def _care_start_warnings(absence: Absence, care_start: date | None, rules) -> list[RuleMessage]:  # noqa: ANN001
    """NZa: absence days count only after the client had VPT for at least 14 days."""
    minimum = rules.min_vpt_days_before_absence
    if care_start is None or (absence.left_on - care_start).days + 1 >= minimum:
        return []
    return [RuleMessage(
        _("This absence starts within the first %(days)s days of care (care started %(start)s): its absence days "
          "cannot be declared.") % {"days": minimum, "start": _fmt(care_start)}
    )]


@dataclass(frozen=True)
class YearTotals:
    year: int
    holiday_days: int
    holiday_limit: int
    respite_nights: int
    respite_limit: int


def year_totals(absences: Iterable[Absence], *, year: int, today: date) -> YearTotals:
    """Holiday days and respite nights used in `year`, with their limits (for the overview)."""
    absences = list(absences)
    rules = _rules_for_year(year)
    return YearTotals(
        year=year,
        holiday_days=sum(
            1 for a in absences if a.kind == Absence.Kind.HOLIDAY for d in counted_days(a, today) if d.year == year
        ),
        holiday_limit=rules.holiday_max_days_per_year,
        respite_nights=sum(
            1 for a in absences if a.kind == Absence.Kind.RESPITE for n in counted_nights(a, today) if n.year == year
        ),
        respite_limit=rules.respite_max_nights_per_year,
    )


def counted(absence: Absence, today: date) -> int:
    """What the overview shows per absence: nights for a respite stay, absence days otherwise."""
    if absence.kind == Absence.Kind.RESPITE:
        return len(counted_nights(absence, today))
    return len(counted_days(absence, today))
