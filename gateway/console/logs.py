"""日志 (admins): 操作日志 and 登录日志, searched and exported.

操作日志: every service keeps the log of the staff actions it carries out
(services.common.operation_log); this page asks each of them for the newest
rows matching the search, older than the last row shown, and merges them by
time. 登录日志: the accounts service's (services.accounts.login_log).
"""
import datetime as dt

from flask import render_template, request, url_for
from nameko.exceptions import MethodNotFound, RemoteError

from gateway import rpc
from gateway.auth import staff_required
from gateway.console import bp
from gateway.console.exports import log_export, send_workbook
from gateway.console.names import name_people
from gateway.console.parked import SERVICE_LABELS
from gateway.rpc import ServiceUnavailable
from services.common import clock
from services.common import contracts as c
from services.common.errors import ServiceError
from services.common.operation_log import ACTIONS

PER_PAGE = 50
EXPORT_PAGE = 500
EXPORT_MAX = 100_000
UNAVAILABLE = (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError)


def _day(value, key, errors):
    """A date typed as YYYY-MM-DD, or None (an error message when malformed)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[key] = "请按“年-月-日”填写日期，例如 2026-05-01"
        return None


def _period(args, errors):
    """since/until (ISO, Beijing days: until is the day after 结束日期)."""
    start, end = _day(args.get("date_from"), "date_from", errors), _day(args.get("date_to"), "date_to", errors)
    if start and end and end < start:
        errors["date_to"] = "结束日期不能早于开始日期"
    since = clock.iso(clock.day_start(start)) if start else None
    until = clock.iso(clock.day_start(end + dt.timedelta(days=1))) if end else None
    return since, until


def _moment(row):
    return clock.utc(dt.datetime.fromisoformat(row["at"]))


# --- 操作日志 ----------------------------------------------------------------


def operation_filters(args):
    errors = {}
    typed = {key: (args.get(key) or "").strip()[:100] for key in ("actor_id", "action", "q", "date_from", "date_to")}
    if typed["action"] and typed["action"] not in ACTIONS:
        typed["action"] = ""
    since, until = _period(args, errors)
    query = {"actor_id": typed["actor_id"], "action": typed["action"], "q": typed["q"],
             "since": since, "until": until}
    return typed, {k: v for k, v in query.items() if v}, errors


def merged_operations(query, older_than, limit):
    """The newest `limit` rows over every service, the total, and the
    services that did not answer."""
    items, total, missing = [], 0, []
    for service in c.SERVICES:
        try:
            part = rpc(service, c.RPC_LIST_OPERATIONS, query, older_than, limit, timeout=5)
        except UNAVAILABLE:
            missing.append(SERVICE_LABELS.get(service, service))
            continue
        items += part["items"]
        total += part["total"]
    items.sort(key=lambda r: (_moment(r), r["id"]), reverse=True)
    return items[:limit], total, missing


def _cursor(value):
    at, _, last_id = (value or "").partition("|")
    try:
        dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    return [at, last_id[:64]] if last_id else None


def _changes(values):
    if not values:
        return ""
    if isinstance(values, dict):
        return "；".join(f"{k}：{'' if v is None else v}" for k, v in values.items())
    return str(values)


def _dress(rows):
    name_people(rows)
    for r in rows:
        r["at_local"] = clock.show(r["at"], clock.SECOND_FORMAT)
        r["service_label"] = SERVICE_LABELS.get(r["service"], r["service"])
        r["before_text"] = _changes(r["before"])
        r["after_text"] = _changes(r["after"])
        r["who"] = (f"{r['actor_name']}（{r['actor_office']}）" if r.get("actor_name")
                    else {"admin": "平台管理员", "reviewer": "审核人员"}.get(r["actor_kind"], r["actor_kind"]))
    return rows


def _staff_choices():
    try:
        return [(p["id"], f"{p['name']}（{p['username']}）") for p in rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_STAFF)]
    except UNAVAILABLE:
        return []


@bp.get("/logs")
@staff_required(c.ADMIN)
def operations_log():
    typed, query, errors = operation_filters(request.args)
    cursor = _cursor(request.args.get("older"))
    items, total, missing = ([], 0, []) if errors else merged_operations(query, cursor, PER_PAGE)
    _dress(items)
    older = f"{items[-1]['at']}|{items[-1]['id']}" if len(items) == PER_PAGE else None
    params = {k: v for k, v in typed.items() if v}
    return render_template(
        "console/logs.html", active="logs", tab="operations", filters=typed, errors=errors,
        items=items, total=total, missing=missing, actions=ACTIONS, staff=_staff_choices(),
        first_page=cursor is None, older_url=url_for("console.operations_log", older=older, **params) if older else None,
        newest_url=url_for("console.operations_log", **params),
        export_url=url_for("console.operations_export", **params),
    ), (422 if errors else 200)


OPERATION_COLUMNS = ("时间", "操作人", "操作", "对象", "对象编号", "修改前", "修改后", "服务")


@bp.get("/logs/export")
@staff_required(c.ADMIN)
def operations_export():
    typed, query, errors = operation_filters(request.args)
    if errors:
        return operations_log()

    def rows():
        cursor, written = None, 0
        while written < EXPORT_MAX:
            items, _total, _missing = merged_operations(query, cursor, EXPORT_PAGE)
            for r in _dress(items):
                yield [r["at_local"], r["who"], r["action_label"], r["target"], r["target_id"],
                       r["before_text"], r["after_text"], r["service_label"]]
            written += len(items)
            if len(items) < EXPORT_PAGE:
                return
            cursor = [items[-1]["at"], items[-1]["id"]]

    log_export(c.ACCOUNTS, "export.logs", "操作日志", typed)
    return send_workbook("操作日志", list(OPERATION_COLUMNS), rows(), "操作日志")


# --- 登录日志 ----------------------------------------------------------------


def login_filters(args):
    """What the admin typed; the service ignores a kind or result it does
    not know."""
    errors = {}
    typed = {key: (args.get(key) or "").strip()[:64]
             for key in ("username", "address", "kind", "result", "date_from", "date_to")}
    since, until = _period(args, errors)
    query = {"username": typed["username"], "address": typed["address"], "kind": typed["kind"],
             "result": typed["result"], "since": since, "until": until}
    return typed, {k: v for k, v in query.items() if v}, errors


@bp.get("/logs/logins")
@staff_required(c.ADMIN)
def logins_log():
    typed, query, errors = login_filters(request.args)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() else 1
    result = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_LOGINS, {} if errors else query, page, PER_PAGE)
    if errors:
        result.update(items=[], total=0, page=1, pages=1)
    for r in result["items"]:
        r["at_local"] = clock.show(r["at"], clock.SECOND_FORMAT)
    params = {k: v for k, v in typed.items() if v}
    return render_template(
        "console/logins.html", active="logs", tab="logins", filters=typed, errors=errors, result=result,
        kinds=result["kinds"], results=result["results"], params=params,
        export_url=url_for("console.logins_export", **params),
    ), (422 if errors else 200)


LOGIN_COLUMNS = ("时间", "用户名", "登录入口", "地址", "结果", "说明")


@bp.get("/logs/logins/export")
@staff_required(c.ADMIN)
def logins_export():
    typed, query, errors = login_filters(request.args)
    if errors:
        return logins_log()

    def rows():
        page = 1
        while page * EXPORT_PAGE <= EXPORT_MAX:
            result = rpc(c.ACCOUNTS, c.ACCOUNTS_LIST_LOGINS, query, page, EXPORT_PAGE)
            for r in result["items"]:
                yield [clock.show(r["at"], clock.SECOND_FORMAT), r["username"], r["kind_label"], r["address"], r["result_label"],
                       r["detail"]]
            if page >= result["pages"]:
                return
            page += 1

    log_export(c.ACCOUNTS, "export.logs", "登录日志", typed)
    return send_workbook("登录日志", list(LOGIN_COLUMNS), rows(), "登录日志")

