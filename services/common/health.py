"""The health answer every service gives (RPC `health`, public)."""
from sqlalchemy import text


def check(service_name, tx):
    tx.session.execute(text("SELECT 1"))
    return {"service": service_name, "ok": True, "database": True}
