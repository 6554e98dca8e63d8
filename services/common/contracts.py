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

# What `nameko run` runs for each service (module:class, so that a mixin
# imported into the module is never taken for a second service).
SERVICE_CLASSES = {
    ACCOUNTS: "services.accounts.service:AccountsService",
    DECLARATIONS: "services.declarations.service:DeclarationsService",
    TENANTS: "services.tenants.service:TenantsService",
    REVIEW: "services.review.service:ReviewService",
    NOTIFY: "services.notify.service:NotifyService",
}

# --- RPC methods every service exposes ------------------------------------
RPC_HEALTH = "health"  # public: {"service": name, "ok": True, "database": True}

# --- accounts RPC read by the gateway and other services ---------------------
# public: token -> {"principal": {kind, id, region_code, level}, "account":
# {id, kind, username, display_name, region_code, level}} or None
RPC_RESOLVE_SESSION = "resolve_session"
# the enterprise itself, staff or a service: enterprise_id -> {id, username,
# name, credit_code, region_code, region_name, contact_name, contact_phone, disabled}
RPC_ENTERPRISE_SUMMARY = "enterprise_summary"
# staff (console): ids -> {id: {name, office}} of the staff accounts among them
ACCOUNTS_STAFF_NAMES = "staff_names"
# API tokens of an enterprise (/api/v1): public resolve like resolve_session,
# plus RateLimited past the token's allowance; the rest for the enterprise itself.
ACCOUNTS_RESOLVE_API_TOKEN = "resolve_api_token"  # public: token -> as resolve_session
ACCOUNTS_LIST_API_TOKENS = "list_api_tokens"  # () -> [{id, name, prefix, created_at, last_used_at}]
ACCOUNTS_CREATE_API_TOKEN = "create_api_token"  # (name) -> {..., token} (shown once)
ACCOUNTS_REVOKE_API_TOKEN = "revoke_api_token"  # (token_id)
# system principal only: (level, region_code) -> [phone] of the enabled staff of that office (the review digest)
ACCOUNTS_OFFICE_PHONES = "office_phones"

# tenants (QR intake): the enterprise's link, the declaration's roll-up, and
# the public ones the anonymous intake pages call with the signed link token.
TENANTS_OPEN_LINK = "open_link"  # (declaration_id, base_name, batch_closes_at, renew=False) -> link status with token, url_path
TENANTS_REVOKE_LINK = "revoke_link"  # (declaration_id)
TENANTS_LINK_STATUS = "link_status"  # (declaration_id)
TENANTS_CLOSE_INTAKE = "close_intake"  # (declaration_id) -> totals; called at 提交
TENANTS_REOPEN_INTAKE = "reopen_intake"  # (declaration_id); when 提交's checks fail
TENANTS_TOTALS = "totals"  # (declaration_id) -> count, small_micro_count, small_micro_share, employees, revenue, ...
TENANTS_LIST_ENTRIES = "list_entries"  # (declaration_id, details=False)
TENANTS_GET_ENTRY = "get_entry"  # (declaration_id, entry_id)
TENANTS_EXCLUDE_ENTRY = "exclude_entry"  # (declaration_id, entry_id, reason)
TENANTS_REOPEN_ENTRY = "reopen_entry"  # (declaration_id, entry_id)
TENANTS_INTAKE_CONTEXT = "intake_context"  # public: (token, device_id, ip=None)
TENANTS_SAVE_INTAKE_STEP = "save_intake_step"  # public: (token, step, data, device_id, ip=None)
TENANTS_SUBMITTED_ROLL = "submitted_roll"  # (declaration_id, version=None) -> 入驻企业名单 as submitted {version, taken_at, entries, totals} or None
TENANTS_SUBMIT_INTAKE = "submit_intake"  # public: (token, device_id, ip=None, notice=None: the personal-data notice version shown)
TENANTS_SHORT_LINK = "short_link"  # (declaration_id) -> {"short_id", "url_path"} of the active link (owner only)
TENANTS_RESOLVE_SHORT = "resolve_short"  # public: (short_id) -> {"token", "url_path"} of the link it stands for

