"""The review service: entrypoints only; the domain logic lives in
services.review.cases (actions, lists) and services.review.scope (who sees
what). Every RPC decides access from the verified principal of the call."""
from services.common import contracts as c
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.events import EventAdmin, event_handler
from services.common.idempotency import idempotent
from services.review import cases


class ReviewService(EventAdmin, operation_log.OperationLogAdmin):
    name = c.REVIEW

    db = Database(c.REVIEW)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @event_handler(c.DECLARATIONS, c.DECLARATION_SUBMITTED)
    def on_declaration_submitted(self, envelope):
        cases.receive_submission(self.db.session, envelope["data"], envelope.get("occurred_at"))

    @rpc
    def list_cases(self, filters=None):
        return cases.list_cases(self.db.session, self.caller, filters)

    @rpc
    def get_case(self, declaration_id):
        return cases.get_case(self.db.session, self.caller, declaration_id)

    @rpc
    @idempotent
    def approve(self, declaration_id, revision, opinion=None):
        return cases.approve(self.db, self.caller, declaration_id, revision, opinion)

    @rpc
    @idempotent
    def return_for_changes(self, declaration_id, revision, reason, sections=()):
        return cases.return_for_changes(self.db, self.caller, declaration_id, revision, reason, sections)

    @rpc
    @idempotent
    def reject(self, declaration_id, revision, reason):
        return cases.reject(self.db, self.caller, declaration_id, revision, reason)

    @rpc
    @idempotent
    def admin_return(self, declaration_id, revision, reason, sections=()):
        return cases.admin_return(self.db, self.caller, declaration_id, revision, reason, sections)

    @rpc
    @idempotent
    def add_note(self, declaration_id, step, noted_on, text):
        return cases.add_note(self.db, self.caller, declaration_id, step, noted_on, text)
