"""Development-only pages: /dev/sms shows what the console SMS provider
'sent' (verification codes and notices), so a developer can follow the
registration and forgotten-username journeys without a phone. Absent (404)
unless the app runs in development mode."""
from flask import abort, current_app, render_template, request

from gateway import rpc
from gateway.portal import bp
from services.common import clock
from services.common import contracts as c


@bp.get("/dev/sms")
def dev_sms():
    if not current_app.config.get("DEVELOPMENT"):
        abort(404)
    phone = request.args.get("phone", "").strip()
    entries = rpc(c.NOTIFY, c.NOTIFY_DEV_OUTBOX, phone or None)
    for entry in entries:
        entry["created_local"] = clock.show(entry.get("created_at"), clock.SECOND_FORMAT)
    return render_template("portal/dev_sms.html", entries=entries, phone=phone)
