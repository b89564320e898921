"""Health of the parts the product depends on, for /healthz and operations."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection

HEARTBEAT_KEY = "vpt:worker:heartbeat"
HEARTBEAT_INTERVAL = 15
HEARTBEAT_STALE_AFTER = 60


def redis_client() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health check
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), "vendor": connection.vendor}


def check_redis() -> dict:
    client = redis_client()
    if client is None:
        return {"ok": True, "configured": False}
    started = time.monotonic()
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": exc.__class__.__name__}
    return {"ok": True, "configured": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_worker() -> dict:
    """The newest heartbeat any worker wrote; eager mode (demo) has no worker to check."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    client = redis_client()
    if client is None:
        return {"ok": False, "mode": "broker", "error": "no redis configured for heartbeats"}
    try:
        raw = client.get(HEARTBEAT_KEY)
    except redis.RedisError as exc:
        return {"ok": False, "mode": "broker", "error": exc.__class__.__name__}
    if raw is None:
        return {"ok": False, "mode": "broker", "error": "no heartbeat"}
    age = time.time() - float(raw)
    return {"ok": age < HEARTBEAT_STALE_AFTER, "mode": "broker", "age_s": round(age, 1)}


def write_heartbeat() -> None:
    client = redis_client()
    if client is not None:
        client.set(HEARTBEAT_KEY, time.time(), ex=HEARTBEAT_STALE_AFTER * 10)


def worker_roundtrip(timeout: float = 3.0) -> dict:
    """Send a no-tenant ping through the broker and wait for a worker to answer."""
    from vpt.celery import app

    started = time.monotonic()
    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:  # broker errors of any kind
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": bool(replies), "workers": len(replies), "ms": round((time.monotonic() - started) * 1000)}
