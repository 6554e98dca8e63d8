"""Headers every answer of the gateway carries.

- Content-Security-Policy: scripts, styles, fonts, frames and connections
  only from the gateway itself, images also as data: URLs; no inline
  script, no inline event handler, no style attribute and no <style> block
  (pages take theirs from gateway/static/); no plugins, no <base>, forms post
  only here, and no other site may frame a page (so that the console's 通过
  and 退回 cannot be clicked through a frame).
- X-Frame-Options DENY for browsers that do not know frame-ancestors.
- X-Content-Type-Options nosniff, Referrer-Policy same-origin, a
  Permissions-Policy without camera, microphone and location.
- Strict-Transport-Security in production only.

A part that sets a header itself (e.g. the intake's stricter
Referrer-Policy) keeps its own value.
"""
from flask import current_app

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
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
