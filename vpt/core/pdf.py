"""The one way vpt produces PDFs: a Django template rendered by WeasyPrint (STYLE.md rule 11).

Documents only ever load our own static files, read from disk through the staticfiles
finders. Every other URL (http, https, ftp, file outside the static directories) is
refused, so a PDF never makes a network request and never reads arbitrary files, whatever
ends up in the HTML. Templates extend `pdf/base.html` and link styles with `{% static %}`
(or the `static:` scheme, e.g. `static:css/pdf.css`).
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils._os import safe_join

logger = logging.getLogger(__name__)

# Relative and root-relative URLs in the template (`{% static %}` gives "/static/...") are
# resolved against this base, so they reach the fetcher as file:///static/... URLs.
BASE_URL = "file:///"
STATIC_SCHEME = "static"


class ResourceRefused(ValueError):
    """A document asked for something that is not one of our static files."""


def _static_path(relative: str) -> Path | None:
    """The file on disk for a static path like 'css/pdf.css', or None."""
    relative = posixpath.normpath(unquote(relative)).lstrip("/")
    if not relative or relative.startswith("..") or relative == ".":
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if found:
        return Path(found)
    # Production: `{% static %}` gives hashed names that exist only in STATIC_ROOT.
    if settings.STATIC_ROOT:
        try:
            candidate = Path(safe_join(str(settings.STATIC_ROOT), relative))
        except SuspiciousFileOperation:
            return None
        if candidate.is_file():
            return candidate
    return None


def static_relative_path(url: str) -> str | None:
    """'css/pdf.css' for `static:css/pdf.css`, file:///static/css/pdf.css (what `{% static %}`
    gives against BASE_URL) or an absolute STATIC_URL; None for anything else."""
    static_url = settings.STATIC_URL or "/static/"
    if url.startswith(STATIC_SCHEME + ":"):
        return url[len(STATIC_SCHEME) + 1 :]
    if "://" in static_url:  # STATIC_URL on another host: still served from disk
        return url[len(static_url) :] if url.startswith(static_url) else None
    parts = urlsplit(url)
    prefix = "/" + static_url.strip("/") + "/"
    if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path.startswith(prefix):
        return parts.path[len(prefix) :]
    return None


@cache
def _fetcher_class() -> type:
    # WeasyPrint takes about a second to import: only processes that render PDFs pay it.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticFetcher(URLFetcher):
        """Serves our static files from disk; refuses everything else. `data:` URLs are
        allowed (inline content, nothing is fetched)."""

        def __init__(self) -> None:
            # The parent's opener is only ever used for data: URLs (see fetch()).
            super().__init__(allowed_protocols=("data",), allow_redirects=False)

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            relative = static_relative_path(url)
            path = _static_path(relative) if relative is not None else None
            if path is None:
                logger.warning("PDF resource refused (only our static files are served): %s", url[:200])
                raise ResourceRefused(f"Only static files are served to PDFs, not {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type == "image/svg+xml":
                content_type += "; charset=utf-8"
            return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": content_type})

    return LocalStaticFetcher


def url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only serves our static files (see module docstring)."""
    return _fetcher_class()()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes.

    Context expected by the base template: `title`, `organization`, `printed_at` (an aware
    datetime; shown in local time). Rendering is synchronous: callers producing many
    documents run it in a Celery task."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf()
