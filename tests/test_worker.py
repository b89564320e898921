"""Through a real Celery worker process and Redis: the worker opens the tenant scope and,
on PostgreSQL, sees only that tenant's rows even with raw SQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connections

from tests.factories import AccessLogFactory, OrganizationFactory
from vpt.core.tasks import tenant_probe

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


@pytest.fixture
def celery_worker_process():  # noqa: ANN201
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "VPT_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "vpt.settings_test",
        # The worker talks to this test database, as the application role.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        if db["ENGINE"].endswith("postgresql")
        else f"sqlite:///{db['NAME']}",
    }
    env.pop("DATABASE_OWNER_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vpt", "worker", "-P", "solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "-l", "WARNING", "-n", f"{queue}@%h"],
        env=env,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_worker_inside_the_tenant_scope(celery_worker_process):  # noqa: ANN001
    a, b = OrganizationFactory(), OrganizationFactory()
    AccessLogFactory.create_batch(3, organization=a)
    AccessLogFactory.create_batch(4, organization=b)
    for conn in connections.all():
        conn.close()
    result = tenant_probe.apply_async(args=[a.pk], queue=celery_worker_process).get(timeout=60)
    assert result["orm_rows"] == 3
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        assert result["raw_rows"] == 3  # RLS, not only the ORM scope