# declarations: what other areas call (the portal's own pages call more).
DECLARATIONS_GET = "get"  # (declaration_id) -> the whole declaration, history, return reason; by scope
DECLARATIONS_HISTORY = "history"  # (declaration_id) -> [{from_state, to_state, at, actor_kind, actor_id, level, reason, version}]
DECLARATIONS_VERSIONS = "versions"  # (declaration_id) -> [{version, submitted_at, level}]
DECLARATIONS_VERSION = "version"  # (declaration_id, number) -> {version, submitted_at, level, snapshot}
DECLARATIONS_DIFF = "diff"  # (declaration_id, from_version, to_version) -> [{section, section_label, row, field, label, before, after}]
DECLARATIONS_ATTACHMENT = "attachment"  # (attachment_id) -> metadata + blob_key, for its enterprise or reviewers in scope
DECLARATIONS_DESCRIBE_SECTIONS = "describe_sections"  # public: every section's rule table
# 打印申请表: the PDF of a submitted version, rendered once and kept in the blob
# store; its QR code opens VERIFY_URL_PATH under PUBLIC_BASE_URL.
DECLARATIONS_PRINT = "print_version"  # (declaration_id, version=None) -> {blob_key, filename, size, sha256, version, reference, verify_url}; owner or reviewers in scope
DECLARATIONS_VERIFY = "verify_version"  # public: (verify_id) -> {reference, version, submitted_at, digest, state, state_label, decided_at, declaration_id}
DECLARATIONS_VERSION_ATTACHMENTS = "version_attachments"  # (declaration_id, version=None) -> {reference, version, files: [{category, filename, size, sha256, content_type, blob_key}]}
VERIFY_URL_PATH = "/verify/{verify_id}"  # the gateway's public verification page of one printed version
# declarations: the portal's and the console's own calls (access from the signed principal).
DECLARATIONS_LIST_OPEN_BATCHES = "list_open_batches"  # () -> [batch] open today
DECLARATIONS_LIST_BATCHES = "list_batches"  # admin: () -> [batch]
DECLARATIONS_GET_BATCH = "get_batch"  # (batch_id) -> batch
DECLARATIONS_BATCH_FORM = "batch_form"  # admin: (batch_id) -> the batch form's values
DECLARATIONS_BATCH_RULES = "batch_rules"  # () -> the batch form's rule table
DECLARATIONS_SAVE_BATCH = "save_batch"  # admin: (data, batch_id=None) -> batch
DECLARATIONS_LIST_MINE = "list_mine"  # enterprise: () -> [declaration summary]
DECLARATIONS_START = "start"  # enterprise: (batch_id, accepted=False, profile=None) -> summary (开始申报)
DECLARATIONS_SAVE_SECTION = "save_section"  # owner: (declaration_id, section, data) -> {saved, updated_at} (申请表)
DECLARATIONS_SAVE_ROW = "save_row"  # owner: (declaration_id, section, data, row_id=None) -> {saved, row_id, count}
DECLARATIONS_DELETE_ROW = "delete_row"  # owner: (declaration_id, section, row_id) -> {deleted, count}
DECLARATIONS_IMPORT_LEDGER = "import_ledger"  # owner: (declaration_id, temp_key, mode=None) -> {imported, ...} or errors
DECLARATIONS_ADD_ATTACHMENT = "add_attachment"  # owner: (declaration_id, category, temp_key, filename) -> attachment
DECLARATIONS_DELETE_ATTACHMENT = "delete_attachment"  # owner: (attachment_id) -> {deleted}
DECLARATIONS_PREFLIGHT = "preflight"  # owner: (declaration_id) -> {problems, blocking, figures, tenants_checked}
DECLARATIONS_SUBMIT = "submit"  # owner: (declaration_id) -> {submitted, problems, ...} (提交)

