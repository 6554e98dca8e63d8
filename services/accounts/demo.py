"""Demo staff for a first run in development mode, and the guard that keeps
them out of production.

`make run` (development mode, the default) seeds these accounts once; a
production configuration refuses to start while any of them exists.
"""
from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts import staff
from services.accounts.models import Account, LoginSession
from services.common import config as cfg
from services.common import contracts
from services.common.db import make_engine

# username, password, name, kind, level, region
DEMO_STAFF = (
    ("demo_admin", "demo2026admin", "平台管理员（演示）", contracts.ADMIN, None, None),
    ("demo_xuanwu", "demo2026county", "玄武区工信局（演示）", contracts.REVIEWER, contracts.COUNTY, "320102"),
    ("demo_nanjing", "demo2026city", "南京市工信局（演示）", contracts.REVIEWER, contracts.CITY, "320100"),
    ("demo_jiangsu", "demo2026province", "江苏省工信厅（演示）", contracts.REVIEWER, contracts.PROVINCE, "320000"),
)
DEMO_USERNAMES = tuple(row[0] for row in DEMO_STAFF)


def seed(config=None):
    """Create the demo staff that do not exist yet; returns every demo account
    as a dict (username, password, name, kind, level, region_code)."""
    if cfg.is_production(config):
        raise RuntimeError("demo accounts are never created in production")
    engine = make_engine(contracts.ACCOUNTS, config)
    try:
        with Session(engine) as session, session.begin():
            existing = set(
                session.scalars(select(Account.username).where(Account.username.in_(DEMO_USERNAMES)))
            )
            for username, password, name, kind, level, region in DEMO_STAFF:
                if username not in existing:
                    staff.create(session, username, password, name, kind, level, region)
    finally:
        engine.dispose()
    return [
        {"username": u, "password": p, "name": n, "kind": k, "level": lv, "region_code": r}
        for u, p, n, k, lv, r in DEMO_STAFF
    ]


def present(session):
    """Usernames of demo accounts in this database."""
    return sorted(session.scalars(select(Account.username).where(Account.username.in_(DEMO_USERNAMES))))


def production_problems(config=None):
    """Why a production configuration must not start (empty when fine)."""
    if not cfg.is_production(config):
        return []
    problems = list(cfg.check_production(config))
    engine = make_engine(contracts.ACCOUNTS, config)
    try:
        with Session(engine) as session:
            found = present(session)
    finally:
        engine.dispose()
    if found:
        problems.append(
            "存在演示账号（" + "、".join(found) + "），请先执行 `python -m services.accounts.demo remove` 删除"
        )
    return problems


def remove(config=None):
    """Delete the demo staff accounts (and their sessions); returns the usernames removed."""
    engine = make_engine(contracts.ACCOUNTS, config)
    try:
        with Session(engine) as session, session.begin():
            accounts = list(session.scalars(select(Account).where(Account.username.in_(DEMO_USERNAMES))))
            for account in accounts:
                session.query(LoginSession).filter(LoginSession.account_id == account.id).delete()
                session.delete(account)
            return [a.username for a in accounts]
    finally:
        engine.dispose()


class ProductionGuard(DependencyProvider):
    """Refuses to start the accounts service in production while development
    secrets are configured or demo accounts exist."""

    def setup(self):
        problems = production_problems(self.container.config)
        if problems:
            raise RuntimeError("拒绝以生产配置启动：" + "；".join(problems))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["remove"]:
        raise SystemExit("usage: python -m services.accounts.demo remove")
    print("removed: " + (", ".join(remove()) or "none"))
