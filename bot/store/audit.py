"""SQL for the audit log: who changed what, with the value before and after (admin changes
are written by bot/admin.py, often in the transaction of the change itself: `tx`).

A mixin of `Store` (see base.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.clock import from_ts, now_ts


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any


class AuditQueries:
    """Mixed into Store."""

    def audit(self, actor: str, action: str, target: str, before: Any, after: Any, tx=None) -> None:
        sql = "INSERT INTO audit_log(at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)"
        params = (now_ts(), actor, action, target, json.dumps(before), json.dumps(after))
        if tx is not None:
            tx.run(sql, params)
            return
        with self.transaction() as t:
            t.run(sql, params)

    def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        rows = self._all(
            "SELECT id, at, actor, action, target, before, after FROM audit_log "
            "ORDER BY at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [
            AuditEntry(r[0], from_ts(r[1]), r[2], r[3], r[4], json.loads(r[5] or "null"), json.loads(r[6] or "null"))
            for r in rows
        ]
