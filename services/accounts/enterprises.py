"""Enterprise accounts: the profile and what other services may read of it."""
from services.accounts.models import Account, Enterprise
from services.common import regions
from services.common.errors import NotFound


def summary(session, enterprise_id):
    enterprise = session.get(Enterprise, enterprise_id)
    account = session.get(Account, enterprise_id)
    if enterprise is None or account is None:
        raise NotFound("未找到该企业")
    return {
        "id": enterprise.id,
        "username": account.username,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "region_code": enterprise.region_code,
        "region_name": regions.full_name(enterprise.region_code),
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
    }
