"""两步验证 in the console: the second step of a staff login (a code from the
authenticator app, or a recovery code), enrolment with a QR code — forced at
login where it is required, offered on 两步验证 otherwise — and an admin's
reset for a lost phone. The accounts service decides everything; these pages
carry the login's challenge token in a hidden field, never a session."""
import base64
import io

import qrcode
from flask import flash, make_response, redirect, render_template, request, url_for

from gateway import auth, client_ip, rpc
from gateway.auth import staff_required
from gateway.console import bp
from services.common import contracts as c
from services.common.errors import BadState, NotFound, Unauthenticated, ValidationFailed


def qr_data_uri(text):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=3)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _enrolment_view(enrolment):
    secret = enrolment["secret"]
    return {"qr": qr_data_uri(enrolment["uri"]), "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            "issuer": enrolment["issuer"], "username": enrolment["username"]}


def second_step(result, next_url, error=None, status=200):
    """After a right password (gateway.auth.login_page): ask for the code, or
    have the account enrol first."""
    challenge = result["challenge"]
    if result["second_factor"] == "enrol":
        try:
            enrolment = rpc(c.ACCOUNTS, c.ACCOUNTS_CHALLENGE_ENROLMENT, challenge)
        except Unauthenticated as exc:
            return _start_over(exc)
        return render_template("console/two_factor_enrol.html", challenge=challenge, next=next_url, error=error,
                               forced=True, **_enrolment_view(enrolment)), status
    return render_template("console/two_factor_code.html", challenge=challenge, next=next_url,
                           error=error), status


def _start_over(exc):
    flash(exc.message)
    return redirect(url_for("console.login"))


@bp.post("/login/code")
def login_code():
    challenge = request.form.get("challenge", "")
    next_url = auth.safe_next(request.form.get("next"), url_for("console.home"))
    code = request.form.get("code", "").strip()
    if not code:
        return second_step({"challenge": challenge, "second_factor": "totp"}, next_url, "请输入验证码", 422)
    try:
        result = rpc(c.ACCOUNTS, c.ACCOUNTS_VERIFY_SECOND_FACTOR, challenge, code, client_ip())
    except Unauthenticated as exc:
        if "重新登录" in exc.message:
            return _start_over(exc)
        return second_step({"challenge": challenge, "second_factor": "totp"}, next_url, exc.message, 401)
    return _logged_in(redirect(next_url), result)


@bp.post("/login/enrol")
def login_enrol():
    challenge = request.form.get("challenge", "")
    next_url = auth.safe_next(request.form.get("next"), url_for("console.home"))
    code = request.form.get("code", "").strip()
    if not code:
        return second_step({"challenge": challenge, "second_factor": "enrol"}, next_url, "请输入验证码", 422)
    try:
        result = rpc(c.ACCOUNTS, c.ACCOUNTS_CONFIRM_CHALLENGE_ENROLMENT, challenge, code, client_ip())
    except Unauthenticated as exc:
        if "重新登录" in exc.message:
            return _start_over(exc)
        return second_step({"challenge": challenge, "second_factor": "enrol"}, next_url, exc.message, 401)
    page = render_template("console/two_factor_codes.html", codes=result["recovery_codes"], next=next_url)
    return _logged_in(make_response(page), result)


def _logged_in(response, result):
    auth.end_session(auth.session_token())
    return auth.start_session(response, result["token"])


@bp.route("/two-factor", methods=["GET", "POST"])
@staff_required()
def two_factor():
    """两步验证: the account's own status, and enrolment when not enrolled."""
    status = rpc(c.ACCOUNTS, c.ACCOUNTS_SECOND_FACTOR_STATUS)
    error = None
    if request.method == "POST" and not status["enrolled"]:
        code = request.form.get("code", "").strip()
        try:
            result = rpc(c.ACCOUNTS, c.ACCOUNTS_CONFIRM_SECOND_FACTOR, code)
        except (ValidationFailed, BadState) as exc:
            error = exc.message
        else:
            return render_template("console/two_factor_codes.html", codes=result["recovery_codes"],
                                   next=url_for("console.home"))
    enrolment = None
    if not status["enrolled"]:
        enrolment = _enrolment_view(rpc(c.ACCOUNTS, c.ACCOUNTS_BEGIN_SECOND_FACTOR))
    return render_template("console/two_factor.html", status=status, error=error,
                           enrolment=enrolment), (422 if error else 200)


@bp.post("/staff/<account_id>/two-factor/reset")
@staff_required(c.ADMIN)
def staff_reset_two_factor(account_id):
    try:
        rpc(c.ACCOUNTS, c.ACCOUNTS_RESET_SECOND_FACTOR, account_id)
    except NotFound as exc:
        flash(exc.message)
    else:
        auth.sessions_ended(account_id)
        flash("已重置该人员的两步验证，其登录状态已全部退出；下次登录时需重新启用")
    return redirect(url_for("console.staff_list"))
