"""节假日 in the console (admins): the working-day calendar's exceptions —
holidays (休) and weekend days worked in lieu (班) — that review deadlines
(超期) and the daily digest count by. The review service checks and stores
them."""
from flask import flash, redirect, render_template, request, url_for

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from services.common import clock
from services.common import contracts as c
from services.common.errors import ValidationFailed


def _year():
    try:
        year = int(request.args.get("year") or clock.beijing_today().year)
    except ValueError:
        year = clock.beijing_today().year
    return max(2000, min(year, 2100))


def render_page(year, values, errors):
    days = rpc(c.REVIEW, c.REVIEW_LIST_CALENDAR, year)
    return render_template(
        "console/calendar.html", year=year, days=days, values=values, errors=errors,
        kinds=c.CALENDAR_KINDS, active="calendar",
    ), (422 if errors else 200)


@bp.get("/calendar")
@staff_required(c.ADMIN)
def calendar_days():
    return render_page(_year(), {}, {})


@bp.post("/calendar")
@staff_required(c.ADMIN)
def calendar_add():
    values = {key: request.form.get(key, "")[:100] for key in ("day", "kind", "note")}
    try:
        saved = rpc(c.REVIEW, c.REVIEW_SET_CALENDAR_DAY, values["day"], values["kind"], values["note"])
    except ValidationFailed as exc:
        return render_page(_year(), values, exc.errors or {"day": exc.message})
    flash(f"已将 {saved['day']} 设为“{saved['kind_label']}”", "success")
    return redirect(url_for("console.calendar_days", year=saved["day"][:4]))


@bp.post("/calendar/<day>/remove")
@staff_required(c.ADMIN)
def calendar_remove(day):
    try:
        removed = rpc(c.REVIEW, c.REVIEW_REMOVE_CALENDAR_DAY, day)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.calendar_days"))
    flash(f"已删除 {day}" if removed else f"{day} 不在节假日表中", "success" if removed else "error")
    return redirect(url_for("console.calendar_days", year=day[:4]))
