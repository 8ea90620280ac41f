"""Staff: PIN hashes (pbkdf2, constant-time check) and the bearer tokens of people logged in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class StaffSession:
    badge: str
    name: str
    role: str
    device: str
    expires: float


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


class StaffSessions:
    """Tokens live in memory: a restart asks people to scan their badge again, nothing more."""

    def __init__(self, ttl_s: int = 12 * 3600) -> None:
        self._ttl = ttl_s
        self._by_hash: dict[str, StaffSession] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def open(self, badge: str, name: str, role: str, device: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._by_hash[self._key(token)] = StaffSession(
                badge, name, role, device, time.monotonic() + self._ttl
            )
        return token

    def get(self, token: str) -> StaffSession | None:
        with self._lock:
            found = self._by_hash.get(self._key(token))
            if found is not None and found.expires < time.monotonic():
                del self._by_hash[self._key(token)]
                return None
            return found

    def close(self, token: str) -> None:
        with self._lock:
            self._by_hash.pop(self._key(token), None)

    def close_device(self, device: str, keep_badge: str) -> None:
        """One person per scanner: someone else logged in on it, so other people's tokens
        for it end (their streams and maps would show the new person's work)."""
        with self._lock:
            for key in [
                k for k, s in self._by_hash.items() if s.device == device and s.badge != keep_badge
            ]:
                del self._by_hash[key]

    def close_for(self, badge: str, device: str) -> None:
        """The person logged out on this device: every token of theirs for it ends."""
        with self._lock:
            for key in [
                k for k, s in self._by_hash.items() if s.badge == badge and s.device == device
            ]:
                del self._by_hash[key]
