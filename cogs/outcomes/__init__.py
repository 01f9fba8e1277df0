"""Outcomes of the community's work: ``/outcome add|list|edit|delete``."""

from cogs.outcomes.cog import setup

__all__ = ["setup"]
