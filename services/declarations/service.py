"""The declarations service: entrypoints only; the domain logic lives in
plain modules (batches, domain, attachments, ledger_import, checks)."""
import logging

import eventlet
from eventlet import semaphore
from eventlet.green import subprocess as green_subprocess
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from services.common import blobs
from services.common import contracts as c
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.errors import BadState, ServiceError, ValidationFailed
from services.common import events  # module import: `nameko run <module>` must see one service class
from services.common.idempotency import idempotent
from services.common import config as cfg
from services.declarations import attachments, batches, domain, ledger_import, pdf_render, printing, sections
from services.declarations import retention  # also registers its retention with housekeeping

log = logging.getLogger(__name__)

TENANTS_TIMEOUT = 15  # seconds; service-to-service calls have none of their own
TENANTS_UNAVAILABLE = "入驻企业数据暂时无法获取，请稍后再提交"
# 打印申请表: one rendering at a time per process, in a child process.
_rendering = semaphore.Semaphore(1)

ACCOUNTS_UNAVAILABLE = "企业注册信息暂时无法核对，请稍后再提交"


def render_in_child(html):
    with _rendering:
        try:
            return pdf_render.in_child(html, popen=green_subprocess.Popen)
        except pdf_render.RenderFailed as exc:
            log.error("申请表 rendering failed: %s", exc)
            raise BadState("申请表生成失败，请稍后再试")


