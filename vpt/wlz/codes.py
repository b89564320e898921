"""iWlz code lists, read from the official schemas shipped in vpt/wlz/schemas/iwlz-2.2/.

The codes and their Dutch labels come from `basisschema.xsd` (never retyped), so a new
schema release is a file copy, not a code change. The product targets VPT in de wijk for
4VV-6VV and 4LG-6LG; those profiles are offered first, the others remain valid values.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - our own bundled schema file, not input
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "iwlz-2.2"
_XS = "{http://www.w3.org/2001/XMLSchema}"

# iWlz codes of the profiles VPT in de wijk targets (DOMAIN.md): 4VV, 5VV, 6VV, 4LG, 5LG, 6LG.
TARGET_ZORGPROFIELEN = ("753", "754", "755", "826", "828", "830")
LEVERINGSVORM_VPT = "5"


@cache
def code_list(type_name: str) -> dict[str, str]:
    """code -> Dutch label of an enumeration `type_name` (e.g. "LDT_ZzpCode")."""
    tree = ET.parse(SCHEMA_DIR / "basisschema.xsd")  # noqa: S314
    for simple in tree.getroot().iter(f"{_XS}simpleType"):
        if simple.get("name") == type_name:
            result = {}
            for enum in simple.iter(f"{_XS}enumeration"):
                doc = enum.find(f"{_XS}annotation/{_XS}documentation")
                result[enum.get("value")] = (doc.text or "").strip() if doc is not None else ""
            return result
    raise KeyError(type_name)


def zorgprofielen() -> dict[str, str]:
    return code_list("LDT_ZzpCode")


def zorgprofiel_short(code: str) -> str:
    """'754' -> '5VV' (the human form, DOMAIN.md: "5VV", not "VV5")."""
    label = zorgprofielen().get(code, "")
    match = re.match(r"^([0-9]+[A-Z]+(?: [A-C])?):", label)
    return match.group(1) if match else code


def zorgprofiel_choices() -> list[tuple[str, str]]:
    """Choices with the targeted profiles first (callable: kept out of migrations)."""
    all_codes = zorgprofielen()
    first = [(c, f"{zorgprofiel_short(c)} — {all_codes[c].split(': ', 1)[-1]}") for c in TARGET_ZORGPROFIELEN]
    rest = [
        (c, f"{zorgprofiel_short(c)} — {label.split(': ', 1)[-1]}")
        for c, label in all_codes.items()
        if c not in TARGET_ZORGPROFIELEN
    ]
    return first + rest


def leveringsvormen() -> dict[str, str]:
    return code_list("LDT_Leveringsvorm")


def leveringsvorm_choices() -> list[tuple[str, str]]:
    return list(leveringsvormen().items())


def zorgprofiel_from_short(short: str) -> str | None:
    """'5VV' -> '754' (CSV imports and people write the short form)."""
    wanted = short.strip().upper().replace(" ", "")
    for code in zorgprofielen():
        if zorgprofiel_short(code).replace(" ", "") == wanted:
            return code
    return None


def mutatie_codes() -> dict[str, str]:
    """iWlz reason of a change / end of care (AW39 Mutatiecode, LDT_MutatieCode)."""
    return code_list("LDT_MutatieCode")


def zorgkantoor_codes() -> dict[str, str]:
    """The zorgkantoor codes an iWlz message may be addressed to (LDT_ZorgkantoorCode)."""
    return code_list("LDT_ZorgkantoorCode")


def mutatie_code_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} — {label}") for code, label in mutatie_codes().items()]
