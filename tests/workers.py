"""Real Celery worker processes for tests that depend on one (alarm sweeper, daily run)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from django.conf import settings


class Workers:
    """Celery worker processes on a queue of their own, started as tests/test_worker.py starts
    them (the test database as the application role)."""

    def __init__(self) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.procs: list[subprocess.Popen] = []

    def start(self, **extra_env: str) -> subprocess.Popen:
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
        env.update(extra_env)
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "vpt", "worker", "-P", "solo", "-Q", self.queue,
             "--without-gossip", "--without-mingle", "-l", "WARNING", "-n", f"{self.queue}-{len(self.procs)}@%h"],
            env=env,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
