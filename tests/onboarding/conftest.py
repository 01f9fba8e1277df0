"""The e2e ``world`` fixtures, shared with the onboarding tests."""

from tests.e2e.conftest import world, world_factory

__all__ = ["world", "world_factory"]