# review: the console's calls; scope decided from the signed principal.
REVIEW_LIST_CASES = "list_cases"  # (filters: tab, q, credit_code, batch_id, state, region_code, page, per_page) -> {items, total, pages, counts, tabs, batches, figure_labels}
REVIEW_GET_CASE = "get_case"  # (declaration_id) -> the case, its summary, history (audit trail), notes, can
REVIEW_APPROVE = "approve"  # (declaration_id, revision, opinion=None, document_number=None): 通过; 认定 at province level (needs the 认定文号)
REVIEW_RETURN = "return_for_changes"  # (declaration_id, revision, reason, sections=()): 退回
REVIEW_REJECT = "reject"  # (declaration_id, revision, reason): 不通过
REVIEW_ADMIN_RETURN = "admin_return"  # (declaration_id, revision, reason, sections=()): FAQ 2.7
REVIEW_ADD_NOTE = "add_note"  # (declaration_id, step, noted_on, text): province offline steps
# 撤回: the owning enterprise takes back a declaration no reviewer at its level has acted on yet.
REVIEW_CAN_WITHDRAW = "can_withdraw"  # (declaration_id) -> {can, reason, revision}; the owning enterprise
REVIEW_WITHDRAW = "withdraw"  # (declaration_id, revision) -> the audit record; the owning enterprise
# 公示: the province selects cases waiting for it into a notice with a period.
REVIEW_PUBLICITY_CANDIDATES = "publicity_candidates"  # (page) -> {items, total, pages}: cases 待公示 (province)
REVIEW_START_PUBLICITY = "start_publicity"  # (title, starts_on, ends_on, declaration_ids) -> the notice (province)
REVIEW_LIST_PUBLICITY = "list_publicity"  # (page) -> {items, total, pages}: notices and their cases (staff)
REVIEW_PUBLIC_NOTICES = "public_notices"  # public: (page) -> {items: public fields only, total, pages}
# 节假日 (admins): the working-day calendar's exceptions (services.review.calendar)
REVIEW_LIST_CALENDAR = "list_calendar_days"  # (year=None) -> [{day, weekday, kind, kind_label, note, updated_at}]
REVIEW_SET_CALENDAR_DAY = "set_calendar_day"  # (day, kind: holiday | workday, note=None) -> the day
REVIEW_REMOVE_CALENDAR_DAY = "remove_calendar_day"  # (day) -> True when there was one
CALENDAR_HOLIDAY = "holiday"  # 休: a weekday off
CALENDAR_WORKDAY = "workday"  # 班: a weekend day worked in lieu (调休)
CALENDAR_KINDS = {CALENDAR_HOLIDAY: "休", CALENDAR_WORKDAY: "班"}

# personal data on an enterprise's request (admins; the console's 个人信息 page).
RPC_EXPORT_ENTERPRISE_DATA = "export_enterprise_data"  # accounts, declarations: (enterprise_id) -> what each keeps
RPC_ERASE_ENTERPRISE_DATA = "erase_enterprise_data"  # declarations first, then accounts: (enterprise_id) -> counts
ACCOUNTS_FIND_ENTERPRISE = "find_enterprise"  # (username or credit code) -> enterprise_id or None
NOTIFY_LIST_MESSAGES = "list_messages"  # (filters: phone, state, template, source, dates; page) -> {items, pages, ...}

# --- review levels --------------------------------------------------------
COUNTY = "county"
CITY = "city"
PROVINCE = "province"
LEVELS = (COUNTY, CITY, PROVINCE)
NEXT_LEVEL = {COUNTY: CITY, CITY: PROVINCE}  # where 通过 sends a declaration before province

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
USER_KINDS = (ENTERPRISE, REVIEWER, ADMIN)  # what the gateway may sign (never SYSTEM)

# Key of nameko context data that carries the signed principal.
PRINCIPAL_CONTEXT_KEY = "principal"
# Key of nameko context data that carries the request's correlation id (made
# by the gateway per request, or taken from a trusted X-Request-ID); every
# service logs it, passes it on (services.common.logs) and puts it in the
# envelope of the events it causes (services.common.events).
CORRELATION_CONTEXT_KEY = "correlation_id"
REQUEST_ID_HEADER = "X-Request-ID"

