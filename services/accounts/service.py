"""The accounts service: entrypoints only; the domain logic lives in plain modules."""
from nameko.timer import timer

from services.accounts import api_tokens, enterprises, housekeeping, login, sessions, staff
from services.accounts.demo import ProductionGuard
from services.accounts.dependencies import Settings
from services.common import contracts as c
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.errors import Forbidden, Unauthenticated


class AccountsService:
    name = c.ACCOUNTS

    db = Database(c.ACCOUNTS)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    settings = Settings()
    guard = ProductionGuard()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @timer(interval=3600)
    def purge(self):
        """Hourly: drop ended sessions, old SMS rows and login failures."""
        housekeeping.purge(self.db.session)

    # --- sessions ---------------------------------------------------------
    @rpc(public=True)
    def resolve_session(self, token):
        """{"principal": {kind, id, region_code, level}, "account": {id, kind,
        username, display_name, region_code, level}} or None."""
        return sessions.resolve(self.db.session, token)

    @rpc(public=True)
    def resolve_api_token(self, token):
        """As resolve_session, for a token of the JSON API (Authorization:
        Bearer); RateLimited past the token's per-minute allowance."""
        return api_tokens.resolve(self.db.session, token, self.settings.api_token_per_minute)

    @rpc
    def list_api_tokens(self):
        return api_tokens.list_mine(self.db.session, self.caller)

    @rpc
    def create_api_token(self, name):
        """{id, name, prefix, created_at, token}: the token is shown once."""
        return api_tokens.create(self.db.session, self.caller, name)

    @rpc
    def revoke_api_token(self, token_id):
        return api_tokens.revoke(self.db.session, self.caller, token_id)

    @rpc(public=True)
    def login(self, username, password, portal, ip=None):
        """portal: "enterprise" (portal login) or "staff" (console login).
        Returns {"token", "account"}; the token goes into the cookie."""
        kinds = (c.ENTERPRISE,) if portal == c.ENTERPRISE else staff.STAFF_KINDS
        account = login.authenticate(
            self.db.session, username, password, kinds, ip=ip, ip_limit=self.settings.login_failures_per_ip
        )
        token = sessions.start(self.db.session, account.id)
        return {"token": token, "account": sessions.account_view(account)}

    @rpc(public=True)
    def logout(self, token):
        sessions.end(self.db.session, token)
        return True

    # --- enterprises: anonymous steps -------------------------------------
    @rpc(public=True)
    def request_code(self, purpose, data, ip=None):
        """获取验证码 for purpose register / reset_password / change_phone /
        appeal; emits sms_requested. {"phone_masked", "minutes"}."""
        return enterprises.request_code(self.db, self.settings, self.caller, purpose, data, ip)

    @rpc(public=True)
    def register(self, data, licence_key, ip=None):
        """注册: form values and the temporary blob key of the licence image.
        {"id", "username"}; ValidationFailed with field messages."""
        return enterprises.register(self.db, self.settings, data, licence_key, ip)

    @rpc(public=True)
    def forgot_username(self, data, ip=None):
        return enterprises.forgot_username(self.db, self.settings, data, ip)

    @rpc(public=True)
    def reset_password(self, data):
        return enterprises.reset_password(self.db, self.settings, data)

    @rpc(public=True)
    def submit_appeal(self, data, licence_key):
        return enterprises.submit_appeal(self.db, self.settings, data, licence_key)

    # --- enterprises: the logged-in enterprise, staff, services ----------
    @rpc
    def enterprise_summary(self, enterprise_id):
        """{id, username, name, credit_code, region_code, region_name,
        contact_name, contact_phone, disabled}; for the enterprise itself,
        staff and services."""
        principal = self._caller()
        if principal.is_enterprise and principal.id != enterprise_id:
            raise Forbidden("无权查看其他企业的信息")
        return enterprises.summary(self.db.session, enterprise_id)

    @rpc
    def enterprise_licence(self, enterprise_id):
        """{"key", "content_type"} of the licence image in the blob store."""
        principal = self._caller()
        if principal.is_enterprise and principal.id != enterprise_id:
            raise Forbidden("无权查看其他企业的信息")
        return enterprises.licence_key_of(self.db.session, enterprise_id)

    @rpc
    def change_password(self, data):
        principal = self._caller().require(c.ENTERPRISE, c.REVIEWER, c.ADMIN)
        return enterprises.change_password(self.db, principal, data)

    @rpc
    def change_contact(self, data):
        principal = self._caller().require(c.ENTERPRISE)
        return enterprises.change_contact(self.db, self.settings, principal, data)

    # --- console (admins only) -------------------------------------------
    @rpc
    def list_appeals(self):
        self._caller().require(c.ADMIN)
        return enterprises.list_appeals(self.db.session)

    @rpc
    def get_appeal(self, appeal_id):
        self._caller().require(c.ADMIN)
        return enterprises.get_appeal(self.db.session, appeal_id)

    @rpc
    def settle_appeal(self, appeal_id, accept, note=""):
        principal = self._caller().require(c.ADMIN)
        return enterprises.settle_appeal(self.db, principal, appeal_id, accept, note)

    @rpc
    def list_staff(self):
        self._caller().require(c.ADMIN)
        return staff.listing(self.db.session)

    @rpc
    def create_staff(self, username, password, name, kind, level=None, region_code=None):
        self._caller().require(c.ADMIN)
        return staff.create(self.db.session, username, password, name, kind, level, region_code)

    @rpc
    def set_staff_disabled(self, account_id, disabled):
        principal = self._caller().require(c.ADMIN)
        return staff.set_disabled(self.db.session, account_id, disabled, principal.id)

    @rpc
    def reset_staff_password(self, account_id, password):
        self._caller().require(c.ADMIN)
        return staff.reset_password(self.db.session, account_id, password)

    def _caller(self):
        if self.caller is None:
            raise Unauthenticated("请先登录")
        return self.caller
