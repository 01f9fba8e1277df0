"""Discord's JSON error bodies, raised inside REST handlers."""

from __future__ import annotations

from emulator.models import JSON


class ApiError(Exception):
    """Raised inside a REST handler; becomes Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unknown(what: str, code: int) -> ApiError:
    """404 ``Unknown <what>`` with Discord's JSON error code (10003 channel, 10004 guild...)."""
    return ApiError(404, code, f"Unknown {what}")


def invalid_form(field: str, message: str, code: str = "BASE_TYPE_INVALID") -> ApiError:
    """400 Invalid Form Body (50035) with one error under ``field`` (a dotted path)."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")
