"""Who may use the app: secrets hashed with scrypt, compared in constant time; sessions, CSRF tokens, headers.

With no `[web] token_hash`, the app is open and must listen on loopback only (`check_binding`). With one, every
request needs the token: as a session cookie (after /login), `Authorization: Bearer <token>` or HTTP Basic
(any user name, the token as password, for feed readers). `[web] read_token_hash` opens GET requests only.

>>> encoded = hash_secret("s3cret", n=2**4)
>>> verify_secret("s3cret", encoded), verify_secret("guess", encoded)
(True, False)
>>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Literal

from crawler.errors import ConfigError
from crawler.websettings import WebSettings

Grant = Literal["full", "read", "none"]
SESSION_COOKIE = "tidings_session"
CSRF_COOKIE = "tidings_csrf"
CSRF_FIELD = "csrf"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_secret(secret: str, *, n: int = _SCRYPT["n"], r: int = _SCRYPT["r"], p: int = _SCRYPT["p"]) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) of ``secret``: what `[web] token_hash` holds."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, encoded: str) -> bool:
    """True when ``secret`` hashes to ``encoded`` (scrypt, or ``pbkdf2_sha256$iterations$salt$hash``)."""
    parts = encoded.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(value) for value in parts[1:4])
            salt, expected = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
            digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                                    maxmem=256 * 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            salt, expected = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
            digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, int(parts[1]), dklen=len(expected))
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


def check_hash_format(name: str, encoded: str) -> None:
    """A ConfigError naming the key when ``encoded`` is not a hash this module can check."""
    kinds = {"scrypt": 6, "pbkdf2_sha256": 4}
    parts = encoded.split("$")
    if encoded and kinds.get(parts[0]) != len(parts):
        raise ConfigError(f"web.{name}: not a password hash (make one with `tidings token`; it starts with "
                          "'scrypt$'); put the hash in the environment: token_hash = \"${TIDINGS_WEB_TOKEN_HASH}\"")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`: addresses no other machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, web: WebSettings, *, key: str) -> None:
    """Refuse to serve beyond loopback without `[web] token_hash` (a ConfigError naming ``key``)."""
    check_hash_format("token_hash", web.token_hash)
    check_hash_format("read_token_hash", web.read_token_hash)
    if not is_loopback(host) and not web.token_hash:
        raise ConfigError(f"{key} = {host!r} is reachable from other machines, and web.token_hash is not set: "
                          "run `tidings token`, put the hash in the environment and set "
                          "[web] token_hash = \"${TIDINGS_WEB_TOKEN_HASH}\" (or listen on 127.0.0.1)")


@dataclass
class Access:
    """The app's access policy, with a per-process key for sessions and CSRF tokens."""

    web: WebSettings
    key: bytes = field(default_factory=lambda: os.urandom(32))
    _verified: dict[bytes, Grant] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return not self.web.token_hash

    def grant_for_token(self, token: str) -> Grant:
        """What a presented token may do (verified once per process: scrypt is slow on purpose)."""
        fingerprint = hmac.new(self.key, token.encode(), hashlib.sha256).digest()
        if fingerprint in self._verified:
            return self._verified[fingerprint]
        grant: Grant = "none"
        if self.web.token_hash and verify_secret(token, self.web.token_hash):
            grant = "full"
        elif self.web.read_token_hash and verify_secret(token, self.web.read_token_hash):
            grant = "read"
        if grant != "none":
            self._verified[fingerprint] = grant
        return grant

    def grant_for_header(self, authorization: str) -> Grant:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return self.grant_for_token(value.strip())
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return "none"
            return self.grant_for_token(decoded.partition(":")[2])
        return "none"

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self.key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        expires = str(int(time.time() + self.web.session_lifetime))
        return f"{expires}.{self._sign('session', expires)}"

    def session_valid(self, cookie: str) -> bool:
        expires, _, signature = cookie.partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(signature, self._sign("session", expires))

    def csrf_token(self, cookie: str) -> str:
        """The token forms carry: bound to the browser's CSRF cookie by this process's key."""
        return self._sign("csrf", cookie)

    def csrf_valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(token, self.csrf_token(cookie))


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)
