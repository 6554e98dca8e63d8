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
# {id, kind, username, display_name, region_code, level}, "expires_in":
# seconds left of the session's absolute lifetime} or None; the gateway keeps
# an answer at most SESSION_CACHE_SECONDS (docs/sessions.md)
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
# The portal's account pages are rendered from the service's rule tables:
# public: (known_hash=None) -> {"hash", "description": {name: {"fields":
# [field descriptions as services.common.fields gives them], "uploads":
# [{key, label}]}}}; "description" is None when known_hash is the current hash.
ACCOUNTS_DESCRIBE_FORMS = "describe_forms"
# Logins, sessions and the account pages (public unless noted).
ACCOUNTS_LOGIN = "login"  # (username, password, portal, ip=None) -> {token, account} or a second-factor challenge
ACCOUNTS_LOGOUT = "logout"  # (token)
ACCOUNTS_REQUEST_CODE = "request_code"  # (purpose, data, ip=None) -> {phone_masked, minutes}
ACCOUNTS_REGISTER = "register"  # (data, licence_key, ip=None) -> {id, username}
ACCOUNTS_FORGOT_USERNAME = "forgot_username"  # (data, ip=None)
ACCOUNTS_RESET_PASSWORD = "reset_password"  # (data)
ACCOUNTS_SUBMIT_APPEAL = "submit_appeal"  # (data, licence_key)
ACCOUNTS_CHANGE_PASSWORD = "change_password"  # the account itself: (data) -> {token}
ACCOUNTS_CHANGE_CONTACT = "change_contact"  # the enterprise itself: (data); a field it does not send keeps its value
ACCOUNTS_ENTERPRISE_LICENCE = "enterprise_licence"  # (enterprise_id) -> {key, content_type}
# Staff's second factor (console).
ACCOUNTS_VERIFY_SECOND_FACTOR = "verify_second_factor"  # public: (challenge, code, ip=None)
ACCOUNTS_CHALLENGE_ENROLMENT = "challenge_enrolment"  # public: (challenge)
ACCOUNTS_CONFIRM_CHALLENGE_ENROLMENT = "confirm_challenge_enrolment"  # public: (challenge, code, ip=None)
ACCOUNTS_SECOND_FACTOR_STATUS = "second_factor_status"  # staff: ()
ACCOUNTS_BEGIN_SECOND_FACTOR = "begin_second_factor"  # staff: ()
ACCOUNTS_CONFIRM_SECOND_FACTOR = "confirm_second_factor"  # staff: (code)
ACCOUNTS_RESET_SECOND_FACTOR = "reset_second_factor"  # admins: (account_id)
# Staff and appeals (admins).
ACCOUNTS_LIST_STAFF = "list_staff"  # () -> [staff]
ACCOUNTS_CREATE_STAFF = "create_staff"  # (username, password, name, kind, level=None, region_code=None)
ACCOUNTS_SET_STAFF_DISABLED = "set_staff_disabled"  # (account_id, disabled): disabling ends the sessions
ACCOUNTS_RESET_STAFF_PASSWORD = "reset_staff_password"  # (account_id, password): ends the sessions
ACCOUNTS_LIST_APPEALS = "list_appeals"  # ()
ACCOUNTS_GET_APPEAL = "get_appeal"  # (appeal_id)
ACCOUNTS_SETTLE_APPEAL = "settle_appeal"  # (appeal_id, accept, note="")
ACCOUNTS_LIST_LOGINS = "list_logins"  # (filters=None, page=1, per_page=50) -> 登录日志
# A staff member's phone for the daily digest of their office, verified by an SMS code.
ACCOUNTS_STAFF_PHONE = "staff_phone"  # staff, their own: () -> {phone_masked, verified_at}
ACCOUNTS_REQUEST_STAFF_PHONE_CODE = "request_staff_phone_code"  # staff: ({"phone"}, ip=None) -> {phone_masked, minutes}
ACCOUNTS_CONFIRM_STAFF_PHONE = "confirm_staff_phone"  # staff: ({"phone", "sms_code"}) -> {phone_masked, verified_at}
# services only (system principal): an office (a review level and its
# region, e.g. ("county", "320102")) -> [phone] of its enabled reviewers' verified phones
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
TENANTS_INTAKE_CONTEXT = "intake_context"  # public: (token, device_id, ip=None) -> base_name, intake_open, draft, submitted_here, description_hash
TENANTS_SAVE_INTAKE_STEP = "save_intake_step"  # public: (token, step, data, device_id, ip=None)
TENANTS_SUBMITTED_ROLL = "submitted_roll"  # (declaration_id, version=None) -> 入驻企业名单 as submitted {version, taken_at, entries, totals} or None
TENANTS_SUBMIT_INTAKE = "submit_intake"  # public: (token, device_id, ip=None, notice=None: the personal-data notice version shown)
TENANTS_SHORT_LINK = "short_link"  # (declaration_id) -> {"short_id", "url_path"} of the active link (owner only)
TENANTS_RESOLVE_SHORT = "resolve_short"  # public: (short_id) -> {"token", "url_path"} of the link it stands for
TENANTS_DESCRIBE_STEPS = "describe_steps"  # public: () -> {"hash", "parts": [{key, label, fields}]}: the intake steps (docs/descriptions.md)
TENANTS_SUBMIT_INTAKE_ENTRY = "submit_intake_entry"  # public: (token, answers {step: {field: value}}, device_id, ip=None, notice=None) -> receipt; every step at once, checked in full

