"""What a page says after the action that led to it went well (申请表已保存,
已保存, 已删除), carried by the redirect's `done` parameter instead of a
flashed message: the answer to a 保存 writes no session cookie. Only the
codes below are shown — the parameter names a message, it is never shown
itself. Errors and anything else a page must say once stay flashed."""
from flask import request

DONE = "done"  # the redirect's query parameter
NOTICES = {
    "application-saved": "申请表已保存",
    "saved": "已保存",
    "deleted": "已删除",
}


def done(code):
    """Keyword arguments for url_for: the page says NOTICES[code]."""
    if code not in NOTICES:
        raise KeyError(f"no notice {code!r} in gateway/notices.py")
    return {DONE: code}


def init_app(app):
    @app.context_processor
    def notice():
        return {"done_notice": NOTICES.get(request.args.get(DONE, ""))}
