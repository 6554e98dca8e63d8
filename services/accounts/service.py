"""The accounts service: entrypoints only; the domain logic lives in plain modules."""
from services.accounts import enterprises, login, sessions, staff
from services.accounts.models import Account
from services.common import contracts as c
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.events import EventAdmin
from services.common.errors import Forbidden, Unauthenticated


class AccountsService(EventAdmin):
    name = c.ACCOUNTS

    db = Database(c.ACCOUNTS)
    caller = Caller()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)

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
        account = login.authenticate(self.db.session, username, password, kinds, ip=ip)
        token = sessions.start(self.db.session, account.id)
        return {"token": token, "account": sessions.account_view(account)}

    @rpc(public=True)
    def logout(self, token):
        sessions.end(self.db.session, token)
        return True

    # --- enterprises ------------------------------------------------------
    @rpc
    def enterprise_summary(self, enterprise_id):
        """Name, credit code, region and contact of an enterprise; for the
        enterprise itself, staff and services."""
        principal = self._caller()
        if principal.is_enterprise and principal.id != enterprise_id:
            raise Forbidden("无权查看其他企业的信息")
        return enterprises.summary(self.db.session, enterprise_id)

    # --- staff (console, admins only) ------------------------------------
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
