"""The tenants service: entrypoints only; the domain logic lives in
services.tenants.intake."""
from nameko.dependency_providers import Config

from services.common import config as cfg
from services.common import contracts as c
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common import events
from services.tenants import intake, limits


# `events.EventAdmin`, not the bare name: `nameko run services.tenants.service`
# takes every class of this module that has entrypoints for a service.
class TenantsService(events.EventAdmin):
    name = c.TENANTS

    db = Database(c.TENANTS)
    caller = Caller()
    config = Config()  # the container's config: the link tokens' secret

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    # --- the enterprise's QR link -------------------------------------------------

    @rpc
    def open_link(self, declaration_id, base_name, batch_closes_at=None, renew=False):
        return intake.open_link(
            self.db.session, self.caller, declaration_id, base_name, batch_closes_at, self.config, renew
        )

    @rpc
    def revoke_link(self, declaration_id):
        return intake.revoke_link(self.db.session, self.caller, declaration_id, self.config)

    @rpc
    def link_status(self, declaration_id):
        return intake.link_status(self.db.session, self.caller, declaration_id, self.config)

    # --- the declaration's roll-up ------------------------------------------------

    @rpc
    def close_intake(self, declaration_id):
        hold = cfg.get(c.ENV_INTAKE_HOLD_SECONDS, self.config, intake.HOLD_SECONDS)
        return intake.close_intake(self.db.session, self.caller, declaration_id, hold)

    @rpc
    def reopen_intake(self, declaration_id):
        return intake.reopen_intake(self.db.session, self.caller, declaration_id)

    @rpc
    def totals(self, declaration_id):
        return intake.totals(self.db.session, self.caller, declaration_id)

    @rpc
    def list_entries(self, declaration_id, details=False):
        return intake.list_entries(self.db.session, self.caller, declaration_id, details)

    @rpc
    def get_entry(self, declaration_id, entry_id):
        return intake.get_entry(self.db.session, self.caller, declaration_id, entry_id)

    @rpc
    def exclude_entry(self, declaration_id, entry_id, reason):
        return intake.exclude_entry(self.db.session, self.caller, declaration_id, entry_id, reason)

    @rpc
    def reopen_entry(self, declaration_id, entry_id):
        return intake.reopen_entry(self.db.session, self.caller, declaration_id, entry_id)

    # --- the tenant's pages (anonymous; the signed link token is the key) ---------

    # Each is counted against the device and the client's address (`ip`, from
    # the gateway) and refused with RateLimited over the caps (tenants.limits).

    @rpc(public=True)
    def intake_context(self, token, device_id, ip=None):
        self._limit(limits.VIEW, device_id, ip)
        return intake.intake_context(self.db.session, token, device_id, self.config)

    @rpc(public=True)
    def save_intake_step(self, token, step, data, device_id, ip=None):
        self._limit(limits.WRITE, device_id, ip)
        return intake.save_step(self.db.session, token, step, data, device_id, self.config)

    @rpc(public=True)
    def submit_intake(self, token, device_id, ip=None):
        self._limit(limits.WRITE, device_id, ip)
        return intake.submit(self.db.session, token, device_id, self.db.dispatch, self.config)

    def _limit(self, kind, device_id, ip):
        limits.check(self.db.session, kind, intake.valid_device(device_id), ip, limits.settings(self.config))

    # --- declarations' events: tenants' copy of the declaration -------------------

    @events.event_handler(c.DECLARATIONS, c.DECLARATION_STARTED)
    def on_declaration_started(self, envelope):
        intake.apply_declaration(self.db.session, envelope)

    @events.event_handler(c.DECLARATIONS, c.DECLARATION_CHANGED)
    def on_declaration_changed(self, envelope):
        """Submitted, returned, decided: intake opens and closes with it."""
        intake.apply_declaration(self.db.session, envelope)
