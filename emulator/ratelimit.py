"""Discord's rate limits: per-route buckets, the global limit, a tight limit on opening DM
channels and on DM sends, and injected 429s (``rate_limit_next``).

With a ``RateLimitPolicy`` switched on (``DiscordEmulator(rate_limits=RateLimitPolicy())`` or
``emu.enforce_rate_limits(...)``):

- every answer carries ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``, ``-Reset-After`` and
  ``-Bucket`` for its bucket: one per route template and major parameter (``channel_id``,
  ``guild_id``, ``webhook_id``/``interaction_token``), a fixed window of ``route_limit``
  requests per ``route_window`` seconds unless ``routes`` overrides the template;
- more than ``global_limit`` requests per ``global_window`` (50 a second; interaction
  callbacks and webhooks exempt, as on Discord) answer 429 with ``"global": true`` and
  ``X-RateLimit-Global``;
- ``POST /users/@me/channels`` shares one bucket of ``dm_channel_limit`` per ``dm_channel_window``
  seconds, and messages into DM channels share one of ``dm_send_limit`` per ``dm_send_window``
  (Discord publishes no numbers for these; treat them as tight);
- a 429 body is ``{"message", "retry_after", "global"}`` with ``Retry-After`` and
  ``X-RateLimit-Scope`` headers, as discord.py expects.

Whether enforced or not, ``RateLimiter`` counts what it saw: 429s by route and the most
requests in any one second (``max_per_second``), so a test can show a bulk send stayed under
Discord's limits.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.models import JSON

DM_CHANNELS_ROUTE = "/users/@me/channels"
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "interaction_token")


@dataclass
class RateLimitPolicy:
    global_limit: int = 50
    global_window: float = 1.0
    route_limit: int = 5
    route_window: float = 5.0
    dm_channel_limit: int = 5
    dm_channel_window: float = 5.0
    dm_send_limit: int = 5
    dm_send_window: float = 5.0
    #: Route template -> (limit, window seconds), for routes whose bucket differs.
    routes: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass
class _Window:
    limit: int
    window: float
    reset_at: float = 0.0  # monotonic
    used: int = 0

    def take(self, now: float) -> float:
        """0 if a request fits (and count it), else the seconds until the window resets."""
        if now >= self.reset_at:
            self.reset_at = now + self.window
            self.used = 0
        if self.used >= self.limit:
            return self.reset_at - now
        self.used += 1
        return 0.0


@dataclass
class InjectedLimit:
    method: str
    route: str
    remaining: int
    retry_after: float
    is_global: bool


@dataclass
class Verdict:
    """What the limiter says about one request: headers to add, and a 429 body if refused."""

    headers: dict[str, str]
    refused: JSON | None = None


class RateLimiter:
    def __init__(self, policy: RateLimitPolicy | None = None) -> None:
        self.policy = policy
        self.injected: list[InjectedLimit] = []
        self._buckets: dict[str, _Window] = {}
        self._global = _Window(
            policy.global_limit if policy else 0, policy.global_window if policy else 1.0
        )
        self._times: list[float] = []  # monotonic times of every request, ascending
        self.refused: Counter[str] = Counter()  # route template -> 429s answered
        self.global_refused = 0

    # ----------------------------------------------------------------- statistics
    @property
    def total_refused(self) -> int:
        """How many requests were answered 429 (injected ones included)."""
        return sum(self.refused.values())

    def max_per_second(self) -> int:
        """The most requests received within any one second."""
        best, start = 0, 0
        times = self._times
        for end, t in enumerate(times):
            start = bisect.bisect_left(times, t - 1.0 + 1e-9, start, end + 1)
            best = max(best, end - start + 1)
        return best

    # ----------------------------------------------------------------- injected faults
    def inject(
        self, method: str, route: str, count: int, retry_after: float, is_global: bool
    ) -> None:
        self.injected.append(InjectedLimit(method.upper(), route, count, retry_after, is_global))

    def _take_injected(self, method: str, template: str) -> InjectedLimit | None:
        for rule in self.injected:
            if rule.method == method and rule.route == template and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.injected.remove(rule)
                return rule
        return None

    # ----------------------------------------------------------------- the check
    def check(
        self,
        method: str,
        template: str,
        params: dict[str, str],
        *,
        exempt_from_global: bool,
        dm_send: bool,
    ) -> Verdict:
        now = time.monotonic()
        self._times.append(now)
        injected = self._take_injected(method, template)
        if injected is not None:
            self.refused[template] += 1
            return self._refuse(
                injected.retry_after, injected.is_global, "emulator-" + template, 5, now
            )
        policy = self.policy
        if policy is None:
            return Verdict({})
        if not exempt_from_global:
            wait = self._global.take(now)
            if wait:
                self.refused[template] += 1
                self.global_refused += 1
                return self._refuse(wait, True, "global", policy.global_limit, now)
        name, window = self._bucket(method, template, params, dm_send)
        wait = window.take(now)
        if wait:
            self.refused[template] += 1
            return self._refuse(wait, False, name, window.limit, now)
        return Verdict(self._headers(name, window, now))

    def _bucket(
        self, method: str, template: str, params: dict[str, str], dm_send: bool
    ) -> tuple[str, _Window]:
        policy = self.policy
        assert policy is not None
        if template == DM_CHANNELS_ROUTE and method == "POST":
            name, limit, span = "dm-channels", policy.dm_channel_limit, policy.dm_channel_window
        elif dm_send:
            name, limit, span = "dm-send", policy.dm_send_limit, policy.dm_send_window
        else:
            limit, span = policy.routes.get(template, (policy.route_limit, policy.route_window))
            major = ":".join(params[p] for p in MAJOR_PARAMETERS if p in params)
            name = f"{method} {template} {major}"
        window = self._buckets.get(name)
        if window is None:
            window = self._buckets[name] = _Window(limit, span)
        return name, window

    @staticmethod
    def _bucket_id(name: str) -> str:
        return format(abs(hash(name)), "x")

    def _headers(self, name: str, window: _Window, now: float) -> dict[str, str]:
        reset_after = max(0.0, window.reset_at - now)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(0, window.limit - window.used)),
            "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self._bucket_id(name),
        }

    def _refuse(
        self, retry_after: float, is_global: bool, name: str, limit: int, now: float
    ) -> Verdict:
        retry_after = round(max(retry_after, 0.001), 3)
        headers = {
            "Via": "1.1 google",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": self._bucket_id(name),
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Retry-After": str(max(1, round(retry_after))),
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body: dict[str, Any] = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return Verdict(headers, body)