# --- events -----------------------------------------------------------------
SMS_REQUESTED = "sms_requested"  # phone, template, params, dedupe_key
ENTERPRISE_REGISTERED = "enterprise_registered"  # enterprise_id, region_code
DECLARATION_SUBMITTED = "declaration_submitted"  # declaration_id, enterprise_id, region_code, level, version, resubmission, summary
DECLARATION_ADVANCED = "declaration_advanced"  # declaration_id, level (the new level), version
DECLARATION_RETURNED = "declaration_returned"  # declaration_id, enterprise_id, level (or "admin"), reason, sections, version
DECLARATION_APPROVED = "declaration_approved"  # declaration_id, enterprise_id, reason, version
DECLARATION_REJECTED = "declaration_rejected"  # declaration_id, enterprise_id, level, reason, version
TENANT_SUBMITTED = "tenant_submitted"  # declaration_id, tenant_entry_id
DECLARATION_ERASED = "declaration_erased"  # declaration_id, reason (retention or request): its personal data is gone
ENTERPRISE_ERASED = "enterprise_erased"  # enterprise_id, phones: an enterprise's personal data erased on request
# declarations' own copy of a declaration for those who decide access from it
# (tenants): sent at 开始申报 and at every state change declarations applies.
DECLARATION_STARTED = "declaration_started"  # declaration_id, enterprise_id, region_code, version
DECLARATION_CHANGED = "declaration_changed"  # declaration_id, enterprise_id, region_code, version
DECLARATION_WITHDRAWN = "declaration_withdrawn"  # declaration_id, enterprise_id, level, version (撤回 by the enterprise)
DECLARATION_PUBLICIZED = "declaration_publicized"  # declaration_id, enterprise_id, publicity_id, title, starts_on, ends_on, version

# (source service, event type) -> consumer services. A consumer's queue is
# declared durable by the setup step before anything publishes (see
# services.common.setup), so an event waits even for a consumer that has
# never started.
EVENTS = {
    (ACCOUNTS, SMS_REQUESTED): (NOTIFY,),
    (ACCOUNTS, ENTERPRISE_REGISTERED): (),
    (DECLARATIONS, SMS_REQUESTED): (NOTIFY,),
    (DECLARATIONS, DECLARATION_SUBMITTED): (REVIEW, TENANTS),
    (REVIEW, DECLARATION_ADVANCED): (DECLARATIONS,),
    (REVIEW, DECLARATION_RETURNED): (DECLARATIONS,),
    (REVIEW, DECLARATION_APPROVED): (DECLARATIONS,),
    (REVIEW, DECLARATION_REJECTED): (DECLARATIONS,),
    (TENANTS, TENANT_SUBMITTED): (),
    (DECLARATIONS, DECLARATION_ERASED): (TENANTS,),
    (ACCOUNTS, ENTERPRISE_ERASED): (NOTIFY,),
    (DECLARATIONS, DECLARATION_STARTED): (TENANTS,),
    (DECLARATIONS, DECLARATION_CHANGED): (TENANTS,),
    (REVIEW, DECLARATION_WITHDRAWN): (DECLARATIONS,),
    (REVIEW, DECLARATION_PUBLICIZED): (DECLARATIONS,),
    (REVIEW, SMS_REQUESTED): (NOTIFY,),  # the daily digest to each office's staff
}

# Who may cause an event: a decision only a reviewer or an admin, a
# submission only the enterprise (or, for both, a service acting on its own:
# a manage command, a replay). The kit parks an event whose `caused_by` names
# another kind before any handler sees it.
EVENT_CAUSES = {
    DECLARATION_STARTED: (ENTERPRISE, SYSTEM),
    DECLARATION_SUBMITTED: (ENTERPRISE, SYSTEM),
    DECLARATION_ADVANCED: (REVIEWER, ADMIN, SYSTEM),
    DECLARATION_RETURNED: (REVIEWER, ADMIN, SYSTEM),
    DECLARATION_APPROVED: (REVIEWER, ADMIN, SYSTEM),
    DECLARATION_REJECTED: (REVIEWER, ADMIN, SYSTEM),
    DECLARATION_WITHDRAWN: (ENTERPRISE, SYSTEM),
    DECLARATION_PUBLICIZED: (REVIEWER, ADMIN, SYSTEM),
}