# declarations: what other areas call (the portal's own pages call more).
DECLARATIONS_GET = "get"  # (declaration_id) -> the whole declaration, history, return reason; by scope
DECLARATIONS_HISTORY = "history"  # (declaration_id) -> [{from_state, to_state, at, actor_kind, actor_id, level, reason, version}]
DECLARATIONS_VERSIONS = "versions"  # (declaration_id) -> [{version, submitted_at, level}]
DECLARATIONS_VERSION = "version"  # (declaration_id, number) -> {version, submitted_at, level, snapshot}
DECLARATIONS_DIFF = "diff"  # (declaration_id, from_version, to_version) -> [{section, section_label, row, field, label, before, after}]
DECLARATIONS_ATTACHMENT = "attachment"  # (attachment_id) -> metadata + blob_key, for its enterprise or reviewers in scope
DECLARATIONS_DESCRIBE_SECTIONS = "describe_sections"  # public: () -> {"hash", "parts"}: every section's rule table (docs/descriptions.md)
# 打印申请表: the PDF of a submitted version, rendered once and kept in the blob
# store; its QR code opens VERIFY_URL_PATH under PUBLIC_BASE_URL.
DECLARATIONS_PRINT = "print_version"  # (declaration_id, version=None) -> {blob_key, filename, size, sha256, version, reference, verify_url}; owner or reviewers in scope
DECLARATIONS_VERIFY = "verify_version"  # public: (verify_id) -> {reference, version, submitted_at, digest, state, state_label, decided_at, declaration_id}
DECLARATIONS_VERSION_ATTACHMENTS = "version_attachments"  # (declaration_id, version=None) -> {reference, version, files: [{category, filename, size, sha256, content_type, blob_key}]}
DECLARATIONS_PRINT_RECOGNITION = "print_recognition"  # (declaration_id) -> {blob_key, filename, size, sha256, certificate_number, verify_url}; owner or reviewers in scope
VERIFY_URL_PATH = "/verify/{verify_id}"  # the gateway's public verification page of one printed version
# declarations: the portal's and the console's own calls (access from the signed principal).
DECLARATIONS_LIST_OPEN_BATCHES = "list_open_batches"  # () -> [batch] open today
DECLARATIONS_LIST_BATCHES = "list_batches"  # admin: () -> [batch]
DECLARATIONS_GET_BATCH = "get_batch"  # (batch_id) -> batch
DECLARATIONS_BATCH_FORM = "batch_form"  # admin: (batch_id) -> the batch form's values
DECLARATIONS_DESCRIBE_BATCH_FORM = "describe_batch_form"  # public: () -> {"hash", "parts"}: the console's 申报批次 form (docs/descriptions.md)
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
DECLARATIONS_SECTION_VIEW = "section_view"  # owner: (declaration_id, section) -> one section page: state, editable, deadlines, its values/rows/attachments, description_hash

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
NOTIFY_DEV_OUTBOX = "dev_outbox"  # development only: (phone=None) -> the SMS the console provider printed
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
SMS_RECOGNITION_EXPIRING = "recognition_expiring"  # params: valid_until (ISO date), days (count): 认定到期提醒 to the account's phone
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

# --- configuration: environment variable names (services.common.environment) ---
from services.common.environment import *  # noqa: E402,F401,F403  (contracts.ENV_* and service_database_env)


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
