from django import template

from vpt.wlz import codes

register = template.Library()


@register.filter
def zorgprofiel(code: str | None) -> str:
    """'754' -> '5VV'."""
    return codes.zorgprofiel_short(code) if code else ""