# --- the event envelope (built and checked in services.common.outbox) ---------
# Every event travels as
#   {"event_id": uuid, "occurred_at": iso8601,
#    "caused_by": {"kind": a principal kind, "id": "..."},
#    "correlation_id": the request that caused it (kept through the relay,
#                      retries and replays, and by the events it causes),
#    "data": {...}}
# and an event that changes a state another service keeps a copy of adds
#   "sequence": the owner's counter of that state (rises with every change),
#   "state": the state after the change.
# A copy applies such an event only when its sequence is newer than the one
# it holds (docs/events.md).
ENVELOPE_FIELDS = ("event_id", "occurred_at", "caused_by", "correlation_id", "data")
SEQUENCE_FIELDS = ("sequence", "state")
SEQUENCED_EVENTS = frozenset({
    DECLARATION_SUBMITTED,  # declarations' sequence; state: where it waits
    DECLARATION_STARTED,  # declarations' sequence
    DECLARATION_CHANGED,  # declarations' sequence
    DECLARATION_ADVANCED,  # review's case revision; the state after the move
    DECLARATION_RETURNED,
    DECLARATION_APPROVED,
    DECLARATION_REJECTED,
    DECLARATION_WITHDRAWN,
    DECLARATION_PUBLICIZED,
})

# A return by a platform admin (FAQ 2.7) names this instead of a level.
ADMIN_RETURN_LEVEL = "admin"

# --- SMS templates (rendered by notify; asked for by accounts/declarations) ---
SMS_VERIFICATION_CODE = "verification_code"  # params: code, minutes
SMS_USERNAME_REMINDER = "username_reminder"  # params: username
SMS_DECLARATION_SUBMITTED = "declaration_submitted"  # params: reference (base_name ignored: enterprise-typed)
SMS_DECLARATION_RETURNED = "declaration_returned"  # params: reason
SMS_DECLARATION_APPROVED = "declaration_approved"  # params: none (base_name ignored: enterprise-typed)
SMS_DECLARATION_REJECTED = "declaration_rejected"  # params: reason
SMS_REVIEW_DIGEST = "review_digest"  # params: waiting, overdue (counts only): the daily digest to an office's staff

# --- declaration states -------------------------------------------------------
DRAFT = "draft"
PENDING_COUNTY = "pending_county"
PENDING_CITY = "pending_city"
PENDING_PROVINCE = "pending_province"
RETURNED = "returned"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"  # 撤回 by the enterprise: back in its hands, as after 退回
PENDING_PUBLICITY = "pending_publicity"  # the province passed it; waits to be selected into a 公示
IN_PUBLICITY = "in_publicity"  # under 公示; 认定 once the period has ended
STATE_LABELS = {
    DRAFT: "填报中",
    PENDING_COUNTY: "待区县审核",
    PENDING_CITY: "待设区市审核",
    PENDING_PROVINCE: "待省级审核",
    RETURNED: "已退回",
    APPROVED: "已认定",
    REJECTED: "未通过",
    WITHDRAWN: "已撤回",
    PENDING_PUBLICITY: "待公示",
    IN_PUBLICITY: "公示中",
}
PENDING_STATE_OF_LEVEL = {COUNTY: PENDING_COUNTY, CITY: PENDING_CITY, PROVINCE: PENDING_PROVINCE}

# --- configuration: environment variable names ----------------------------
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


def service_database_env(service):
    return ENV_SERVICE_DATABASE_URL.format(service=service.upper())


def event_queue(source, event_type, consumer):
    """The durable queue from which `consumer` handles `event_type` of `source`."""
    return f"evt.{source}.{event_type}.{consumer}"


