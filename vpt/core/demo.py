"""Hook for later features to add their demo data to `manage.py demo_seed`.

A seeder is called once, after organisations and users exist, with keyword arguments
`organizations` (the providers), `zorgkantoor`, `rng` (random.Random), `fake`
(Faker nl_NL), `size` ("small" or "normal") and `stdout`. It opens tenant scopes itself.
"""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[..., None]
_seeders: list[Seeder] = []


def register_seeder(seeder: Seeder) -> None:
    if seeder not in _seeders:
        _seeders.append(seeder)


def seeders() -> list[Seeder]:
    return list(_seeders)
