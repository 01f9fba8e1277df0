"""Services: one module per capability, plain async functions over an ``AsyncSession``.

A service takes ``session`` and ``now`` as arguments, returns ORM objects or
dataclasses (never ``discord.*`` objects), never commits, and raises ``DomainError``s.
"""
