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
from typing import Any

from aiohttp import BodyPartReader, web

from emulator.errors import ApiError
from emulator.models import JSON, RecordedAttachment, RecordedRequest, new_snowflake
from emulator.openapi import SpecValidator
from emulator.ratelimit import RateLimiter, RateLimitPolicy
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


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if body is None and status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares Content-Type with exactly "application/json" (no charset).
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class RestServer:
    """Routes ``/api/v10/...`` to the handlers the resources in ``RESOURCES`` register."""

    def __init__(
        self,
        ctx: Context,
        *,
        validator: SpecValidator | None = None,
        rate_limits: RateLimitPolicy | None = None,
    ) -> None:
        self.world: World = ctx.world
        self.limiter = RateLimiter(rate_limits)
        #: Checks each JSON body against Discord's spec; None: bodies are not checked.
        self.validator = validator
        self.invalid_bodies: list[InvalidBody] = []
        self.bodies_checked = 0
        self.routes: list[Route] = []
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
        verdict = self.limiter.check(
            record.method,
            route.template,
            params,
            exempt_from_global=not route.auth,
            dm_send=self._is_dm_send(record.method, route.template, params),
        )
        if verdict.refused is not None:
            return 429, verdict.refused, verdict.headers
        headers = verdict.headers or None
        if self.validator is not None and record.json is not None:
            self.bodies_checked += 1
            errors = self.validator.check(record.method, record.path, record.json)
            if errors is not None:
                op = self.validator.operation(record.method, record.path)
                invalid = InvalidBody(record, op.template if op else "?", errors)
                self.invalid_bodies.append(invalid)
                log.warning("emulator: request body breaks Discord's spec: %s", invalid)
                return (
                    400,
                    {"code": 50035, "message": "Invalid Form Body", "errors": errors},
                    headers,
                )
        call = Call(record.method, params, dict(request.query), record.json, files, record)
        for f in files:
            f.url = f"{self.world.base_url}/attachments/{f.id}/{f.filename}"
        try:
            status, response = await route.handler(call)
        except ApiError as exc:
            return exc.status, exc.body(), headers
        except Exception:
            log.exception("emulator handler for %s %s failed", record.method, record.path)
            return 500, {"code": 0, "message": "500: Internal Server Error (emulator bug)"}, None
        return status, response, headers

    def _is_dm_send(self, method: str, template: str, params: dict[str, str]) -> bool:
        if method != "POST" or template != "/channels/{channel_id}/messages":
            return False
        channel = self.world.channels.get(int(params["channel_id"]))
        return channel is not None and channel.is_dm

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        att = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if att is None:
            return json_response(404, {"code": 0, "message": "404: Not Found"})
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )
