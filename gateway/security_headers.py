"""Headers every answer of the gateway carries: no page may be framed by
another site (CSP frame-ancestors 'none' and X-Frame-Options DENY, so that
the console's 通过 and 退回 cannot be clicked through a frame), no MIME
sniffing, no referrer to other sites, no plugins, no <base> or form posts
elsewhere; in production HSTS.

The policy does not yet restrict scripts and styles (script-src): templates
still hold inline scripts, event handlers and style attributes. A part that
sets a header itself (e.g. the intake's stricter Referrer-Policy) keeps its
own value.
"""
from flask import current_app

CSP = "; ".join((
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not current_app.config["DEVELOPMENT"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app):
    app.after_request(add_headers)
