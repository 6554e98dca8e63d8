"""The receipt (提交成功) after 确认提交 without asking the tenants service
again: the reply to 确认提交 travels to the receipt page in a signed,
short-lived, HttpOnly cookie of the intake pages, bound to the device that
pressed it. A receipt page opened without it (later, or in another
browser) asks the tenants service, as before."""
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.common import config as cfg

COOKIE = "sme_intake_receipt"
MAX_AGE = 600  # seconds: the redirect is followed at once
SHOWN = ("reference", "company_name", "submitted_at_text")


def _serializer():
    keys = [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="intake-receipt")  # signs with the last key, checks all


def keep(response, receipt, base_name, device_id):
    """Set the receipt cookie on the 303 that answers 确认提交."""
    value = {**{k: receipt.get(k) for k in SHOWN}, "base_name": base_name, "device": device_id}
    response.set_cookie(
        COOKIE, _serializer().dumps(value), max_age=MAX_AGE, path="/intake", httponly=True, samesite="Lax",
        secure=cfg.is_production(current_app.config.get("SERVICES_CONFIG")),
    )
    return response


def shown(reference, device_id):
    """The receipt of `reference` kept for this device, or None."""
    value = request.cookies.get(COOKIE)
    if not value or not reference:
        return None
    try:
        receipt = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:  # also when expired
        return None
    if not isinstance(receipt, dict) or receipt.get("reference") != reference or receipt.get("device") != device_id:
        return None
    return receipt
