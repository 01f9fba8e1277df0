"""The Alembic migrations, shipped in the wheel beside ``bot`` and ``cogs``.

``bot.db.alembic_config`` finds this package with ``importlib.resources``; the files
here are data for Alembic (env.py, script.py.mako, versions/), not imported modules,
except ``migrations.ddl``: the parts the migrations from 0006 on build their tables from.
"""
