"""What declarations asks of tenants and accounts at 提交 and on the
check-your-answers page. The calls carry declarations' own principal (the
owner was checked here first) and wait a bounded time; a peer that is
absent, slow or failing becomes a clear message for the enterprise."""
import logging

from services.common import contracts
from services.common.errors import BadState, ServiceError

log = logging.getLogger(__name__)

CALL_TIMEOUT = 15  # seconds one call to tenants or accounts may take
TENANTS_UNAVAILABLE = "入驻企业数据暂时无法获取，请稍后再提交"
ACCOUNTS_UNAVAILABLE = "企业注册信息暂时无法核对，请稍后再提交"


def account_of(accounts, principal):
    """The calling enterprise as accounts holds it (credit code, name):
    what the 申请表 is checked against, never what the gateway passes."""
    try:
        return getattr(accounts, contracts.RPC_ENTERPRISE_SUMMARY)(str(principal.id))
    except ServiceError:
        raise
    except Exception as exc:  # absent, slow or failing
        log.warning("accounts.%s failed: %r", contracts.RPC_ENTERPRISE_SUMMARY, exc)
        raise BadState(ACCOUNTS_UNAVAILABLE)


def tenants_answer(tenants, method, declaration_id):
    """tenants' answer to `method` (a name of contracts) for the declaration."""
    try:
        return getattr(tenants, method)(declaration_id)
    except ServiceError:
        raise
    except Exception as exc:  # absent, slow or failing
        log.warning("tenants.%s(%s) failed: %r", method, declaration_id, exc)
        raise BadState(TENANTS_UNAVAILABLE)


def release_hold(tenants, declaration_id):
    """Let the tenants edit again after a 提交 that did not go through; when
    tenants cannot be reached the hold runs out by itself."""
    try:
        tenants_answer(tenants, contracts.TENANTS_REOPEN_INTAKE, declaration_id)
    except (BadState, ServiceError) as exc:
        log.warning("intake hold of %s not released (%s); it runs out by itself", declaration_id, exc)
