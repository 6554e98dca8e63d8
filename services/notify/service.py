"""The notify service: entrypoints only; the domain logic lives in plain modules.

It is the only service that sends SMS, and only on `sms_requested` events
(from accounts, declarations and review): a message is sent as soon as the
request is handled; the timer retries what is due (services.notify.sending).
"""
from services.common import contracts as c
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.errors import Forbidden
from services.common.events import EventAdmin, event_handler
from services.notify import accepting, delivery_log, retention, sending
from services.notify.dependencies import Outbound, timer


class NotifyService(EventAdmin, operation_log.OperationLogAdmin):
    name = c.NOTIFY

    db = Database(c.NOTIFY)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    outbound = Outbound()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    def _accept(self, source, envelope):
        message = accepting.accept(
            self.db.session, source, envelope["event_id"], envelope["data"], self.outbound.settings
        )
        self.outbound.send_after_commit(message)

    @event_handler(c.ACCOUNTS, c.SMS_REQUESTED)
    def on_accounts_sms_requested(self, envelope):
        self._accept(c.ACCOUNTS, envelope)

    @event_handler(c.DECLARATIONS, c.SMS_REQUESTED)
    def on_declarations_sms_requested(self, envelope):
        self._accept(c.DECLARATIONS, envelope)

    @event_handler(c.REVIEW, c.SMS_REQUESTED)
    def on_review_sms_requested(self, envelope):
        self._accept(c.REVIEW, envelope)

    @event_handler(c.ACCOUNTS, c.ENTERPRISE_ERASED)
    def on_enterprise_erased(self, envelope):
        """An enterprise's personal data erased on request: its SMS go too."""
        data = envelope["data"]
        retention.erase_phones(self.db.session, data["enterprise_id"], data.get("phones"))

    @timer(c.ENV_SMS_POLL_INTERVAL, sending.Settings.poll_interval)
    def send_due(self):
        """Send what is due again: retries, sends taken back from a sender
        that died, anything the send after the commit could not do."""
        self.outbound.send_due()

    @rpc
    def list_messages(self, filters=None, page=1):
        """Admins: a page of the delivery log (phones masked), newest first."""
        self.caller.require(c.ADMIN)
        return delivery_log.list_messages(self.db.session, filters, page)

    @rpc(public=True)
    def dev_outbox(self, phone=None):
        """Development only: what the console provider 'sent'."""
        if self.outbound.production:
            raise Forbidden("仅开发环境可用")
        return delivery_log.dev_outbox(self.db.session, phone)
