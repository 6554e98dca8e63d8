"""Admin RPCs for a service's parked event messages (services.common.events):
`list_parked` shows them, `replay_parked` tries one once more."""
import json

from sqlalchemy import select, update

from services.common import clock
from services.common import contracts
from services.common import operation_log
from services.common.entrypoints import rpc
from services.common.errors import NotFound
from services.common.tables import failed_events


def _body(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


class EventAdmin:
    """Admin RPCs for the parked messages of a service; mix into the service
    class (it uses the service's `db` and `caller`)."""

    @rpc
    def list_parked(self, limit=200):
        """The parked messages, oldest first (at most `limit`): [{id, handler,
        event_id, attempts, last_error, parked_at, created_at, body}]."""
        self.caller.require(contracts.ADMIN)
        limit = max(1, min(int(limit), 1000))
        rows = self.db.session.execute(
            select(failed_events)
            .where(failed_events.c.parked_at.is_not(None))
            .order_by(failed_events.c.parked_at, failed_events.c.id)
            .limit(limit)
        ).mappings().all()
        return [
            {
                "id": row["id"],
                "handler": row["handler"],
                "event_id": row["event_id"],
                "attempts": row["attempts"],
                "last_error": row["last_error"],
                "parked_at": clock.iso(row["parked_at"]),
                "created_at": clock.iso(row["created_at"]),
                "body": _body(row["body"]),
            }
            for row in rows
        ]

    @rpc
    def replay_parked(self, parked_id):
        """Try a parked message once more, now; it is parked again if it
        fails. Returns {"id": parked_id, "replayed": True}."""
        principal = self.caller.require(contracts.ADMIN)
        stamp = clock.utcnow()
        result = self.db.session.execute(
            update(failed_events)
            .where(failed_events.c.id == str(parked_id))
            .where(failed_events.c.parked_at.is_not(None))
            .values(parked_at=None, next_attempt_at=stamp, updated_at=stamp)
        )
        if result.rowcount != 1:
            raise NotFound("没有找到该条暂存的消息")
        operation_log.record(self.db.session, principal, "parked.replay", f"{self.name} 服务的暂存消息",
                             str(parked_id), now=stamp)
        return {"id": parked_id, "replayed": True}
