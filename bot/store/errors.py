"""The store's errors: what a caller is told when an operation it asked for cannot be done.
Their own module so that every per-subject mixin (and base.py, which combines them) can raise
them without importing each other."""

from __future__ import annotations


class StoreError(Exception):
    """A store operation a user asked for cannot be done (e.g. a name already taken)."""


class DuplicateError(StoreError):
    pass


class QueryTooBroad(StoreError):
    """A search refused or stopped because answering it would take too long: a prefix that
    expands to too many index words, or a query that ran past its time budget. Its message
    starts "this query is too broad: " and says what to change."""


class NotFoundError(StoreError):
    pass
