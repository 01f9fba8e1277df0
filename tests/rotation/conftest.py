"""The e2e world fixtures, shared from tests/e2e."""

from tests.e2e.conftest import world, world_factory

__all__ = ["world", "world_factory"]
