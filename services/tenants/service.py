"""The tenants service: entrypoints only. The domain logic lives in
services.tenants: access (who may do what), intake_links (the QR link),
closing (the hold of 提交), entries and totals (what the owner and reviewers
see), intake_pages and submission (the tenant's anonymous pages), rolls,
retention, limits."""
from nameko.dependency_providers import Config

from services.common import config as cfg
from services.common import contracts
from services.common import operation_log  # module import: one service class per module
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common import events
from services.tenants import (
    access, closing, entries, intake_links, intake_pages, limits, links, retention, rolls, steps, submission, totals,
)


# `events.EventAdmin`, not the bare name: `nameko run services.tenants.service`
# takes every class of this module that has entrypoints for a service.
class TenantsService(events.EventAdmin, operation_log.OperationLogAdmin):
    name = contracts.TENANTS

    db = Database(contracts.TENANTS)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    config = Config()  # the container's config: the link tokens' secret

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    # --- the enterprise's QR link -------------------------------------------------

    @rpc
    def open_link(self, declaration_id, base_name, batch_closes_at=None, renew=False):
        return intake_links.open_link(
            self.db.session, self.caller, declaration_id, base_name, batch_closes_at, self.config, renew
        )

    @rpc
    def revoke_link(self, declaration_id):
        return intake_links.revoke_link(self.db.session, self.caller, declaration_id, self.config)

    @rpc
    def link_status(self, declaration_id):
        return intake_links.link_status(self.db.session, self.caller, declaration_id, self.config)

    @rpc
    def short_link(self, declaration_id):
        """The short id of the active link, for its QR code (the owner only)."""
        link = access.owned_link(self.db.session, self.caller, declaration_id)
        short_id = links.short_id_for(self.db.session, link)
        return {"short_id": short_id, "url_path": links.short_path(short_id)}

    @rpc(public=True)
    def resolve_short(self, short_id):
        """What a scanned short link opens: the signed intake token."""
        token = links.lookup_short(self.db.session, short_id, self.config)
        return {"token": token, "url_path": intake_links.url_path(token)}

    # --- the declaration's roll-up ------------------------------------------------

    @rpc
    def close_intake(self, declaration_id):
        hold = cfg.get(contracts.ENV_INTAKE_HOLD_SECONDS, self.config, closing.HOLD_SECONDS)
        return closing.close_intake(self.db.session, self.caller, declaration_id, hold)

    @rpc
    def reopen_intake(self, declaration_id):
        return closing.reopen_intake(self.db.session, self.caller, declaration_id)

    @rpc
    def totals(self, declaration_id):
        return totals.totals(self.db.session, self.caller, declaration_id)

    @rpc
    def submitted_roll(self, declaration_id, version=None):
        """入驻企业名单 as it was at 提交 of a version (the latest when None)."""
        return rolls.submitted_roll(self.db.session, self.caller, declaration_id, version)

    @rpc
    def list_entries(self, declaration_id, details=False):
        return entries.list_entries(self.db.session, self.caller, declaration_id, details)

    @rpc
    def get_entry(self, declaration_id, entry_id):
        return entries.get_entry(self.db.session, self.caller, declaration_id, entry_id)

    @rpc
    def exclude_entry(self, declaration_id, entry_id, reason):
        return entries.exclude_entry(self.db.session, self.caller, declaration_id, entry_id, reason)

    @rpc
    def reopen_entry(self, declaration_id, entry_id):
        return entries.reopen_entry(self.db.session, self.caller, declaration_id, entry_id)

    # --- the tenant's pages (anonymous; the signed link token is the key) ---------

    @rpc(public=True)
    def describe_steps(self):
        """The intake steps' description and its hash (docs/descriptions.md):
        the same for everyone, kept by each gateway process."""
        return steps.description()

    # The others are counted against the device and the client's address (`ip`, from
    # the gateway) and refused with RateLimited over the caps (tenants.limits).

    @rpc(public=True)
    def intake_context(self, token, device_id, ip=None):
        self._limit(limits.VIEW, device_id, ip)
        return intake_pages.intake_context(self.db.session, token, device_id, self.config)

    @rpc(public=True)
    def save_intake_step(self, token, step, data, device_id, ip=None):
        self._limit(limits.WRITE, device_id, ip)
        return intake_pages.save_step(self.db.session, token, step, data, device_id, self.config)

    @rpc(public=True)
    def submit_intake(self, token, device_id, ip=None, notice=None):
        self._limit(limits.WRITE, device_id, ip)
        return submission.submit(self.db.session, token, device_id, self.db.dispatch, self.config, notice)

    @rpc(public=True)
    def submit_intake_entry(self, token, answers, device_id, ip=None, notice=None):
        """确认提交 of the one-page form: every step at once, checked in full."""
        self._limit(limits.WRITE, device_id, ip)
        return submission.submit_entry(self.db.session, token, answers, device_id, self.db.dispatch, self.config, notice)

    def _limit(self, kind, device_id, ip):
        limits.check(self.db.session, kind, intake_pages.valid_device(device_id), ip, limits.settings(self.config))

    # --- declarations' events: tenants' copy of the declaration -------------------

    @events.event_handler(contracts.DECLARATIONS, contracts.DECLARATION_SUBMITTED)
    def on_declaration_submitted(self, envelope):
        """Keep the 入驻企业名单 of the submitted version (intake is closed)."""
        rolls.on_submitted(self.db.session, envelope["data"])

    @events.event_handler(contracts.DECLARATIONS, contracts.DECLARATION_ERASED)
    def on_declaration_erased(self, envelope):
        """Its declaration's personal data is gone: so are its tenant entries."""
        data = envelope["data"]
        retention.erase_declaration(self.db.session, data["declaration_id"], data.get("reason"))

    @events.event_handler(contracts.DECLARATIONS, contracts.DECLARATION_STARTED)
    def on_declaration_started(self, envelope):
        access.apply_declaration(self.db.session, envelope)

    @events.event_handler(contracts.DECLARATIONS, contracts.DECLARATION_CHANGED)
    def on_declaration_changed(self, envelope):
        """Submitted, returned, decided: intake opens and closes with it. A
        return reopens intake: the returned version's roll is kept first,
        should the submission's event still be queued."""
        if access.apply_declaration(self.db.session, envelope) and envelope["state"] in access.EDITABLE_STATES:
            rolls.before_reopening(self.db.session, envelope["data"])
