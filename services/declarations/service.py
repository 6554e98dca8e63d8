"""The declarations service: entrypoints only; the domain logic lives in
plain modules: batches, editing (开始申报, saving, the Excel import), views,
attachments, submission (提交), versions, printing, review_events and
retention. Every RPC decides access from the verified principal of the call."""
from nameko.dependency_providers import Config

from services.common import blobs
from services.common import contracts
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, ServiceRpc, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.errors import BadState, ValidationFailed
from services.common import schedule
from services.common import events  # module import: `nameko run <module>` must see one service class
from services.common.idempotency import idempotent
from services.common.config import public_base_url
from services.declarations import (
    attachments, batches, editing, printing, review_events, section_pages, sections, service_calls, submission,
    versions, views,
)
from services.declarations import expiry, recognition_print
from services.declarations import retention  # also registers its retention with housekeeping


class DeclarationsService(events.EventAdmin, operation_log.OperationLogAdmin):
    name = contracts.DECLARATIONS

    db = Database(contracts.DECLARATIONS)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    # declarations' own principal (the owner is checked here first), a bounded wait
    tenants = ServiceRpc(contracts.TENANTS, timeout=service_calls.CALL_TIMEOUT)
    accounts = ServiceRpc(contracts.ACCOUNTS, timeout=service_calls.CALL_TIMEOUT)
    config = Config()  # the container's config: where the blob store is

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @rpc(public=True)
    def describe_sections(self):
        """Every section's rule table as a description {hash, parts}
        (docs/descriptions.md; GET /api/sections)."""
        return sections.description()

    @rpc(public=True)
    def describe_batch_form(self):
        """The console's 申报批次 form as a description {hash, parts}."""
        return batches.describe_form()

    # --- batches ------------------------------------------------------------

    @rpc
    def list_open_batches(self):
        return batches.list_batches(self.db.session, only_open=True)

    @rpc
    def list_batches(self):
        self.caller.require(contracts.ADMIN)
        return batches.list_batches(self.db.session)

    @rpc
    def get_batch(self, batch_id):
        return batches.batch_dict(batches.get_batch(self.db.session, batch_id))

    @rpc
    def batch_form(self, batch_id):
        self.caller.require(contracts.ADMIN)
        return batches.form_values(batches.get_batch(self.db.session, batch_id))

    @rpc
    @idempotent
    def save_batch(self, data, batch_id=None):
        return batches.save_batch(self.db.session, self.caller, data, batch_id)

    # --- the enterprise's declarations --------------------------------------

    @rpc
    def list_mine(self):
        return views.list_mine(self.db.session, self.caller)

    @rpc
    @idempotent
    def start(self, batch_id, accepted=False, profile=None):
        return editing.start(self.db.session, self.caller, batch_id, profile, accepted, dispatch=self.db.dispatch)

    @rpc
    def get(self, declaration_id):
        return views.get(self.db.session, self.caller, declaration_id)

    @rpc
    def section_view(self, declaration_id, section):
        """One section page's data, for the owner (section_pages)."""
        return section_pages.section_view(self.db.session, self.caller, declaration_id, section)

    @rpc
    def history(self, declaration_id):
        return views.history(self.db.session, self.caller, declaration_id)

    @rpc
    @idempotent(recorded_by_call=True)
    def save_section(self, declaration_id, section, data, claim=None):
        """保存 of 申请表 (the form sections)."""
        if section != sections.APPLICATION:
            raise ValidationFailed("这一部分请逐条添加", {})
        return editing.save_application(self.db.session, self.caller, declaration_id, data, claim=claim)

    @rpc
    @idempotent(recorded_by_call=True)
    def save_row(self, declaration_id, section, data, row_id=None, claim=None):
        return editing.save_row(self.db.session, self.caller, declaration_id, section, data, row_id,
                                claim=claim)

    @rpc
    @idempotent(recorded_by_call=True)
    def delete_row(self, declaration_id, section, row_id, claim=None):
        return editing.delete_row(self.db.session, self.caller, declaration_id, section, row_id, claim=claim)

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
        return editing.import_upload(self.db.session, store, self.caller, declaration_id, temp_key, mode)

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
        return submission.check_answers(self.db.session, self.caller, declaration_id, self.tenants, self.accounts)

    @rpc
    @idempotent
    def submit(self, declaration_id):
        """Hold intake closed (tenants), run every check, and when clean send
        the version to review (services.declarations.submission)."""
        return submission.submit_with_hold(self.db.session, self.caller, declaration_id, self.tenants,
                                           self.accounts, self.db.dispatch)

    # --- versions (reviewers) -------------------------------------------------

    @rpc
    def versions(self, declaration_id):
        return versions.versions(self.db.session, self.caller, declaration_id)

    @rpc
    def version(self, declaration_id, number):
        return versions.version(self.db.session, self.caller, declaration_id, number)

    @rpc
    def diff(self, declaration_id, from_version, to_version):
        return versions.diff(self.db.session, self.caller, declaration_id, from_version, to_version)

    # --- 打印申请表 and the evidence of a version ------------------------------

    @rpc
    def print_version(self, declaration_id, version=None):
        """The PDF of a submitted version (its latest when None), rendered and
        stored on first request; where the gateway reads it."""
        store = blobs.blob_store(self.config)
        return printing.print_version(
            self.db.session, store, self.caller, declaration_id, version, public_base_url(self.config),
            render=printing.render_in_child,
        )

    @rpc(public=True)
    def verify_version(self, verify_id):
        """The public verification page of a printed version (its QR code)."""
        return printing.verify(self.db.session, verify_id)

    @rpc
    def print_recognition(self, declaration_id):
        """The 认定证书 PDF of a recognised declaration, rendered and stored on first request."""
        return recognition_print.print_recognition(
            self.db.session, blobs.blob_store(self.config), self.caller, declaration_id,
            public_base_url(self.config), render=printing.render_in_child,
        )

    @schedule.daily(expiry.REMIND_AT, setting=expiry.ENV_RECOGNITION_REMIND_AT)
    def remind_expiry(self):
        """认定到期提醒: an SMS at each of RECOGNITION_REMIND_DAYS before the end."""
        return expiry.send(self.db, self.accounts, thresholds=expiry.remind_days(self.config))

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
    # (review_events.on_review_event).

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_ADVANCED)
    def on_declaration_advanced(self, envelope):
        review_events.on_review_event(self.db.session, contracts.DECLARATION_ADVANCED, envelope, self.db.dispatch)

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_RETURNED)
    def on_declaration_returned(self, envelope):
        review_events.on_review_event(self.db.session, contracts.DECLARATION_RETURNED, envelope, self.db.dispatch)

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_APPROVED)
    def on_declaration_approved(self, envelope):
        review_events.on_review_event(self.db.session, contracts.DECLARATION_APPROVED, envelope, self.db.dispatch)

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_REJECTED)
    def on_declaration_rejected(self, envelope):
        review_events.on_review_event(self.db.session, contracts.DECLARATION_REJECTED, envelope, self.db.dispatch)

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_WITHDRAWN)
    def on_declaration_withdrawn(self, envelope):
        """撤回 by the enterprise, decided by review: back in its hands."""
        review_events.on_review_event(self.db.session, contracts.DECLARATION_WITHDRAWN, envelope, self.db.dispatch)

    @events.event_handler(contracts.REVIEW, contracts.DECLARATION_PUBLICIZED)
    def on_declaration_publicized(self, envelope):
        review_events.on_review_event(self.db.session, contracts.DECLARATION_PUBLICIZED, envelope, self.db.dispatch)
