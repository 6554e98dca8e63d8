"""Everything that crosses a process boundary, named once.

Services, the gateway, the tests and the deploy/ checks import these names
instead of spelling strings of their own.
"""

# --- nameko service names -------------------------------------------------
ACCOUNTS = "accounts"
DECLARATIONS = "declarations"
TENANTS = "tenants"
REVIEW = "review"
NOTIFY = "notify"
SERVICES = (ACCOUNTS, DECLARATIONS, TENANTS, REVIEW, NOTIFY)

# --- RPC methods every service exposes ------------------------------------
RPC_HEALTH = "health"  # public: {"service": name, "ok": True, "database": True}

# --- review levels --------------------------------------------------------
COUNTY = "county"
CITY = "city"
PROVINCE = "province"
LEVELS = (COUNTY, CITY, PROVINCE)

# --- declaration sections -------------------------------------------------
SECTIONS = {
    "application": "申请表",
    "personnel": "主要人员",
    "tenants": "入驻企业",
    "partners": "合作服务机构",
    "ledger": "服务台账",
    "attachments": "附件",
}

# --- principal kinds --------------------------------------------------------
ENTERPRISE = "enterprise"
REVIEWER = "reviewer"
ADMIN = "admin"
SYSTEM = "system"  # a service acting on its own (event handlers, relays)
PRINCIPAL_KINDS = (ENTERPRISE, REVIEWER, ADMIN, SYSTEM)

# Key of nameko context data that carries the signed principal.
PRINCIPAL_CONTEXT_KEY = "principal"

# --- events -----------------------------------------------------------------
# (source service, event type) -> consumer services. A consumer's queue is
# declared durable by the setup step before anything publishes (see
# services.common.setup), so an event waits even for a consumer that has
# never started.
EVENTS = {}

# --- configuration: environment variable names ----------------------------
ENV_APP_ENV = "APP_ENV"  # "development" (default) or "production"
ENV_AMQP_URI = "AMQP_URI"
ENV_DATABASE_URL = "DATABASE_URL"  # one PostgreSQL database, a schema per service
ENV_SERVICE_DATABASE_URL = "{service}_DATABASE_URL"  # e.g. ACCOUNTS_DATABASE_URL
ENV_BLOB_DIR = "BLOB_DIR"
ENV_SECRET_KEY = "SECRET_KEY"  # gateway sessions and CSRF
ENV_PRINCIPAL_SECRET = "PRINCIPAL_SECRET"  # HMAC of the principal in RPC context
ENV_RPC_TIMEOUT = "RPC_TIMEOUT"  # seconds a gateway RPC may take
ENV_GATEWAY_HOST = "GATEWAY_HOST"
ENV_GATEWAY_PORT = "GATEWAY_PORT"
ENV_VAR_DIR = "VAR_DIR"  # where the embedded SQLite files and blobs live


def service_database_env(service):
    return ENV_SERVICE_DATABASE_URL.format(service=service.upper())


def event_queue(source, event_type, consumer):
    """The durable queue from which `consumer` handles `event_type` of `source`."""
    return f"evt.{source}.{event_type}.{consumer}"
