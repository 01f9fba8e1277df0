"""Partnerships one person at a time: ``/offers``, ``/connections``, ``/partnership``."""

from cogs.partnerships.cog import setup

__all__ = ["setup"]
