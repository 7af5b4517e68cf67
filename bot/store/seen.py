"""SQL for the Slack requests the bot has already accepted (HTTP mode): replay protection.

A mixin of `Store` (see base.py). A key — a request's signature, or an event's event_id —
is inserted once; a second insert of a live key changes nothing and says so, atomically,
so two replicas receiving the same request at the same moment cannot both accept it. An
expired key may be taken again (and is pruned).
"""

from __future__ import annotations


class SeenQueries:
    """Mixed into Store."""

    def first_sighting(self, key: str, *, expires_at: int, now: int) -> bool:
        """True if `key` was not live (never seen, or expired), recording it until `expires_at`."""
        with self.transaction() as tx:
            return tx.run(
                "INSERT INTO slack_seen (key, expires_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at "
                "WHERE slack_seen.expires_at < ?",
                (key, int(expires_at), int(now)),
            ) == 1

    def prune_seen(self, now: int) -> int:
        """Forget keys that expired before `now`; returns how many."""
        with self.transaction() as tx:
            return tx.run("DELETE FROM slack_seen WHERE expires_at < ?", (int(now),))
