"""The HTTP side: routing REST v10 requests to resource handlers, recording each one.

Every request is recorded as a ``RecordedRequest`` (with the route template it matched, or
None), then answered by its handler, by an injected fault (``rate_limit_next``) or by
Discord's error shape for an ``ApiError``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, web

from emulator.errors import ApiError
from emulator.models import JSON, RecordedAttachment, RecordedRequest, new_snowflake
from emulator.openapi import SpecValidator
from emulator.rest import RESOURCES, Call, Context, Handler
from emulator.state import World

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


@dataclass(frozen=True)
class InvalidBody:
    """A request whose JSON body broke Discord's spec, and the errors it was answered with."""

    request: RecordedRequest
    operation: str  # the spec's path template
    errors: JSON

    def __str__(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.operation}): {self.errors}"


@dataclass
class RateLimitRule:
    method: str
    route: str
    remaining: int
    retry_after: float
    is_global: bool


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if body is None and status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares Content-Type with exactly "application/json" (no charset).
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class RestServer:
    """Routes ``/api/v10/...`` to the handlers the resources in ``RESOURCES`` register."""

    def __init__(self, ctx: Context, *, validator: SpecValidator | None = None) -> None:
        self.world: World = ctx.world
        #: Checks each JSON body against Discord's spec; None: bodies are not checked.
        self.validator = validator
        self.invalid_bodies: list[InvalidBody] = []
        self.bodies_checked = 0
        self.routes: list[Route] = []
        self.rate_limits: list[RateLimitRule] = []
        self.resources = [resource(ctx) for resource in RESOURCES]
        for resource in self.resources:
            resource.register(self.add_route)

    def add_route(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.routes.append(Route(method, template, re.compile(f"^{regex}$"), handler, auth))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
        return None

    def install(self, app: web.Application) -> None:
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.handle)

    # ----------------------------------------------------------------- requests
    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedAttachment]]:
        files: list[RecordedAttachment] = []
        if request.content_type == "multipart/form-data":
            payload: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                raw = await part.read(decode=False)
                if part.name == "payload_json":
                    payload = json.loads(raw)
                elif part.filename is not None:
                    files.append(
                        RecordedAttachment(
                            new_snowflake(),
                            part.filename,
                            bytes(raw),
                            part.headers.get("Content-Type"),
                        )
                    )
            return payload, files
        if request.can_read_body:
            text = await request.text()
            if text:
                return json.loads(text), files
        return None, files

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        body, files = await self._read_body(request)
        matched = self.match(method, path)
        record = RecordedRequest(
            method=method,
            route=matched[0].template if matched else None,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
        )
        self.world.requests.append(record)
        status, response, headers = await self._dispatch(request, matched, record, files)
        record.status = status
        record.response = response
        self.world.notify()
        return json_response(status, response, headers)

    async def _dispatch(
        self,
        request: web.Request,
        matched: tuple[Route, dict[str, str]] | None,
        record: RecordedRequest,
        files: list[RecordedAttachment],
    ) -> tuple[int, Any, dict[str, str] | None]:
        if matched is None:
            return 404, {"code": 0, "message": "404: Not Found"}, None
        route, params = matched
        if route.auth and request.headers.get("Authorization") != f"Bot {self.world.bot_token}":
            return 401, {"code": 0, "message": "401: Unauthorized"}, None
        limited = self._take_rate_limit(record.method, route.template)
        if limited is not None:
            return self._rate_limited(limited, route.template)
        if self.validator is not None and record.json is not None:
            self.bodies_checked += 1
            errors = self.validator.check(record.method, record.path, record.json)
            if errors is not None:
                op = self.validator.operation(record.method, record.path)
                invalid = InvalidBody(record, op.template if op else "?", errors)
                self.invalid_bodies.append(invalid)
                log.warning("emulator: request body breaks Discord's spec: %s", invalid)
                return 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}, None
        call = Call(record.method, params, dict(request.query), record.json, files, record)
        for f in files:
            f.url = f"{self.world.base_url}/attachments/{f.id}/{f.filename}"
        try:
            status, response = await route.handler(call)
        except ApiError as exc:
            return exc.status, exc.body(), None
        except Exception:
            log.exception("emulator handler for %s %s failed", record.method, record.path)
            return 500, {"code": 0, "message": "500: Internal Server Error (emulator bug)"}, None
        return status, response, None

    # ----------------------------------------------------------------- injected rate limits
    def rate_limit_next(
        self, method: str, route: str, count: int, retry_after: float, is_global: bool
    ) -> None:
        self.rate_limits.append(RateLimitRule(method.upper(), route, count, retry_after, is_global))

    def _take_rate_limit(self, method: str, template: str) -> RateLimitRule | None:
        for rule in self.rate_limits:
            if rule.method == method and rule.route == template and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rate_limits.remove(rule)
                return rule
        return None

    def _rate_limited(
        self, limited: RateLimitRule, template: str
    ) -> tuple[int, Any, dict[str, str]]:
        headers = {
            "Via": "1.1 google",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + limited.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{limited.retry_after:.3f}",
            "X-RateLimit-Bucket": "emulator-" + template,
            "X-RateLimit-Scope": "global" if limited.is_global else "user",
            "Retry-After": str(max(1, round(limited.retry_after))),
        }
        if limited.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": limited.retry_after,
            "global": limited.is_global,
        }
        return 429, body, headers

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        att = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if att is None:
            return json_response(404, {"code": 0, "message": "404: Not Found"})
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )
