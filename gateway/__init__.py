"""The Flask gateway: portal, intake (mobile), console and JSON API.

It owns no data and talks to the services only by RPC.
"""
import logging
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import auth, csrf, errors, filters, health, notices, security_headers, telemetry
from services.common import config as cfg
from services.common import contracts


def create_app(config=None):
    """`config` overrides the environment (tests pass AMQP_URI etc.)."""
    config = dict(config or {})
    cfg.refuse_unsafe_start(cfg.GATEWAY, config)
    app = Flask(__name__)
    proxies = cfg.trusted_proxies(config)
    if proxies:
        # The client's address (rate limits, logs) from the proxies' X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.config.update(
        SECRET_KEY=cfg.get(contracts.ENV_SECRET_KEY, config),
        # During a rotation the previous key still verifies what it signed.
        SECRET_KEY_FALLBACKS=cfg.secret_keys(config)[1:],
        SERVICES_CONFIG=config,
        DEVELOPMENT=not cfg.is_production(config),
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.is_production(config),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.extensions["rpc"] = telemetry.TelemetryRpcClient(config)
    # Health checks fan out to every service at once from long-lived threads,
    # each of which keeps its own RPC proxy.
    app.extensions["health_pool"] = ThreadPoolExecutor(
        max_workers=len(contracts.SERVICES), thread_name_prefix="healthz"
    )

    from gateway.api import bp as api_bp
    from gateway.api.v1 import bp as api_v1_bp
    from gateway.console import bp as console_bp
    from gateway.intake import bp as intake_bp
    from gateway.intake import short_bp as intake_short_bp
    from gateway.portal import bp as portal_bp
    from gateway.public import bp as public_bp

    telemetry.init_app(app, config)  # first: the request's correlation id, metrics, /metrics
    app.register_blueprint(portal_bp)
    app.register_blueprint(console_bp, url_prefix="/console")
    app.register_blueprint(intake_bp, url_prefix="/intake")
    app.register_blueprint(intake_short_bp)  # /q/<id>: what the intake QR code encodes
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(api_v1_bp, url_prefix="/api/v1")
    app.register_blueprint(public_bp)  # /gongshi: 公示, without login
    filters.init_app(app)  # after the blueprints: one time filter for every page
    notices.init_app(app)  # 已保存 after a redirect, without a session cookie
    health.init_app(app)  # /healthz, /livez, /readyz
    errors.register(app)
    auth.init_app(app)  # g.principal / g.account from the session cookie
    csrf.init_app(app)  # after auth: every POST/PUT/PATCH/DELETE needs the token
    security_headers.init_app(app)  # no framing, no sniffing; HSTS in production

    @app.context_processor
    def labels():
        return {"SECTIONS": contracts.SECTIONS, "development": app.config["DEVELOPMENT"]}

    logging.getLogger(__name__).info("gateway ready")
    return app


def rpc(service, method, *args, timeout=None, **kwargs):
    """Call a service as the principal of the current request (if any)."""
    client = current_app.extensions["rpc"]
    return client.call(
        service, method, *args, principal=g.get("principal"), timeout=timeout, **kwargs
    )


def client_ip():
    """The client's address (behind trusted proxies, from X-Forwarded-For):
    the services' rate limits count per address."""
    return request.remote_addr or ""
