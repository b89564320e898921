"""The standard menu card (menukaart) of a VPT-in-de-wijk provider, with 2026 cost prices.

Used by the demo data and by the "start from the standard card" button
(`arrangements.services.menu.menu_load_defaults`). Names and descriptions are data in
Dutch, as the provider shows them to clients; they are not UI strings and are not
translated. The elements follow the example provider in DOMAIN.md ("The arrangement"):
personal alarm, door access and the service subscription are fixed elements of every
arrangement; the rest is tradeable within the tariff.

Cost prices are the provider's own integral cost per unit (salary scale of the function
level plus overhead), not NZa tariffs: level 2 ≈ €52 and level 3 ≈ €61 per hour of
personal care, nursing at level 4 higher. Quantities for "per occurrence" are
occurrences per month (see arrangements.costs).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from arrangements.models import MenuItem

K = MenuItem.Kind
U = MenuItem.Unit

DEFAULT_MENU: list[dict[str, Any]] = [
    # --- care and support by the team, in hours per week at a function level -------------
    {
        "code": "persoonlijke-verzorging-n2",
        "name": "Persoonlijke verzorging (niveau 2)",
        "kind": K.PERSONAL_CARE, "unit": U.HOURS_PER_WEEK, "function_level": 2,
        "cost_price": Decimal("52.00"), "default_quantity": Decimal("5"),
        "description": "Hulp bij wassen, aankleden, steunkousen, eten en drinken.",
    },
    {
        "code": "persoonlijke-verzorging-n3",
        "name": "Persoonlijke verzorging (niveau 3)",
        "kind": K.PERSONAL_CARE, "unit": U.HOURS_PER_WEEK, "function_level": 3,
        "cost_price": Decimal("61.00"), "default_quantity": Decimal("3"),
        "description": "Verzorging met voorbehouden en risicovolle handelingen, medicatie aanreiken.",
    },
    {
        "code": "verpleging-n3",
        "name": "Verpleging (niveau 3)",
        "kind": K.NURSING, "unit": U.HOURS_PER_WEEK, "function_level": 3,
        "cost_price": Decimal("63.50"), "default_quantity": Decimal("1"),
        "description": "Wondzorg, injecties, katheterzorg door een verzorgende IG.",
    },
    {
        "code": "verpleging-n4",
        "name": "Verpleging (niveau 4)",
        "kind": K.NURSING, "unit": U.HOURS_PER_WEEK, "function_level": 4,
        "cost_price": Decimal("71.00"), "default_quantity": Decimal("1"),
        "description": "Complexe verpleegtechnische handelingen door een verpleegkundige.",
    },
    {
        "code": "individuele-begeleiding-n2",
        "name": "Individuele begeleiding thuis (niveau 2)",
        "kind": K.SUPPORT, "unit": U.HOURS_PER_WEEK, "function_level": 2,
        "cost_price": Decimal("50.00"), "default_quantity": Decimal("3"),
        "description": "Dagstructuur, samen boodschappen doen, een wandeling, ondersteuning bij post en afspraken.",
    },
    {
        "code": "individuele-begeleiding-n3",
        "name": "Individuele begeleiding thuis (niveau 3)",
        "kind": K.SUPPORT, "unit": U.HOURS_PER_WEEK, "function_level": 3,
        "cost_price": Decimal("59.00"), "default_quantity": Decimal("2"),
        "description": "Begeleiding bij dementie of probleemgedrag, regie met het netwerk.",
    },
    {
        "code": "huishoudelijke-hulp-n2",
        "name": "Huishoudelijke hulp (niveau 2)",
        "kind": K.HOUSEHOLD, "unit": U.HOURS_PER_WEEK, "function_level": 2,
        "cost_price": Decimal("44.00"), "default_quantity": Decimal("2"),
        "description": "Schoonmaken van de woning; zwaar huishoudelijk werk.",
    },
    {
        "code": "creatief-maatwerk-n2",
        "name": "Creatief maatwerk (niveau 2)",
        "kind": K.CUSTOM, "unit": U.HOURS_PER_WEEK, "function_level": 2,
        "cost_price": Decimal("52.00"), "default_quantity": Decimal("1"),
        "description": "Wat de cliënt waardevol vindt: een bad, samen zwemmen op woensdag, een uitje.",
    },
    # --- day budgets, weekly and monthly services ---------------------------------------
    {
        "code": "dagbesteding-incl-vervoer",
        "name": "Dagbesteding inclusief vervoer",
        "kind": K.DAY_ACTIVITIES, "unit": U.PER_OCCURRENCE, "function_level": None,
        "cost_price": Decimal("78.00"), "default_quantity": Decimal("8"),
        "description": "Een dag dagbesteding met halen en brengen; aantal = dagen per maand.",
    },
    {
        "code": "maaltijden",
        "name": "Maaltijden (VPT-vergoeding zonder verrekening)",
        "kind": K.MEALS, "unit": U.PER_DAY, "function_level": None,
        "cost_price": Decimal("11.50"), "default_quantity": Decimal("1"),
        "description": "Vaste vergoeding per dag voor eten en drinken, zonder verrekening achteraf.",
    },
    {
        "code": "wasverzorging",
        "name": "Wasverzorging",
        "kind": K.LAUNDRY, "unit": U.PER_WEEK, "function_level": None,
        "cost_price": Decimal("17.50"), "default_quantity": Decimal("1"),
        "description": "Persoonlijke was en beddengoed, ophalen en terugbrengen.",
    },
    {
        "code": "personenalarmering",
        "name": "Personenalarmering met zorgopvolging",
        "kind": K.PERSONAL_ALARM, "unit": U.PER_MONTH, "function_level": None,
        "cost_price": Decimal("32.50"), "default_quantity": Decimal("1"), "is_fixed": True,
        "description": "Alarmknop met 24/7 meldkamer; het wijkteam komt bij een alarm.",
    },
    {
        "code": "deurtoegang-elektronisch",
        "name": "Deurtoegang (elektronische sleutel)",
        "kind": K.DOOR_ACCESS, "unit": U.PER_MONTH, "function_level": None,
        "cost_price": Decimal("9.50"), "default_quantity": Decimal("1"), "is_fixed": True,
        "description": "Elektronisch slot zodat zorgverleners ook 's nachts binnen kunnen.",
    },
    {
        "code": "serviceabonnement",
        "name": "Serviceabonnement",
        "kind": K.SUBSCRIPTION, "unit": U.PER_MONTH, "function_level": None,
        "cost_price": Decimal("25.00"), "default_quantity": Decimal("1"), "is_fixed": True,
        "description": "Klusjesdienst, bereikbaarheid, hulp bij kleine storingen.",
    },
    {
        "code": "domotica",
        "name": "Domotica",
        "kind": K.HOME_AUTOMATION, "unit": U.PER_MONTH, "function_level": None,
        "cost_price": Decimal("19.50"), "default_quantity": Decimal("1"),
        "description": "Bewegingssensoren, deurbewaking, automatische verlichting.",
    },
    {
        "code": "leefstijlmonitoring",
        "name": "Leefstijlmonitoring",
        "kind": K.LIFESTYLE_MONITORING, "unit": U.PER_MONTH, "function_level": None,
        "cost_price": Decimal("22.00"), "default_quantity": Decimal("1"),
        "description": "Sensoren die afwijkingen in het dagritme signaleren.",
    },
    # --- per occurrence (quantity = times per month) ------------------------------------
    {
        "code": "geplande-nachtzorg",
        "name": "Geplande nachtzorg",
        "kind": K.NIGHT_CARE, "unit": U.PER_OCCURRENCE, "function_level": None,
        "cost_price": Decimal("38.00"), "default_quantity": Decimal("4"),
        "description": "Een gepland bezoek in de nacht, vaak door een grotere aanbieder.",
    },
    {
        "code": "logeeropvang",
        "name": "Logeeropvang (per nacht)",
        "kind": K.RESPITE, "unit": U.PER_OCCURRENCE, "function_level": None,
        "cost_price": Decimal("165.00"), "default_quantity": Decimal("2"),
        "description": "Deeltijdverblijf om de mantelzorger te ontlasten; aantal = nachten per maand.",
    },
]
