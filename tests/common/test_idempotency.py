"""Idempotency keys: the same mutating RPC twice with one key acts once, also
when the two calls race; another key, another principal or no key acts."""
import eventlet
import pytest
from nameko.exceptions import IncorrectSignature
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import text

from services.common import contracts as c
from services.common import principal as principals
from services.common.db import Database
from services.common.entrypoints import Caller, rpc
from services.common.errors import ValidationFailed
from services.common.idempotency import idempotent
from services.common.principal import Principal


class OrdersService:
    name = "orders"
    db = Database(c.ACCOUNTS)
    caller = Caller()

    @rpc
    @idempotent
    def place(self, item, fail=False, pause=0):
        order_id = self.db.session.execute(
            text("INSERT INTO orders (item) VALUES (:i) RETURNING id"), {"i": item}
        ).scalar()
        eventlet.sleep(pause)  # widens the window for a racing duplicate
        if fail:
            raise ValueError("placing failed")
        return {"order_id": order_id, "item": item}


@pytest.fixture
def orders(container_factory, config, db_engine):
    engine = db_engine(c.ACCOUNTS)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text)"))
        conn.execute(text("TRUNCATE orders"))
    container_factory(OrdersService, config).start()

    def count():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM orders")).scalar()

    return count


def proxy(config, principal):
    token = principals.sign(principal, config)
    return ServiceRpcProxy("orders", config, context_data={c.PRINCIPAL_CONTEXT_KEY: token})


ALICE = Principal(kind=c.ENTERPRISE, id="e-1")
BOB = Principal(kind=c.ENTERPRISE, id="e-2")


def test_the_same_key_twice_acts_once(config, orders):
    with proxy(config, ALICE) as svc:
        first = svc.place("bed", idempotency_key="k-1")
        again = svc.place("bed", idempotency_key="k-1")
        assert again == first
        assert orders() == 1
        # Another key, or no key, acts.
        assert svc.place("bed", idempotency_key="k-2") != first
        svc.place("bed")
        assert orders() == 3
    # The same key from another principal is another request.
    with proxy(config, BOB) as svc:
        assert svc.place("bed", idempotency_key="k-1")["order_id"] != first["order_id"]
    assert orders() == 4


def test_racing_duplicates_act_once(config, orders):
    with proxy(config, ALICE) as svc:
        replies = [svc.place.call_async("lamp", pause=0.3, idempotency_key="race") for _ in range(4)]
        results = [reply.result() for reply in replies]
    assert orders() == 1
    assert all(r == results[0] for r in results)


def test_a_failed_call_stores_nothing_and_can_be_repeated(config, orders):
    with proxy(config, ALICE) as svc:
        with pytest.raises(Exception) as err:
            svc.place("desk", fail=True, idempotency_key="k-3")
        assert "placing failed" in str(err.value)
        assert orders() == 0
        placed = svc.place("desk", idempotency_key="k-3")
        assert placed["item"] == "desk" and orders() == 1


def test_bad_keys_and_arguments_are_refused(config, orders):
    with proxy(config, ALICE) as svc:
        with pytest.raises(ValidationFailed) as err:
            svc.place("chair", idempotency_key="x" * 201)
        assert "idempotency_key" in err.value.errors
        with pytest.raises(IncorrectSignature):
            svc.place("chair", colour="red", idempotency_key="k-4")
    assert orders() == 0