class DeclarationsService(events.EventAdmin, operation_log.OperationLogAdmin):
    name = c.DECLARATIONS

    db = Database(c.DECLARATIONS)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    tenants = RpcProxy(c.TENANTS)
    accounts = RpcProxy(c.ACCOUNTS)
    config = Config()  # the container's config: where the blob store is

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @rpc(public=True)
    def describe_sections(self):
        """The rule tables of every section (GET /api/sections)."""
        return sections.describe()

    # --- batches ------------------------------------------------------------

    @rpc
    def list_open_batches(self):
        return batches.list_batches(self.db.session, only_open=True)

    @rpc
    def list_batches(self):
        self.caller.require(c.ADMIN)
        return batches.list_batches(self.db.session)

    @rpc
    def get_batch(self, batch_id):
        return batches.batch_dict(batches.get_batch(self.db.session, batch_id))

    @rpc
    def batch_form(self, batch_id):
        self.caller.require(c.ADMIN)
        return batches.form_values(batches.get_batch(self.db.session, batch_id))

    @rpc
    def batch_rules(self):
        return batches.BATCH_SCHEMA.describe()

    @rpc
    @idempotent
    def save_batch(self, data, batch_id=None):
        return batches.save_batch(self.db.session, self.caller, data, batch_id)

    # --- the enterprise's declarations --------------------------------------

    @rpc
    def list_mine(self):
        return domain.list_mine(self.db.session, self.caller)

    @rpc
    @idempotent
    def start(self, batch_id, accepted=False, profile=None):
        return domain.start(self.db.session, self.caller, batch_id, profile, accepted, dispatch=self.db.dispatch)

    @rpc
    def get(self, declaration_id):
        return domain.get(self.db.session, self.caller, declaration_id)

    @rpc
    def history(self, declaration_id):
        return domain.history(self.db.session, self.caller, declaration_id)

    @rpc
    @idempotent
    def save_section(self, declaration_id, section, data):
        """保存 of 申请表 (the form sections)."""
        if section != sections.APPLICATION:
            raise ValidationFailed("这一部分请逐条添加", {})
        return domain.save_application(self.db.session, self.caller, declaration_id, data)

    @rpc
    @idempotent
    def save_row(self, declaration_id, section, data, row_id=None):
        return domain.save_row(self.db.session, self.caller, declaration_id, section, data, row_id)

    @rpc
    @idempotent
    def delete_row(self, declaration_id, section, row_id):
        return domain.delete_row(self.db.session, self.caller, declaration_id, section, row_id)

    @rpc
    @idempotent
    def import_ledger(self, declaration_id, temp_key, mode=None):
        """Rows of an uploaded .xlsx (blob store, temporary key); all or nothing,
        appended to or replacing the ledger (`mode` "append" / "replace", to be
        chosen once the ledger has rows). Returns {imported, skipped (exact
        duplicates left out), replaced, count} or {imported: 0, errors: [{row,
        column, label, message}], message} ({needs_mode: true} when no mode was
        chosen)."""
        store = blobs.blob_store(self.config)
        domain.owned(self.db.session, self.caller, declaration_id)
        try:
            data = ledger_import.read_upload(store, temp_key, self.caller)
            rows = ledger_import.parse(data)
        except ledger_import.ImportFailed as exc:
            return {"imported": 0, "message": exc.message, "errors": exc.errors}
        return domain.import_rows(self.db.session, self.caller, declaration_id, sections.LEDGER, rows, mode)

    # --- attachments ------------------------------------------------------

    @rpc
    @idempotent
    def add_attachment(self, declaration_id, category, temp_key, filename):
        store = blobs.blob_store(self.config)
        return attachments.add(self.db.session, store, self.caller, declaration_id, category, temp_key, filename)

    @rpc
    @idempotent
    def delete_attachment(self, attachment_id):
        store = blobs.blob_store(self.config)
        return attachments.delete(self.db.session, store, self.caller, attachment_id)

    @rpc
    def attachment(self, attachment_id):
        """Metadata and blob key of a file, for the gateway to stream it."""
        return attachments.for_download(self.db.session, self.caller, attachment_id)

    # --- 提交 ---------------------------------------------------------------

    @rpc
    def preflight(self, declaration_id):
        """The checks of 提交 without submitting (the check-your-answers page),
        with the tenant entries' current totals."""
        session = self.db.session
        domain.owned(session, self.caller, declaration_id)
        totals = self._tenants(c.TENANTS_TOTALS, declaration_id)
        return domain.preflight(session, self.caller, declaration_id, totals, self._account())

    def _account(self):
        """The calling enterprise as accounts holds it (credit code, name):
        what the 申请表 is checked against, never what the gateway passes."""
        try:
            with eventlet.Timeout(TENANTS_TIMEOUT):
                return self.accounts.enterprise_summary.call_async(str(self.caller.id)).result()
        except ServiceError:
            raise
        except (eventlet.Timeout, Exception) as exc:
            log.warning("accounts.enterprise_summary failed: %r", exc)
            raise BadState(ACCOUNTS_UNAVAILABLE)

    def _tenants(self, method, declaration_id):
        try:
            with eventlet.Timeout(TENANTS_TIMEOUT):
                return getattr(self.tenants, method).call_async(declaration_id).result()
        except ServiceError:
            raise
        except (eventlet.Timeout, Exception) as exc:  # absent, or failing
            log.warning("tenants.%s(%s) failed: %r", method, declaration_id, exc)
            raise BadState(TENANTS_UNAVAILABLE)

    @rpc
    @idempotent
    def submit(self, declaration_id):
        """Hold intake closed (tenants), run every check, and when clean send
        the version to review. {"submitted": bool, "problems": [...], ...}

        No window leaves a draft with intake closed: the hold is released
        at once when the checks refuse or anything here fails, it runs out
        by itself when this worker dies or its commit fails, and only the
        committed submission closes intake for good (declaration_changed,
        published from the outbox with the commit)."""
        session = self.db.session
        domain.prepare_submit(session, self.caller, declaration_id)
        account = self._account()
        try:
            totals = self._tenants(c.TENANTS_CLOSE_INTAKE, declaration_id)
        except Exception:
            self._release_hold(declaration_id)  # tenants may have held it before failing to answer
            raise
        submitted = False
        try:
            result = domain.submit(session, self.caller, declaration_id, totals, self.db.dispatch,
                                   account=account)
            submitted = result["submitted"]
        finally:
            if not submitted:  # refused, or failed: the tenants may edit again
                self._release_hold(declaration_id)
        return result

    def _release_hold(self, declaration_id):
        try:
            self._tenants(c.TENANTS_REOPEN_INTAKE, declaration_id)
        except (BadState, ServiceError) as exc:
            log.warning("intake hold of %s not released (%s); it runs out by itself", declaration_id, exc)

    # --- versions (reviewers) -------------------------------------------------

    @rpc
    def versions(self, declaration_id):
        return domain.versions(self.db.session, self.caller, declaration_id)

    @rpc
    def version(self, declaration_id, number):
        return domain.version(self.db.session, self.caller, declaration_id, number)

    @rpc
    def diff(self, declaration_id, from_version, to_version):
        return domain.diff(self.db.session, self.caller, declaration_id, from_version, to_version)

    # --- 打印申请表 and the evidence of a version ------------------------------

    @rpc
    def print_version(self, declaration_id, version=None):
        """The PDF of a submitted version (its latest when None), rendered and
        stored on first request; where the gateway reads it."""
        store = blobs.blob_store(self.config)
        return printing.print_version(
            self.db.session, store, self.caller, declaration_id, version, cfg.public_base_url(self.config),
            render=render_in_child,
        )

    @rpc(public=True)
    def verify_version(self, verify_id):
        """The public verification page of a printed version (its QR code)."""
        return printing.verify(self.db.session, verify_id)

    @rpc
    def version_attachments(self, declaration_id, version=None):
        return printing.version_attachments(self.db.session, self.caller, declaration_id, version)
    # --- personal data on the enterprise's request (admins) ----------------------

    @rpc
    def export_enterprise_data(self, enterprise_id):
        return retention.export_enterprise(self.db.session, self.caller, enterprise_id)

    @rpc
    def erase_enterprise_data(self, enterprise_id):
        """{"declarations": n}; BadState while one is under review."""
        done = retention.erase_enterprise(self.db.session, blobs.blob_store(self.config), self.caller, enterprise_id)
        if self.db.finish(failed=False) is not None:  # the files go only once the rows are gone
            raise BadState("删除失败，请重试")
        retention.delete_blobs(blobs.blob_store(self.config), done["blob_keys"])
        return {"declarations": done["declarations"]}

    # --- review events --------------------------------------------------------

    # Applied by review's sequence, whatever order they come in
    # (domain.on_review_event).

    @events.event_handler(c.REVIEW, c.DECLARATION_ADVANCED)
    def on_declaration_advanced(self, envelope):
        domain.on_review_event(self.db.session, c.DECLARATION_ADVANCED, envelope, self.db.dispatch)

    @events.event_handler(c.REVIEW, c.DECLARATION_RETURNED)
    def on_declaration_returned(self, envelope):
        domain.on_review_event(self.db.session, c.DECLARATION_RETURNED, envelope, self.db.dispatch)

    @events.event_handler(c.REVIEW, c.DECLARATION_APPROVED)
    def on_declaration_approved(self, envelope):
        domain.on_review_event(self.db.session, c.DECLARATION_APPROVED, envelope, self.db.dispatch)

    @events.event_handler(c.REVIEW, c.DECLARATION_REJECTED)
    def on_declaration_rejected(self, envelope):
        domain.on_review_event(self.db.session, c.DECLARATION_REJECTED, envelope, self.db.dispatch)