# --- more RPC methods the console calls -----------------------------------------
# Every service with parked events (services.common.event_admin), admins only.
RPC_LIST_PARKED = "list_parked"  # (limit=200) -> [{id, handler, event_id, attempts, last_error, parked_at, created_at, body}]
RPC_REPLAY_PARKED = "replay_parked"  # (parked_id) -> {id, replayed}
# Every service's 操作日志 (services.common.operation_log).
RPC_LIST_OPERATIONS = "list_operations"  # admins: (filters, older_than, limit) -> rows newest first
RPC_LOG_READ = "log_read"  # staff: (action, target, target_id, detail) -> True; an export or download logged
# accounts: staff sessions, the second factor, staff accounts, 申诉 and 登录日志.
ACCOUNTS_LOGOUT = "logout"  # (token) -> True
ACCOUNTS_VERIFY_SECOND_FACTOR = "verify_second_factor"  # (challenge, code, ip) -> {token, account, outcome}
ACCOUNTS_CHALLENGE_ENROLMENT = "challenge_enrolment"  # (challenge) -> {secret, uri, ...}
ACCOUNTS_CONFIRM_CHALLENGE_ENROLMENT = "confirm_challenge_enrolment"  # (challenge, code, ip) -> {token, account, recovery_codes, outcome}
ACCOUNTS_SECOND_FACTOR_STATUS = "second_factor_status"  # () -> the caller's second factor status
ACCOUNTS_BEGIN_SECOND_FACTOR = "begin_second_factor"  # () -> {secret, uri, ...}
ACCOUNTS_CONFIRM_SECOND_FACTOR = "confirm_second_factor"  # (code) -> {recovery_codes, outcome}
ACCOUNTS_RESET_SECOND_FACTOR = "reset_second_factor"  # admins: (account_id) -> {outcome}
ACCOUNTS_LIST_STAFF = "list_staff"  # admins: () -> [{id, username, name, kind, level, region_code, disabled, created_at, ...}]
ACCOUNTS_CREATE_STAFF = "create_staff"  # admins: (username, password, name, kind, level, region_code) -> the person
ACCOUNTS_SET_STAFF_DISABLED = "set_staff_disabled"  # admins: (account_id, disabled) -> the person
ACCOUNTS_RESET_STAFF_PASSWORD = "reset_staff_password"  # admins: (account_id, password) -> the person
ACCOUNTS_LIST_APPEALS = "list_appeals"  # admins: () -> [appeal]
ACCOUNTS_GET_APPEAL = "get_appeal"  # admins: (appeal_id) -> the appeal
ACCOUNTS_SETTLE_APPEAL = "settle_appeal"  # admins: (appeal_id, accept, note) -> the settled appeal
ACCOUNTS_LIST_LOGINS = "list_logins"  # admins: (filters, page, per_page) -> 登录日志 newest first
# Scheduled jobs (services.common.schedule, docs/scheduling.md).
ENV_SCHEDULE_LEASE_SECONDS = "SCHEDULE_LEASE_SECONDS"  # a job's lease: how long a dead holder keeps it
ENV_SCHEDULE_TICK_SECONDS = "SCHEDULE_TICK_SECONDS"  # how often a replica tries a job's lease and runs it when due
# Review deadlines and the daily digest (services.review.overdue, .digest).
ENV_REVIEW_DUE_WORKING_DAYS = "REVIEW_DUE_WORKING_DAYS"  # working days a case may wait at a level before it is 超期 (a batch may say its own)
ENV_REVIEW_DIGEST_AT = "REVIEW_DIGEST_AT"  # HH:MM Beijing time of the daily digest SMS to each office
SMS_RECOGNITION_EXPIRING = "recognition_expiring"  # params: valid_until (ISO date), days (count): 认定到期提醒 to the account's phone
DECLARATIONS_PRINT_RECOGNITION = "print_recognition"  # (declaration_id) -> {blob_key, filename, size, sha256, certificate_number, verify_url}; owner or reviewers in scope
