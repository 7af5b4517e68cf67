"""SQL for digest subscriptions, digest runs and the articles sent to each channel.

A mixin of `Store` (see base.py), kept in its own file because it is its own subject.
Portable SQL with `?` placeholders; backend hooks stay in the backend classes.
"""

from __future__ import annotations


class DigestQueries:
    pass
