"""STYLE.md rule 5, enforced: views, APIs and tasks never read tenant rows by bare id.

Reads by id go through `access_<noun>_by_id()` selectors that filter inside the
organisation. This scan fails on the common ways of bypassing them.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CHECKED = ("views.py", "api.py", "apis.py", "tasks.py")
FORBIDDEN = [
    (re.compile(r"\.objects\.get\("), "use an access_*_by_id selector"),
    (re.compile(r"get_object_or_404\("), "use an access_*_by_id selector (it filters by organisation)"),
    (re.compile(r"\.select_related\(\)"), "name the relations in select_related()"),
    (re.compile(r"scopes_disabled\("), "open tenant_scope(organization) instead"),
]


def test_no_unscoped_lookups_in_views_apis_and_tasks():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or "tests" in path.parts or path.name not in CHECKED:
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for pattern, advice in FORBIDDEN:
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {advice}")
    assert not offenders, "\n".join(offenders)


def test_migrations_do_not_import_apps():
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("migrations/*.py")
        if ".venv" not in p.parts
        and re.search(r"^from (clients|arrangements|teams|alarms|billing|vpt)\b", p.read_text(), re.M)
    ]
    assert not offenders, offenders
