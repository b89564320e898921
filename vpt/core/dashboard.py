"""Dashboard cards per role. Apps register card providers in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass
class Card:
    title: str
    value: str | int
    detail: str = ""
    url: str = ""
    rows: list[tuple[str, str | int]] = field(default_factory=list)
    order: int = 100


CardProvider = Callable[[HttpRequest], Iterable[Card]]
_providers: list[tuple[frozenset[str], CardProvider]] = []


def register_cards(roles: Iterable[str], provider: CardProvider) -> None:
    _providers.append((frozenset(roles), provider))


def cards_for(request: HttpRequest) -> list[Card]:
    role = request.membership.role
    cards: list[Card] = []
    for roles, provider in _providers:
        if role in roles:
            cards.extend(provider(request))
    return sorted(cards, key=lambda c: c.order)
