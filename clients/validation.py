"""Dutch identifiers: BSN (elfproef) and postcode, with messages people understand."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode


def clean_bsn(value: str) -> str:
    """A valid BSN as 9 digits. Elfproef with weights 9..2 and -1 (python-stdnum), which also
    refuses 000000000; passing does not prove the number exists (DOMAIN.md)."""
    raw = re.sub(r"[\s.\-]", "", value or "")
    if not raw.isdigit() or len(raw) not in (8, 9):
        raise ValidationError(_("A BSN has 9 digits."), code="bsn_format")
    try:
        return stdnum_bsn.validate(raw.zfill(9))
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid BSN (the elfproef fails). Check the number on the ID document."),
            code="bsn_elfproef",
        ) from exc


def clean_postcode(value: str) -> str:
    """A Dutch postcode normalised to '1234 AB' (no leading zero; SA, SD, SS are not issued)."""
    try:
        return stdnum_postcode.validate(value or "")
    except StdnumError as exc:
        raise ValidationError(_("A Dutch postcode looks like 1234 AB."), code="postcode") from exc
