"""Who a worker acts for, as the events it dispatches name it
(services.common.worker_context): the signed principal of an RPC, the
service itself for event handlers and timers, nobody for an unchecked
entrypoint or a token that does not verify. `Caller` gives the service the
same principal."""
import time
from types import SimpleNamespace

import pytest
from nameko.rpc import Rpc
from nameko.timer import Timer

from services.common import contracts, entrypoints, principal, worker_context
from services.common.events import EventHandler

CONFIG = {contracts.ENV_PRINCIPAL_SECRET: "worker-context-secret"}
REVIEWER = principal.Principal(kind=contracts.REVIEWER, id="7", region_code="320000", level=contracts.PROVINCE)


def context(entrypoint, token=None, correlation=None, stack=()):
    data = {}
    if token is not None:
        data[contracts.PRINCIPAL_CONTEXT_KEY] = token
    if correlation is not None:
        data[contracts.CORRELATION_CONTEXT_KEY] = correlation
    container = SimpleNamespace(service_name=contracts.REVIEW, config=CONFIG)
    return SimpleNamespace(entrypoint=entrypoint, container=container, context_data=data,
                           call_id_stack=list(stack))


def signed(ttl=60, now=None):
    return principal.sign(REVIEWER, CONFIG, ttl=ttl, now=now)


def cases():
    """Built when a test runs, not when the module is collected: the tokens
    are signed for a minute."""
    return {
        "a checked RPC": (context(entrypoints.SecureRpc(), signed()), REVIEWER),
        "a public RPC, anonymous": (context(entrypoints.SecureRpc(public=True)), None),
        "a public RPC, signed": (context(entrypoints.SecureRpc(public=True), signed()), REVIEWER),
        "a forged token": (context(entrypoints.SecureRpc(), signed()[:-2] + "xx"), None),
        "a token just expired, within the leeway": (
            context(entrypoints.SecureRpc(), signed(ttl=1, now=time.time() - 10)), REVIEWER),
        "a public RPC's token just expired": (
            context(entrypoints.SecureRpc(public=True), signed(ttl=1, now=time.time() - 10)), None),
        "nameko's unchecked rpc": (context(Rpc(), signed()), None),
        "an event handler": (context(EventHandler(contracts.DECLARATIONS, contracts.DECLARATION_SUBMITTED), signed()),
                             principal.system(contracts.REVIEW)),
        "a timer": (context(Timer(interval=60)), principal.system(contracts.REVIEW)),
    }


CASE_NAMES = sorted(cases())


@pytest.mark.parametrize("case", CASE_NAMES)
def test_a_worker_acts_for_the_verified_principal_only(case):
    ctx, expected = cases()[case]
    assert worker_context.acting_principal(ctx) == expected
    assert entrypoints.Caller().get_dependency(ctx) == expected  # what the service sees


def test_the_correlation_id_is_the_given_one_else_the_first_served_call():
    rpc = entrypoints.SecureRpc()
    assert worker_context.correlation_id(context(rpc, correlation="req-1", stack=["a.b.1"])) == "req-1"
    stack = ["standalone_rpc_proxy.call.9", "review.list_cases.2", "declarations.get.3"]
    assert worker_context.correlation_id(context(rpc, stack=stack)) == "review.list_cases.2"
    assert worker_context.correlation_id(context(rpc, correlation="x" * 500)) == "x" * 200
