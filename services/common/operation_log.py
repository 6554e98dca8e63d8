"""操作日志: what staff did — who, what, on what, before and after.

Each service keeps the log of the actions it carries out, in its own
`operation_log` table (services.common.tables), written in the same
transaction as the change: an action that is saved is logged, one that fails
is not, and no broker or other service has to be up for it. Admins read the
logs of every service through the console, which merges them by time
(`OperationLogAdmin.list_operations`); housekeeping deletes rows only once they
are older than LOG_KEEP_DAYS (at least 180 days; services.common.housekeeping).

Reads that carry data out of the system (an export, a download of the
applications' files) are logged by the service that is asked, with the
principal of the call: `OperationLogAdmin.log_read`.
"""
import datetime as dt
import uuid

from sqlalchemy import and_, func, insert, or_, select

from services.common import contracts as c
from services.common.entrypoints import rpc
from services.common.tables import operation_log

# action -> what the console shows
ACTIONS = {
    "staff.create": "新建人员",
    "staff.disable": "停用人员",
    "staff.enable": "启用人员",
    "staff.reset_password": "重置人员密码",
    "appeal.accept": "申诉通过（更换联系手机）",
    "appeal.refuse": "申诉不予通过",
    "batch.create": "新建申报批次",
    "batch.update": "修改申报批次",
    "review.approve": "审核通过",
    "review.recognise": "认定",
    "review.return": "退回",
    "review.reject": "不通过",
    "review.admin_return": "管理员退回",
    "review.note": "记录省级审核环节",
    "review.publicize": "选入公示",
    "review.withdraw": "企业撤回申报",
    "parked.replay": "重新处理异常消息",
    "export.cases": "导出申报列表",
    "export.logs": "导出日志",
    "export.list": "导出列表",
    "download.application": "下载申请表",
    "download.attachments": "下载全部附件",
    "export.tenants": "导出入驻企业名单",
}
# What a caller may log through `log_read` (the rest are logged by the
# service that makes the change itself).
READS = {name for name in ACTIONS if name.startswith(("export.", "download."))}
MAX_LIMIT = 500
TEXT_MAX = 300


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def _iso(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)  # SQLite drops the zone
    return value.isoformat()


def _short(value):
    return None if value in (None, "") else str(value)[:TEXT_MAX]


def record(session, principal, action, target="", target_id=None, before=None, after=None, now=None):
    """Log one action of `principal` in this service's log (same transaction
    as the change). `before`/`after`: small dicts of what changed (never
    secrets: a password reset says only that it happened)."""
    session.execute(
        insert(operation_log).values(
            id=str(uuid.uuid4()),
            at=now or utcnow(),
            actor_kind=principal.kind,
            actor_id=str(principal.id),
            action=action,
            target_id=_short(target_id),
            target=_short(target),
            before=before,
            after=after,
        )
    )


def _small(detail):
    """What a caller says about a read (its filters), bounded."""
    if not isinstance(detail, dict):
        return None
    return {str(k)[:40]: _short(v) for k, v in list(detail.items())[:20] if v not in (None, "")} or None


def row(r, service=None):
    return {
        "id": r["id"],
        "service": service,
        "at": _iso(r["at"]),
        "actor_kind": r["actor_kind"],
        "actor_id": r["actor_id"],
        "action": r["action"],
        "action_label": ACTIONS.get(r["action"], r["action"]),
        "target_id": r["target_id"],
        "target": r["target"],
        "before": r["before"],
        "after": r["after"],
    }


def _time(value):
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def conditions(filters):
    """The search: actor_id, action, q (in the target), since/until (ISO
    times, until exclusive); unknown or malformed values are ignored."""
    filters = filters or {}
    where = []
    if filters.get("actor_id"):
        where.append(operation_log.c.actor_id == str(filters["actor_id"])[:64])
    if filters.get("action") in ACTIONS:
        where.append(operation_log.c.action == filters["action"])
    q = str(filters.get("q") or "").strip()[:100]
    if q:
        where.append(or_(operation_log.c.target.icontains(q, autoescape=True),
                         operation_log.c.target_id == q))
    since, until = _time(filters.get("since")), _time(filters.get("until"))
    if since:
        where.append(operation_log.c.at >= since)
    if until:
        where.append(operation_log.c.at < until)
    return where


def search(session, filters=None, older_than=None, limit=50, service=None):
    """The newest rows matching `filters`, older than the cursor
    `older_than` ([at ISO, id] of the last row seen), at most `limit`; and
    how many match in all. {"items", "total"}"""
    limit = max(1, min(int(limit or 50), MAX_LIMIT))
    where = conditions(filters)
    total = session.scalar(select(func.count()).select_from(operation_log).where(*where))
    page = list(where)
    if older_than and len(older_than) == 2 and _time(older_than[0]):
        at, last_id = _time(older_than[0]), str(older_than[1])
        page.append(or_(operation_log.c.at < at, and_(operation_log.c.at == at, operation_log.c.id < last_id)))
    rows = session.execute(
        select(operation_log).where(*page)
        .order_by(operation_log.c.at.desc(), operation_log.c.id.desc()).limit(limit)
    ).mappings().all()
    return {"items": [row(r, service) for r in rows], "total": total}


class OperationLogAdmin:
    """The RPCs of a service's 操作日志; mix into the service class (it uses
    the service's `db`, `caller` and `name`)."""

    @rpc
    def list_operations(self, filters=None, older_than=None, limit=50):
        """Admins: this service's log, newest first (see `search`)."""
        self.caller.require(c.ADMIN)
        return search(self.db.session, filters, older_than, limit, service=self.name)

    @rpc
    def log_read(self, action, target="", target_id=None, detail=None):
        """Staff: log that the caller took data out (an export, a download)
        through the gateway; `detail`: the filters used."""
        principal = self.caller.require(c.REVIEWER, c.ADMIN)
        if action not in READS:
            from services.common.errors import ValidationFailed

            raise ValidationFailed("未知的操作类型", {"action": "未知的操作类型"})
        record(self.db.session, principal, action, target, target_id, after=_small(detail))
        return True
