from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vpt.core import health
from vpt.core.dashboard import cards_for
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


@requires(Perm.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", {"cards": cards_for(request)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and dependencies: 200 when the database (and Redis, if configured) answer;
    the worker heartbeat is reported, and turns the status to "degraded" when missing."""
    checks = {
        "database": health.check_database(),
        "redis": health.check_redis(),
        "worker": health.check_worker(),
    }
    if request.GET.get("deep") and not settings.CELERY_TASK_ALWAYS_EAGER and checks["worker"]["ok"]:
        checks["worker"]["roundtrip"] = health.worker_roundtrip()
    essential_ok = checks["database"]["ok"] and checks["redis"]["ok"]
    status = "ok" if essential_ok and checks["worker"]["ok"] else ("degraded" if essential_ok else "down")
    return JsonResponse({"status": status, "checks": checks}, status=200 if essential_ok else 503)


def no_membership(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_membership.html", status=403)
