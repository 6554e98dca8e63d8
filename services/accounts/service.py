"""The accounts service: entrypoints only; the domain logic lives in plain modules."""
import contextlib

from nameko.timer import timer

from services.accounts import api_tokens, appeals, enterprises, forms, housekeeping, login, login_log, retention, second_factor, sessions, staff, staff_phones
from services.accounts.demo import ProductionGuard
from services.accounts.dependencies import Settings
from services.common import blobs
from services.common import contracts
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common import operation_log  # module import: one service class per module
from services.common.logs import CorrelationId
from services.common.metrics import Metrics
from services.common.errors import BadState, Forbidden, RateLimited, Unauthenticated


class AccountsService(operation_log.OperationLogAdmin):
    name = contracts.ACCOUNTS

    db = Database(contracts.ACCOUNTS)
    caller = Caller()
    correlation = CorrelationId()  # every line a worker logs names its request
    metrics = Metrics()  # workers, RPC latency, events; /metrics when METRICS_PORT is set
    settings = Settings()
    guard = ProductionGuard()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

    @timer(interval=300)
    def purge(self):
        """Every five minutes: drop ended sessions, old SMS rows and login
        failures, mask the codes of published SMS requests, delete 登录日志
        rows past LOG_KEEP_DAYS, and delete temporary uploads no service took
        (the blob store is shared)."""
        housekeeping.purge(self.db.session, log_keep_days=self.settings.log_keep_days)
        blobs.sweep_temp(self.settings.store)

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
        kinds = (contracts.ENTERPRISE,) if portal == contracts.ENTERPRISE else staff.STAFF_KINDS
        where = login_log.PORTAL if portal == contracts.ENTERPRISE else login_log.CONSOLE
        try:
            account = login.authenticate(
                self.db.session, username, password, kinds, ip=ip, ip_limit=self.settings.login_failures_per_ip
            )
        except (RateLimited, Unauthenticated, Forbidden) as exc:
            login_log.refused(self.db.session, username, where, ip, exc)
            raise
        view = sessions.account_view(account)
        if account.kind in staff.STAFF_KINDS:
            outcome, challenge = second_factor.after_password(
                self.db.session, self.settings.second_factor, account, ip)
            if challenge:
                # No session yet: the second factor (or its enrolment) is due.
                login_log.record(self.db.session, username, where, ip, outcome, account_id=account.id)
                kind = "totp" if outcome == second_factor.OUTCOME_TOTP_REQUIRED else "enrol"
                return {"second_factor": kind, "challenge": challenge, "outcome": outcome, "account": view}
        login_log.record(self.db.session, username, where, ip, login_log.SUCCESS, account_id=account.id)
        token = sessions.start(self.db.session, account.id)
        return {"token": token, "account": view, "outcome": second_factor.OUTCOME_PASSWORD_ONLY}

    # --- staff: 两步验证 (services.accounts.second_factor) ------------------
    @rpc(public=True)
    def verify_second_factor(self, challenge, code, ip=None):
        """The second step of a staff login: a TOTP code or a recovery code.
        {"token", "account", "outcome": totp_ok | recovery_code_ok};
        Unauthenticated (a wrong code is counted) otherwise."""
        with self._second_step(ip):
            outcome, account = second_factor.verify(self.db.session, self.settings.second_factor, challenge, code)
        login_log.record(self.db.session, account.username, login_log.CONSOLE, ip, outcome, account_id=account.id)
        token = sessions.start(self.db.session, account.id)
        return {"token": token, "account": sessions.account_view(account), "outcome": outcome}

    @rpc(public=True)
    def challenge_enrolment(self, challenge):
        """Enrolment forced at login: a fresh secret {"secret", "uri", ...}."""
        with self._second_step():
            return second_factor.enrolment_of_challenge(self.db.session, self.settings.second_factor, challenge)

    @rpc(public=True)
    def confirm_challenge_enrolment(self, challenge, code, ip=None):
        """The first code confirms the enrolment and the login goes on:
        {"token", "account", "recovery_codes", "outcome": enrolled}."""
        with self._second_step(ip):
            account, codes = second_factor.confirm_challenge_enrolment(
                self.db.session, self.settings.second_factor, challenge, code)
        login_log.record(self.db.session, account.username, login_log.CONSOLE, ip, second_factor.OUTCOME_ENROLLED,
                         account_id=account.id)
        token = sessions.start(self.db.session, account.id)
        return {"token": token, "account": sessions.account_view(account), "recovery_codes": codes,
                "outcome": second_factor.OUTCOME_ENROLLED}

    @rpc
    def second_factor_status(self):
        account = self._staff_account()
        return second_factor.status(self.db.session, self.settings.second_factor, account)

    @rpc
    def begin_second_factor(self):
        return second_factor.begin_enrolment(self.settings.second_factor, self._staff_account())

    @rpc
    def confirm_second_factor(self, code):
        """{"recovery_codes": [...], "outcome": enrolled}."""
        codes = second_factor.confirm_enrolment(
            self.db.session, self.settings.second_factor, self._staff_account(), code)
        return {"recovery_codes": codes, "outcome": second_factor.OUTCOME_ENROLLED}

    @rpc
    def reset_second_factor(self, account_id):
        """An admin clears a staff member's second factor (a lost phone)."""
        self._caller().require(contracts.ADMIN)
        outcome = second_factor.reset(self.db.session, staff.get(self.db.session, account_id))
        return {"outcome": outcome}

    @contextlib.contextmanager
    def _second_step(self, ip=None):
        try:
            yield
        except second_factor.SecondFactorFailed as exc:
            # The counted attempt and its 登录日志 row stay although the call fails.
            login_log.record(self.db.session, "", login_log.CONSOLE, ip, exc.outcome, exc.message)
            self.db.session.commit()
            raise Unauthenticated(exc.message)

    def _staff_account(self):
        principal = self._caller().require(contracts.REVIEWER, contracts.ADMIN)
        return staff.get(self.db.session, principal.id)

    @rpc(public=True)
    def logout(self, token):
        sessions.end(self.db.session, token)
        return True

    # --- the portal's forms -------------------------------------------------
    @rpc(public=True)
    def describe_forms(self):
        """The account pages' description {"hash", "parts"} (docs/descriptions.md)."""
        return forms.described_pages()

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
        return appeals.submit(self.db, self.settings, data, licence_key)

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
        principal = self._caller().require(contracts.ENTERPRISE, contracts.REVIEWER, contracts.ADMIN)
        return enterprises.change_password(self.db, principal, data)

    @rpc
    def change_contact(self, data):
        principal = self._caller().require(contracts.ENTERPRISE)
        return enterprises.change_contact(self.db, self.settings, principal, data)

    # --- console ------------------------------------------------------------
    @rpc
    def list_logins(self, filters=None, page=1, per_page=50):
        """Admins: 登录日志, newest first (services.accounts.login_log.search)."""
        self._caller().require(contracts.ADMIN)
        return login_log.search(self.db.session, filters, page, per_page)

    @rpc
    def staff_names(self, ids):
        """{id: {name, office}} of staff accounts among `ids`: the console
        names the person and the office in audit trails, notes and logs."""
        self._caller().require(contracts.REVIEWER, contracts.ADMIN)
        return staff.names(self.db.session, ids)

    @rpc
    def list_appeals(self):
        self._caller().require(contracts.ADMIN)
        return appeals.listing(self.db.session)

    @rpc
    def get_appeal(self, appeal_id):
        self._caller().require(contracts.ADMIN)
        return appeals.get(self.db.session, appeal_id)

    @rpc
    def settle_appeal(self, appeal_id, accept, note=""):
        principal = self._caller().require(contracts.ADMIN)
        settled = appeals.settle(self.db, principal, appeal_id, accept, note)
        staff.log_appeal(self.db.session, principal, settled)
        return settled

    # --- personal data on an enterprise's request (admins) -----------------
    @rpc
    def find_enterprise(self, query):
        """The id of the enterprise with this username or 统一社会信用代码, or None."""
        self._caller().require(contracts.ADMIN)
        return retention.find_enterprise(self.db.session, query)

    @rpc
    def export_enterprise_data(self, enterprise_id):
        return retention.export_enterprise(self.db.session, self._caller(), enterprise_id)

    @rpc
    def erase_enterprise_data(self, enterprise_id):
        done, keys = retention.erase_enterprise(
            self.db.session, self.settings.store, self._caller(), enterprise_id, self.db.dispatch)
        if self.db.finish(failed=False) is not None:  # the files go only once the rows name them no more
            raise BadState("删除失败，请重试")
        retention.delete_blobs(self.settings.store, keys)
        return done

    @rpc
    def list_staff(self):
        self._caller().require(contracts.ADMIN)
        return staff.listing(self.db.session)

    @rpc
    def create_staff(self, username, password, name, kind, level=None, region_code=None):
        principal = self._caller().require(contracts.ADMIN)
        person = staff.create(self.db.session, username, password, name, kind, level, region_code)
        staff.log(self.db.session, principal, "staff.create", person, after=staff.described(person))
        return person

    @rpc
    def set_staff_disabled(self, account_id, disabled):
        principal = self._caller().require(contracts.ADMIN)
        was = staff.state_label(self.db.session, account_id)
        person = staff.set_disabled(self.db.session, account_id, disabled, principal.id)
        staff.log(self.db.session, principal, "staff.disable" if disabled else "staff.enable", person,
                  before={"状态": was}, after={"状态": staff.state_label(self.db.session, account_id)})
        return person

    @rpc
    def reset_staff_password(self, account_id, password):
        principal = self._caller().require(contracts.ADMIN)
        person = staff.reset_password(self.db.session, account_id, password)
        staff.log(self.db.session, principal, "staff.reset_password", person, after={"密码": "已重置，登录全部失效"})
        return person

    # --- staff: a verified phone for the daily digest of their office -------
    @rpc
    def staff_phone(self):
        """{"phone_masked", "verified_at"} of the caller's own phone."""
        return staff_phones.status(self.db.session, self._caller().require(contracts.REVIEWER, contracts.ADMIN))

    @rpc
    def request_staff_phone_code(self, data, ip=None):
        principal = self._caller().require(contracts.REVIEWER, contracts.ADMIN)
        return staff_phones.request_code(self.db, self.settings, principal, data, ip)

    @rpc
    def confirm_staff_phone(self, data):
        principal = self._caller().require(contracts.REVIEWER, contracts.ADMIN)
        return staff_phones.confirm(self.db, self.settings, principal, data)

    @rpc
    def office_phones(self, level, region_code):
        """Services only: the verified phones of an office's reviewers."""
        self._caller().require(contracts.SYSTEM)
        return staff_phones.office_phones(self.db.session, level, region_code)

    def _caller(self):
        if self.caller is None:
            raise Unauthenticated("请先登录")
        return self.caller
