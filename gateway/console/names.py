"""Who did it, as the console shows it: a person's name and office (from the
accounts service), never an account id."""
from nameko.exceptions import MethodNotFound, RemoteError

from gateway import rpc
from gateway.rpc import ServiceUnavailable
from services.common import contracts as c
from services.common.errors import ServiceError


def name_people(rows, id_key="actor_id"):
    """Add `actor_name` and `actor_office` to each row (dicts) whose
    `id_key` is a staff account's id; both stay None for others or when the
    accounts service cannot answer (the page still shows, with the office
    the row itself records)."""
    ids = {row.get(id_key) for row in rows if row.get(id_key)}
    known = {}
    if ids:
        try:
            known = rpc(c.ACCOUNTS, c.ACCOUNTS_STAFF_NAMES, sorted(ids))
        except (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError):
            known = {}
    for row in rows:
        person = known.get(row.get(id_key)) or {}
        row["actor_name"] = person.get("name")
        row["actor_office"] = person.get("office")
    return rows
