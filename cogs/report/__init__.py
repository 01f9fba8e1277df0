"""The community's impact report: ``/report``."""

from cogs.report.cog import setup

__all__ = ["setup"]
