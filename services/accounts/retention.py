"""Personal data of accounts past retention, and on an enterprise's request.

- 申诉 (category "appeal"): RETENTION_APPEAL_DAYS after it was settled, the
  appeal's contact name, new phone and note are blanked and its licence image
  deleted from the blob store (in batches, the files after each commit).
- Logins left half done at 两步验证 (`login_challenges`) go a day on.
- An admin erases one enterprise's personal data on its request
  (`erase_enterprise`): the contact name and phone are blanked, the licence
  image and its appeals' images deleted, the account disabled and its
  sessions ended; `enterprise_erased` tells notify to delete the messages to
  its phones. The declarations service erases the declarations (the console
  asks it first). `export_enterprise` gives what accounts keeps of it.

Every step records counts (never contents) in the service's personal_data_log.
"""
import datetime as dt
import logging

import eventlet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.accounts import sessions
from services.accounts.models import Account, Appeal, Enterprise, LoginChallenge
from services.common import clock
from services.common import blobs, pruning
from services.common import contracts
from services.common import personal_data
from services.common.errors import NotFound

log = logging.getLogger(__name__)

BATCH = 200
ERASED = ""  # what a blanked field holds


def delete_blobs(store, keys):
    for key in keys:
        if not key:
            continue
        try:
            store.delete(key)
        except Exception as exc:  # noqa: BLE001 - logged; the row no longer names it
            log.warning("could not delete blob %s: %s", key, exc)


def _blank_appeal(appeal):
    key = appeal.licence_key
    appeal.contact_name = ERASED
    appeal.new_phone = ERASED
    appeal.note = None
    appeal.settle_note = None
    appeal.licence_key = ERASED
    return key


def run(engine, config=None, store=None, now=None, batch=BATCH, stopping=None):
    """One pass over settled appeals past retention; {"appeals_erased": n}."""
    now = now or clock.utcnow()
    store = store or blobs.blob_store(config)
    limit = now - dt.timedelta(days=personal_data.retention_days("appeal", config))
    total = 0
    while True:
        query = select(Appeal).where(Appeal.settled_at < limit, Appeal.licence_key != ERASED).limit(batch)
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            keys = [_blank_appeal(a) for a in session.scalars(query)]
            personal_data.record(session, "appeal", personal_data.ANONYMISED, len(keys), now=now)
        delete_blobs(store, keys)
        total += len(keys)
        if len(keys) < batch or (stopping is not None and stopping.ready()):
            return {"appeals_erased": total}
        eventlet.sleep(0)


def _enterprise(session, enterprise_id):
    enterprise = session.get(Enterprise, enterprise_id)
    account = session.get(Account, enterprise_id)
    if enterprise is None or account is None:
        raise NotFound("未找到该企业")
    return enterprise, account


def find_enterprise(session, query):
    """An enterprise by its username or 统一社会信用代码 (admins), or None."""
    query = (query or "").strip()
    if not query or len(query) > 40:
        return None
    row = session.execute(
        select(Enterprise.id).join(Account, Account.id == Enterprise.id).where(
            (Account.username == query.lower()) | (Enterprise.credit_code == query.upper()))
    ).first()
    return row[0] if row else None


def export_enterprise(session, principal, enterprise_id):
    principal.require(contracts.ADMIN)
    enterprise, account = _enterprise(session, enterprise_id)
    appeals = session.scalars(select(Appeal).where(Appeal.enterprise_id == enterprise_id)).all()
    personal_data.record(session, "account", personal_data.EXPORTED, 1, reason=personal_data.REQUEST, actor=principal, subject_id=enterprise_id)
    return {
        "account": {"username": account.username, "created_at": account.created_at.isoformat(),
                    "disabled": account.disabled},
        "enterprise": {"name": enterprise.name, "credit_code": enterprise.credit_code,
                       "region_code": enterprise.region_code, "contact_name": enterprise.contact_name,
                       "contact_phone": enterprise.contact_phone, "consent_at": enterprise.consent_at.isoformat(),
                       "licence": {"content_type": enterprise.licence_type, "sha256": enterprise.licence_sha256}
                       if enterprise.licence_key else None},
        "appeals": [{"contact_name": a.contact_name, "new_phone": a.new_phone, "status": a.status,
                     "created_at": a.created_at.isoformat(), "note": a.note} for a in appeals],
    }


def erase_enterprise(session, store, principal, enterprise_id, dispatch, now=None):
    """Returns ({"appeals": n, "licences": n}, blob keys to delete after the commit)."""
    principal.require(contracts.ADMIN)
    now = now or clock.utcnow()
    enterprise, account = _enterprise(session, enterprise_id)
    phones = [enterprise.contact_phone]
    keys = [enterprise.licence_key]
    licences = 1 if enterprise.licence_key else 0
    enterprise.contact_name = ERASED
    enterprise.contact_phone = ERASED
    enterprise.licence_key = ERASED
    enterprise.licence_sha256 = ERASED
    appeals = 0
    for appeal in session.scalars(select(Appeal).where(Appeal.enterprise_id == enterprise_id)):
        if appeal.new_phone:
            phones.append(appeal.new_phone)
        keys.append(_blank_appeal(appeal))
        appeals += 1
    account.disabled = True
    sessions.end_all(session, account.id, now)
    for category, action, count in (("account", personal_data.ANONYMISED, 1), ("licence", personal_data.DELETED, licences),
                                    ("appeal", personal_data.ANONYMISED, appeals)):
        personal_data.record(session, category, action, count, reason=personal_data.REQUEST, actor=principal, subject_id=enterprise_id,
                  now=now)
    dispatch(contracts.ENTERPRISE_ERASED, {"enterprise_id": enterprise_id, "phones": sorted(set(p for p in phones if p))})
    return {"appeals": appeals, "licences": licences}, keys


def drop_stale_challenges(engine, now=None):
    """Logins whose 两步验证 was never finished, a day on (no personal data
    beyond the account and the address; kept a day for the login log)."""
    now = now or clock.utcnow()
    with engine.begin() as conn:
        return conn.execute(delete(LoginChallenge).where(LoginChallenge.created_at < now - dt.timedelta(days=1))).rowcount


def _housekeeping(engine, config, stopping):
    done = run(engine, config, stopping=stopping)
    done["login_challenges"] = drop_stale_challenges(engine)
    return done


pruning.register(contracts.ACCOUNTS, _housekeeping)
