"""The accounts service: entrypoints only; the domain logic lives in plain modules."""
from nameko.timer import timer

from services.accounts import enterprises, housekeeping, login, login_log, sessions, staff
from services.accounts.demo import ProductionGuard
from services.accounts.dependencies import Settings
from services.common import contracts as c
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common import operation_log  # module import: one service class per module
from services.common.errors import Forbidden, RateLimited, Unauthenticated


class AccountsService(operation_log.OperationLogAdmin):
    name = c.ACCOUNTS

    db = Database(c.ACCOUNTS)
    caller = Caller()
    settings = Settings()
    guard = ProductionGuard()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @timer(interval=3600)
    def purge(self):
        """Hourly: drop ended sessions, old SMS rows and login failures, and
        登录日志 rows past LOG_KEEP_DAYS."""
        housekeeping.purge(self.db.session, log_keep_days=self.settings.log_keep_days)

    # --- sessions ---------------------------------------------------------
    @rpc(public=True)
    def resolve_session(self, token):
        """{"principal": {kind, id, region_code, level}, "account": {id, kind,
        username, display_name, region_code, level}} or None."""
        return sessions.resolve(self.db.session, token)

    @rpc(public=True)
    def login(self, username, password, portal, ip=None):
        """portal: "enterprise" (portal login) or "staff" (console login).
        Returns {"token", "account"}; the token goes into the cookie."""
        kinds = (c.ENTERPRISE,) if portal == c.ENTERPRISE else staff.STAFF_KINDS
        where = login_log.PORTAL if portal == c.ENTERPRISE else login_log.CONSOLE
        try:
            account = login.authenticate(
                self.db.session, username, password, kinds, ip=ip, ip_limit=self.settings.login_failures_per_ip
            )
        except (RateLimited, Unauthenticated, Forbidden) as exc:
            login_log.refused(self.db.session, username, where, ip, exc)
            raise
        login_log.record(self.db.session, username, where, ip, login_log.SUCCESS, account_id=account.id)
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

    # --- console ------------------------------------------------------------
    @rpc
    def list_logins(self, filters=None, page=1, per_page=50):
        """Admins: 登录日志, newest first (services.accounts.login_log.search)."""
        self._caller().require(c.ADMIN)
        return login_log.search(self.db.session, filters, page, per_page)

    @rpc
    def staff_names(self, ids):
        """{id: {name, office}} of staff accounts among `ids`: the console
        names the person and the office in audit trails, notes and logs."""
        self._caller().require(c.REVIEWER, c.ADMIN)
        return staff.names(self.db.session, ids)

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
        settled = enterprises.settle_appeal(self.db, principal, appeal_id, accept, note)
        staff.log_appeal(self.db.session, principal, settled)
        return settled

    @rpc
    def list_staff(self):
        self._caller().require(c.ADMIN)
        return staff.listing(self.db.session)

    @rpc
    def create_staff(self, username, password, name, kind, level=None, region_code=None):
        principal = self._caller().require(c.ADMIN)
        person = staff.create(self.db.session, username, password, name, kind, level, region_code)
        staff.log(self.db.session, principal, "staff.create", person, after=staff.described(person))
        return person

    @rpc
    def set_staff_disabled(self, account_id, disabled):
        principal = self._caller().require(c.ADMIN)
        was = staff.state_label(self.db.session, account_id)
        person = staff.set_disabled(self.db.session, account_id, disabled, principal.id)
        staff.log(self.db.session, principal, "staff.disable" if disabled else "staff.enable", person,
                  before={"状态": was}, after={"状态": staff.state_label(self.db.session, account_id)})
        return person

    @rpc
    def reset_staff_password(self, account_id, password):
        principal = self._caller().require(c.ADMIN)
        person = staff.reset_password(self.db.session, account_id, password)
        staff.log(self.db.session, principal, "staff.reset_password", person, after={"密码": "已重置，登录全部失效"})
        return person

    def _caller(self):
        if self.caller is None:
            raise Unauthenticated("请先登录")
        return self.caller
