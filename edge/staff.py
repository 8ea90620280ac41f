"""Staff: PIN hashes (pbkdf2, constant-time check), login lockouts and bearer-token sessions."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class StaffSession:
    badge: str
    name: str
    role: str
    device: str
    opened: float = 0.0  # the session clock's time at login
    last_used: float = 0.0  # ... and at its last use (a request, a live stream's heartbeat)


def hash_pin(pin: str, salt: str | None = None, rounds: int = 200_000) -> str:
    """pbkdf2_sha256$rounds$salt$hex, the form a staff entry's pin_hash takes."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def pin_matches(pin: str, pin_hash: str) -> bool:
    try:
        scheme, rounds, salt, digest = pin_hash.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    check = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), int(rounds)).hex()
    return hmac.compare_digest(check, digest)


_PIN_VALUE = rb'"(?:[^"\\]|\\.)*"?|\[[^\]]*\]?|\{[^}]*\}?|[^,}\s]+'
_PIN_FIELD = re.compile(rb'("pin"\s*:\s*)(' + _PIN_VALUE + rb")", re.IGNORECASE)
# What is left after redaction must not name a pin, nor spell one in \u escapes.
_PIN_LEFT = re.compile(rb"pin['\"]?\s*[:=]|\\u", re.IGNORECASE)
_PIN_UNREDACTED = re.compile(rb'"pin"\s*:\s*(?!"\*\*\*")', re.IGNORECASE)
_NOT_KEPT = b"(not kept: the payload may hold a PIN)"


def redact_pin(payload: bytes) -> bytes:
    """The payload with the value of its "pin" field replaced by "***"; one that may hold a
    PIN some other way (nested, escaped, not JSON) is not kept at all."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        if any(k.lower() == "pin" for k in data) or b"\\u" in payload:
            clean = {k: ("***" if k.lower() == "pin" else v) for k, v in data.items()}
            payload = json.dumps(clean, separators=(",", ":"), ensure_ascii=False).encode()
        return _NOT_KEPT if _PIN_UNREDACTED.search(payload) else payload
    redacted = _PIN_FIELD.sub(rb'\1"***"', payload)
    return _NOT_KEPT if _PIN_LEFT.search(_PIN_FIELD.sub(b"", redacted)) else redacted


@dataclass(frozen=True)
class LockoutPolicy:
    """After `max_failures` failed logins in a row a badge (or a device) waits `base_s`
    after its last failure; each further failure doubles the wait, up to `max_s`."""

    max_failures: int = 5
    base_s: int = 30
    max_s: int = 15 * 60

    def wait_s(self, failures: int) -> int:
        """How long after the last failure a badge or device with this many failures waits."""
        if failures < self.max_failures:
            return 0
        return int(min(self.base_s * 2 ** min(failures - self.max_failures, 32), self.max_s))

    def locked_until(self, failures: int, last_failure: datetime | None) -> datetime | None:
        wait = self.wait_s(failures)
        if not wait or last_failure is None:
            return None
        return last_failure + timedelta(seconds=wait)


@dataclass(frozen=True)
class LoginOutcome:
    """The answer to a login attempt: the badge's holder, or why not (and how long to wait)."""

    ok: bool
    badge: str
    reason: str = ""  # "<field>: what is wrong", for the person and the err topic
    retry_after_s: int = 0  # > 0: locked out (HTTP 429 with Retry-After)


class StaffSessions:
    """Tokens live in memory: a restart asks people to scan their badge again, nothing more.

    A session ends when it is idle for `idle_s` (every use renews it; a live stream's
    heartbeat is a use) and `max_s` after login whatever happens, or at once on logout.
    """

    def __init__(
        self,
        idle_s: float = 30 * 60,
        max_s: float = 12 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._idle = idle_s
        self._max = max_s
        self._clock = clock
        self._by_hash: dict[str, StaffSession] = {}
        # Token keys by device: a scanner's new view (every scan, on the writer thread) ends
        # the other tokens of that device only, without a pass over everyone logged in.
        self._by_device: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def open(self, badge: str, name: str, role: str, device: str) -> str:
        token = secrets.token_urlsafe(24)
        key = self._key(token)
        now = self._clock()
        with self._lock:
            # Logins are rare: the one full pass, so tokens nobody uses again do not pile up.
            for old in [k for k, found in self._by_hash.items() if self._expired(found, now)]:
                self._remove(old)
            self._by_hash[key] = StaffSession(badge, name, role, device, now, now)
            self._by_device.setdefault(device, set()).add(key)
        return token

    def _remove(self, key: str) -> None:
        found = self._by_hash.pop(key, None)
        if found is not None:
            keys = self._by_device.get(found.device)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_device[found.device]

    def _expired(self, found: StaffSession, now: float) -> bool:
        return now - found.last_used > self._idle or now - found.opened > self._max

    def get(self, token: str) -> StaffSession | None:
        """The session behind a token, renewed by this use; None once it ended."""
        key = self._key(token)
        now = self._clock()
        with self._lock:
            found = self._by_hash.get(key)
            if found is None:
                return None
            if self._expired(found, now):
                self._remove(key)
                return None
            found = self._by_hash[key] = replace(found, last_used=now)
            return found

    def close(self, token: str) -> None:
        with self._lock:
            self._remove(self._key(token))

    def close_device(self, device: str, keep_badge: str) -> None:
        """One person per scanner: someone else logged in on it, so other people's tokens
        for it end (their streams and maps would show the new person's work)."""
        self.keep_only(device, keep_badge)

    def close_for(self, badge: str, device: str) -> None:
        """The person logged out on this device: every token of theirs for it ends."""
        self._drop(device, lambda s: s.badge == badge)

    def keep_only(self, device: str, badge: str | None) -> None:
        """The scanner now shows `badge` logged in (None: nobody): every other token for it
        ends at once, however the session ended (any logout path, someone else's login)."""
        self._drop(device, lambda s: s.badge != badge)

    def _drop(self, device: str, which: Callable[[StaffSession], bool]) -> None:
        now = self._clock()
        with self._lock:
            keys = self._by_device.get(device)
            if not keys:  # most scanners (MQTT ones) hold no token: one dict lookup
                return
            for key in [
                k for k in keys if which(self._by_hash[k]) or self._expired(self._by_hash[k], now)
            ]:
                self._remove(key)
