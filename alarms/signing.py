"""Request signing of the alarm intake API (docs/alarm-intake.md), shared by the intake
views, the `alarm_simulator` command, the tests and the benchmark.

A centre sends three headers with every request:

- `X-Vpt-Key`: the centre's public key, "<organisation id>-<key id>";
- `X-Vpt-Timestamp`: the time of signing, whole seconds since the Unix epoch (UTC);
- `X-Vpt-Signature`: lower-case hex HMAC-SHA256 under the centre's secret of
  `"<timestamp>." + <raw body bytes>`.

Signing the timestamp together with the exact bytes of the body means that neither can be
changed in transit, and a captured request can only be replayed within the replay window
(settings.VPT_ALARM_REPLAY_WINDOW_SECONDS), where idempotency on the event id makes a replay
harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER_KEY = "X-Vpt-Key"
HEADER_TIMESTAMP = "X-Vpt-Timestamp"
HEADER_SIGNATURE = "X-Vpt-Signature"

# The secret the demo seeder gives the demo organisations' alarm centres, so that
# `manage.py alarm_simulator --demo-org <slug>` can sign for them. Demo data only: a real
# centre's secret is generated when the centre is created and shown once.
DEMO_CENTRE_SECRET = "demo-centrale-geheim"  # noqa: S105 (documented demo value)


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>." + body` under `secret`."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int | None, body: bytes, *, key: str | None = None) -> dict[str, str]:
    """The headers of a signed request (with `X-Vpt-Key` when `key` is given, and the JSON
    content type). `timestamp` None: now."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    headers = {
        "Content-Type": "application/json",
        HEADER_TIMESTAMP: str(ts),
        HEADER_SIGNATURE: signature(secret, ts, body),
    }
    if key is not None:
        headers[HEADER_KEY] = key
    return headers


def verify(secret: str, timestamp: str, body: bytes, provided: str) -> bool:
    """Whether `provided` is the signature of `body` at `timestamp` (constant-time)."""
    provided = provided.strip().lower()
    if not provided.isascii():  # compare_digest only takes ASCII strings
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), provided)


def parse_key(key: str) -> tuple[int, str] | None:
    """(organisation id, key id) of a centre key "<organisation id>-<key id>", or None."""
    org, sep, key_id = key.strip().partition("-")
    if not sep or not org.isascii() or not org.isdigit() or not key_id or len(key_id) > 32 or len(org) > 18:
        return None
    organization_id = int(org)
    return (organization_id, key_id) if organization_id > 0 else None
