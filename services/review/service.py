"""The review service: entrypoints only; the domain logic lives in
services.review.intake (the read model), decisions, notes, listing and
scope (who sees what), services.review.calendar (working days) and
services.review.digest (the daily 审核提醒). Every RPC decides access from the
verified principal of the call."""
from nameko.dependency_providers import Config

from services.common import contracts
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, ServiceRpc, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.events import EventAdmin, event_handler
from services.common.idempotency import idempotent
from services.review import decisions, intake, listing, notes, publicity, withdrawal
from services.common import schedule
from services.review import calendar, digest, overdue
from services.review.list_cache import ListCache

DIGEST_AT = "08:30"  # Beijing time; REVIEW_DIGEST_AT may say another


class ReviewService(EventAdmin, operation_log.OperationLogAdmin):
    name = contracts.REVIEW

    db = Database(contracts.REVIEW)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @event_handler(contracts.DECLARATIONS, contracts.DECLARATION_SUBMITTED)
    def on_declaration_submitted(self, envelope):
        intake.receive_submission(self.db.session, envelope["data"], envelope.get("occurred_at"))

    list_figures = ListCache()  # the lists' counts, for a few seconds (services.review.list_cache)

    @rpc
    def list_cases(self, filters=None):
        return listing.list_cases(self.db.session, self.caller, filters, cache=self.list_figures)

    @rpc
    def get_case(self, declaration_id):
        return listing.get_case(self.db.session, self.caller, declaration_id)

    @rpc
    @idempotent
    def approve(self, declaration_id, revision, opinion=None, document_number=None):
        return decisions.approve(self.db, self.caller, declaration_id, revision, opinion, document_number)

    @rpc
    @idempotent
    def return_for_changes(self, declaration_id, revision, reason, sections=()):
        return decisions.return_for_changes(self.db, self.caller, declaration_id, revision, reason, sections)

    @rpc
    @idempotent
    def reject(self, declaration_id, revision, reason):
        return decisions.reject(self.db, self.caller, declaration_id, revision, reason)

    @rpc
    @idempotent
    def admin_return(self, declaration_id, revision, reason, sections=()):
        return decisions.admin_return(self.db, self.caller, declaration_id, revision, reason, sections)

    @rpc
    @idempotent
    def add_note(self, declaration_id, step, noted_on, text):
        return notes.add_note(self.db, self.caller, declaration_id, step, noted_on, text)

    @rpc
    def can_withdraw(self, declaration_id):
        return withdrawal.can_withdraw(self.db.session, self.caller, declaration_id)

    @rpc
    @idempotent
    def withdraw(self, declaration_id, revision):
        return withdrawal.withdraw(self.db, self.caller, declaration_id, revision)

    @rpc
    def publicity_candidates(self, page=1):
        return publicity.candidates(self.db.session, self.caller, page)

    @rpc
    @idempotent
    def start_publicity(self, title, starts_on, ends_on, declaration_ids):
        return publicity.start_publicity(self.db, self.caller, title, starts_on, ends_on, declaration_ids)

    @rpc
    def list_publicity(self, page=1):
        return publicity.list_publicity(self.db.session, self.caller, page)

    @rpc(public=True)
    def public_notices(self, page=1):
        return publicity.public_notices(self.db.session, page)

    # --- 节假日 (admins) and the daily digest ---------------------------------

    accounts = ServiceRpc(contracts.ACCOUNTS)  # the digest's phones, asked as the review service
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

    @schedule.daily(DIGEST_AT, setting=contracts.ENV_REVIEW_DIGEST_AT)
    def send_digest(self):
        """审核提醒: each office's waiting and overdue counts, by SMS."""
        return digest.send(self.db, self.accounts, default=overdue.default_due(self.config))
