"""The environment variables that configure the system, named once.

services.common.contracts re-exports every name, so `contracts.ENV_*` reads
the same names; the settings table in the README says what each one does.
"""

ENV_APP_ENV = "APP_ENV"  # "development" (default) or "production"
ENV_AMQP_URI = "AMQP_URI"
ENV_DATABASE_URL = "DATABASE_URL"  # one PostgreSQL database, a schema per service
ENV_SERVICE_DATABASE_URL = "{service}_DATABASE_URL"  # e.g. ACCOUNTS_DATABASE_URL
ENV_BLOB_DIR = "BLOB_DIR"
ENV_SECRET_KEY = "SECRET_KEY"  # gateway sessions and CSRF
ENV_SECRET_KEY_PREVIOUS = "SECRET_KEY_PREVIOUS"  # the gateway's former key, still accepted during a rotation
ENV_PRINCIPAL_SECRET = "PRINCIPAL_SECRET"  # HMAC of the principal in RPC context
ENV_PRINCIPAL_SECRET_PREVIOUS = "PRINCIPAL_SECRET_PREVIOUS"  # also accepted while PRINCIPAL_SECRET rotates
ENV_SYSTEM_PRINCIPAL_SECRET = "SYSTEM_PRINCIPAL_SECRET"  # HMAC of services' own (system) principals; never the gateway's
ENV_SYSTEM_PRINCIPAL_SECRET_PREVIOUS = "SYSTEM_PRINCIPAL_SECRET_PREVIOUS"  # also accepted while it rotates
ENV_RPC_TIMEOUT = "RPC_TIMEOUT"  # seconds a gateway RPC may take
ENV_GATEWAY_HOST = "GATEWAY_HOST"
ENV_GATEWAY_PORT = "GATEWAY_PORT"
ENV_TRUSTED_PROXIES = "TRUSTED_PROXIES"  # reverse proxies in front of the gateway (client IP from X-Forwarded-For)
ENV_PUBLIC_BASE_URL = "PUBLIC_BASE_URL"  # the system's address as users reach it: every printed or encoded link starts with it
ENV_VAR_DIR = "VAR_DIR"  # where the embedded SQLite files and blobs live
ENV_BLOB_BACKEND = "BLOB_BACKEND"  # "local" (default, BLOB_DIR) or "s3"
ENV_S3_ENDPOINT_URL = "S3_ENDPOINT_URL"  # S3-compatible server (MinIO); empty for AWS itself
ENV_S3_BUCKET = "S3_BUCKET"
ENV_S3_ACCESS_KEY = "S3_ACCESS_KEY"
ENV_S3_SECRET_KEY = "S3_SECRET_KEY"
ENV_S3_REGION = "S3_REGION"
# Transport security and broker queue types (services.common.config).
ENV_DATABASE_SSLMODE = "DATABASE_SSLMODE"  # disable (default) | require | verify-full: TLS to PostgreSQL
ENV_DATABASE_SSL_ROOT_CERT = "DATABASE_SSL_ROOT_CERT"  # CA file that signs the PostgreSQL server's certificate
ENV_EVENT_QUEUE_TYPE = "EVENT_QUEUE_TYPE"  # classic (default) | quorum: type of the durable event queues
# Event delivery tuning (defaults in services.common.relay and .event_retries).
ENV_OUTBOX_RELAY_INTERVAL = "OUTBOX_RELAY_INTERVAL"  # seconds between relay sweeps
ENV_OUTBOX_RELAY_GRACE = "OUTBOX_RELAY_GRACE"  # seconds a fresh row is left to the after-commit publish
ENV_OUTBOX_RELAY_MAX_BACKOFF = "OUTBOX_RELAY_MAX_BACKOFF"  # cap of the relay's wait after broker errors
ENV_EVENT_RETRY_DELAY = "EVENT_RETRY_DELAY"  # seconds before a failed handler's first retry (doubles)
ENV_EVENT_RETRY_MAX_DELAY = "EVENT_RETRY_MAX_DELAY"  # cap of the retry delay
ENV_EVENT_MAX_ATTEMPTS = "EVENT_MAX_ATTEMPTS"  # tries before a message is parked
ENV_EVENT_POLL_INTERVAL = "EVENT_POLL_INTERVAL"  # seconds between sweeps for due retries
# Housekeeping of the tables every service keeps (services.common.pruning).
ENV_HOUSEKEEPING_INTERVAL = "HOUSEKEEPING_INTERVAL"  # seconds between passes; 0 turns it off
ENV_OUTBOX_KEEP_DAYS = "OUTBOX_KEEP_DAYS"  # days a published outbox row is kept
ENV_PROCESSED_EVENTS_KEEP_DAYS = "PROCESSED_EVENTS_KEEP_DAYS"  # days a handled event is remembered
ENV_IDEMPOTENCY_KEEP_DAYS = "IDEMPOTENCY_KEEP_DAYS"  # days a stored RPC result answers a repeat
ENV_LOG_KEEP_DAYS = "LOG_KEEP_DAYS"  # days 登录日志 and 操作日志 are kept (at least 180)
# SMS sending (services.notify).
ENV_SMS_PROVIDER = "SMS_PROVIDER"  # "console" (default; development only) or "http"
ENV_SMS_HTTP_URL = "SMS_HTTP_URL"  # endpoint of the JSON-over-HTTP SMS gateway
ENV_SMS_APP_KEY = "SMS_APP_KEY"  # sent in a header with every request
ENV_SMS_APP_SECRET = "SMS_APP_SECRET"  # HMAC-SHA256 key of the request signature
ENV_SMS_TIMEOUT = "SMS_TIMEOUT"  # seconds to connect and to read the gateway's answer
ENV_SMS_PER_PHONE_PER_MINUTE = "SMS_PER_PHONE_PER_MINUTE"  # messages one phone may get in a minute
ENV_SMS_PER_PHONE_PER_DAY = "SMS_PER_PHONE_PER_DAY"  # messages one phone may get in 24 hours
ENV_SMS_MAX_ATTEMPTS = "SMS_MAX_ATTEMPTS"  # sends of one message before it is given up
ENV_SMS_RETRY_DELAY = "SMS_RETRY_DELAY"  # seconds before the first retry (doubles each time)
ENV_SMS_RETRY_MAX_DELAY = "SMS_RETRY_MAX_DELAY"  # cap of the retry delay
ENV_SMS_POLL_INTERVAL = "SMS_POLL_INTERVAL"  # seconds between sweeps for messages due
# Rate limits of anonymous endpoints (services.tenants.limits, services.accounts.login).
ENV_INTAKE_PER_IP_PER_MINUTE = "INTAKE_PER_IP_PER_MINUTE"  # intake saves and submits from one address
ENV_INTAKE_PER_DEVICE_PER_MINUTE = "INTAKE_PER_DEVICE_PER_MINUTE"  # intake saves and submits from one device
ENV_LOGIN_FAILURES_PER_IP = "LOGIN_FAILURES_PER_IP"  # failed logins from one address in 15 minutes
# Backups (services.common.backup).
ENV_BACKUP_DIR = "BACKUP_DIR"  # where `make backup` writes (default $VAR_DIR/backups)
ENV_BACKUP_KEEP = "BACKUP_KEEP"  # complete backups kept; older ones are removed
ENV_PG_BIN_DIR = "PG_BIN_DIR"  # directory of pg_dump/pg_restore when not on PATH
# Staff's second factor (services.accounts.second_factor).
ENV_STAFF_TOTP_REQUIRED = "STAFF_TOTP_REQUIRED"  # roles that must use TOTP: admin (production default), admin,reviewer
ENV_TOTP_KEY = "TOTP_KEY"  # 64 hex digits encrypting TOTP secrets at rest (default: derived from PRINCIPAL_SECRET)
# Retention of personal data (services.common.personal_data; defaults in the README).
ENV_RETENTION_APPEAL_DAYS = "RETENTION_APPEAL_DAYS"  # days a settled 申诉 keeps its phone and licence image
ENV_RETENTION_SMS_DAYS = "RETENTION_SMS_DAYS"  # days an SMS (phone, text, delivery record) is kept
ENV_RETENTION_DRAFT_YEARS = "RETENTION_DRAFT_YEARS"  # years after its batch closed an unsubmitted declaration is kept
ENV_RETENTION_REJECTED_YEARS = "RETENTION_REJECTED_YEARS"  # years after 不通过 a declaration keeps its personal data
ENV_RETENTION_RECOGNISED_YEARS = "RETENTION_RECOGNISED_YEARS"  # years after the recognition's validity ends
ENV_RECOGNITION_VALID_YEARS = "RECOGNITION_VALID_YEARS"  # years a recognition (认定) is valid
ENV_METRICS_PORT = "METRICS_PORT"  # a service process's port for /metrics, /livez, /readyz (unset: none)
ENV_METRICS_PORT_BASE = "METRICS_PORT_BASE"  # `make run`: the first service's metrics port (default 9101; 0: none)
ENV_METRICS_ADDR = "METRICS_ADDR"  # the address it listens on (default 0.0.0.0)
ENV_METRICS_TOKEN = "METRICS_TOKEN"  # when set, the gateway's /metrics wants Authorization: Bearer <it>
ENV_PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # gateway: where gunicorn's workers add up metrics
ENV_LOG_FORMAT = "LOG_FORMAT"  # "json" (one object a line; default in production) or "text" (console)
ENV_API_TOKEN_PER_MINUTE = "API_TOKEN_PER_MINUTE"  # /api/v1 requests one API token may make per minute
ENV_INTAKE_HOLD_SECONDS = "INTAKE_HOLD_SECONDS"  # intake held closed for a 提交 that neither commits nor fails
ENV_SESSION_CACHE_SECONDS = "SESSION_CACHE_SECONDS"  # gateway: seconds a resolved session is kept per process (0-30; docs/sessions.md)


# Scheduled jobs (services.common.schedule, docs/scheduling.md).
ENV_SCHEDULE_LEASE_SECONDS = "SCHEDULE_LEASE_SECONDS"  # a job's lease: how long a dead holder keeps it
ENV_SCHEDULE_TICK_SECONDS = "SCHEDULE_TICK_SECONDS"  # how often a replica tries a job's lease and runs it when due
# Review deadlines and the daily digest (services.review.overdue, .digest).
ENV_REVIEW_DUE_WORKING_DAYS = "REVIEW_DUE_WORKING_DAYS"  # working days a case may wait at a level before it is 超期 (a batch may say its own)
ENV_REVIEW_DIGEST_AT = "REVIEW_DIGEST_AT"  # HH:MM Beijing time of the daily digest SMS to each office


def service_database_env(service):
    return ENV_SERVICE_DATABASE_URL.format(service=service.upper())
