"""申诉: an enterprise whose contact phone is lost proves who it is with its
credit code, the licence image and a new phone (confirmed by a code); an
admin accepts or refuses in the console."""
import uuid

from sqlalchemy import select

from services.accounts import codes, forms, licences, sessions
from services.accounts.enterprises import failed
from services.accounts.models import Account, Appeal, Enterprise
from services.common import clock
from services.common import contracts
from services.common.errors import BadState, NotFound

APPEAL_PENDING, APPEAL_ACCEPTED, APPEAL_REFUSED = "pending", "accepted", "refused"
APPEAL_LABELS = {APPEAL_PENDING: "待处理", APPEAL_ACCEPTED: "已通过", APPEAL_REFUSED: "未通过"}


def submit(tx, st, data, licence_key):
    """The contact phone is lost: credit code, licence image, new contact
    phone (confirmed by a code). The answer does not tell whether the credit
    code has an account."""
    image_data, licence_error = licences.read_temp(st.store, licence_key)
    clean, errors = forms.validate(forms.APPEAL, data)
    image = None
    if licence_error is None:
        image, licence_error = licences.check(image_data)
    if licence_error is not None:
        errors.update(licence_error.errors)
    if errors:
        failed(errors)
    codes.verify(tx.session, st.code_key, clean["new_phone"], codes.APPEAL, clean["sms_code"])
    enterprise = tx.session.scalars(
        select(Enterprise).where(Enterprise.credit_code == clean["credit_code"])
    ).first()
    appeal_id = str(uuid.uuid4())
    kept = licences.keep(st.store, f"appeals/{appeal_id}", image)
    tx.session.add(
        Appeal(
            id=appeal_id,
            credit_code=clean["credit_code"],
            enterprise_id=enterprise.id if enterprise else None,
            contact_name=clean["contact_name"],
            new_phone=clean["new_phone"],
            licence_key=kept["key"],
            note=(clean.get("note") or "") + (f"\n企业名称：{clean['name']}" if clean.get("name") else ""),
            status=APPEAL_PENDING,
            created_at=clock.utcnow(),
        )
    )
    return {"id": appeal_id}


def _appeal_view(session, appeal):
    enterprise = session.get(Enterprise, appeal.enterprise_id) if appeal.enterprise_id else None
    return {
        "id": appeal.id,
        "credit_code": appeal.credit_code,
        "enterprise_id": appeal.enterprise_id,
        "enterprise_name": enterprise.name if enterprise else None,
        "old_contact_name": enterprise.contact_name if enterprise else None,
        "old_phone_masked": codes.mask(enterprise.contact_phone) if enterprise else None,
        "contact_name": appeal.contact_name,
        "new_phone": appeal.new_phone,
        "licence_key": appeal.licence_key,
        "enterprise_licence_key": enterprise.licence_key if enterprise else None,
        "note": appeal.note or "",
        "status": appeal.status,
        "status_label": APPEAL_LABELS[appeal.status],
        "created_at": appeal.created_at.isoformat(),
        "settled_at": appeal.settled_at.isoformat() if appeal.settled_at else None,
        "settle_note": appeal.settle_note or "",
    }


def listing(session):
    rows = session.scalars(select(Appeal).order_by(Appeal.created_at.desc()).limit(500)).all()
    return [_appeal_view(session, a) for a in rows]


def get(session, appeal_id):
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("未找到该申诉")
    return _appeal_view(session, appeal)


def settle(tx, principal, appeal_id, accept, note=""):
    """An admin accepts (the contact changes, sessions end, the username goes
    to the new phone) or refuses an appeal."""
    appeal = tx.session.get(Appeal, appeal_id, with_for_update=True)
    if appeal is None:
        raise NotFound("未找到该申诉")
    if appeal.status != APPEAL_PENDING:
        raise BadState("该申诉已处理")
    if accept:
        enterprise = tx.session.get(Enterprise, appeal.enterprise_id) if appeal.enterprise_id else None
        if enterprise is None:
            raise BadState("未找到该统一社会信用代码的企业账号，只能不予通过")
        enterprise.contact_name = appeal.contact_name
        enterprise.contact_phone = appeal.new_phone
        sessions.end_all(tx.session, enterprise.id)
        account = tx.session.get(Account, enterprise.id)
        tx.dispatch(
            contracts.SMS_REQUESTED,
            {
                "phone": appeal.new_phone,
                "template": contracts.SMS_USERNAME_REMINDER,
                "params": {"username": account.username},
                "dedupe_key": f"accounts:appeal:{appeal.id}",
            },
        )
    appeal.status = APPEAL_ACCEPTED if accept else APPEAL_REFUSED
    appeal.settled_at = clock.utcnow()
    appeal.settled_by = principal.id
    appeal.settle_note = (note or "").strip()[:500]
    return _appeal_view(tx.session, appeal)
