"""Navigation per role, derived from the permission matrix.

Apps register their entries in their AppConfig.ready(); the core never imports an app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from vpt.tenancy.roles import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: Perm
    order: int = 100
    provider_only: bool = False


_items: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if item not in _items:
        _items.append(item)
        _items.sort(key=lambda i: i.order)


def navigation_for(request: HttpRequest) -> list[dict]:
    membership = request.membership
    result = []
    for item in _items:
        if not membership.has_perm(item.perm):
            continue
        if item.provider_only and not membership.organization.is_provider:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        result.append({"label": item.label, "url": url, "active": False})
    # The most specific entry whose URL starts the path is the active one (/zorgkantoor/regio/
    # is "Region", not also "Review inbox" at /zorgkantoor/).
    matches = [e for e in result if request.path == e["url"] or (e["url"] != "/" and request.path.startswith(e["url"]))]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return result
