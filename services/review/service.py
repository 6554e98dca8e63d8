"""The review service: entrypoints only; the domain logic lives in
services.review.cases (actions, lists), services.review.scope (who sees
what), services.review.calendar (working days) and services.review.digest
(the daily 审核提醒). Every RPC decides access from the verified principal of
the call."""
from nameko.dependency_providers import Config

from services.common import contracts as c
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, ServiceRpc, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.events import EventAdmin, event_handler
from services.common.idempotency import idempotent
from services.common import schedule
from services.review import calendar, cases, digest, overdue

DIGEST_AT = "08:30"  # Beijing time; REVIEW_DIGEST_AT may say another


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

    # --- 节假日 (admins) and the daily digest ---------------------------------

    accounts = ServiceRpc(c.ACCOUNTS)  # the digest's phones, asked as the review service
    config = Config()  # the container's config: REVIEW_DUE_WORKING_DAYS

    @rpc
    def list_calendar_days(self, year=None):
        return calendar.list_days(self.db.session, self.caller, year)

    @rpc
    def set_calendar_day(self, day, kind, note=None):
        return calendar.set_day(self.db.session, self.caller, day, kind, note)

    @rpc
    def remove_calendar_day(self, day):
        return calendar.remove_day(self.db.session, self.caller, day)

    @schedule.daily(DIGEST_AT, setting=c.ENV_REVIEW_DIGEST_AT)
    def send_digest(self):
        """审核提醒: each office's waiting and overdue counts, by SMS."""
        return digest.send(self.db, self.accounts, default=overdue.default_due(self.config))
