"""What a worker's context tells about the request it serves: the principal
it acts for and the correlation id of the request.

The database's outbox names them in every event a worker dispatches
(services.common.db), and `Caller` gives the principal to the service
(services.common.entrypoints). The module reads nameko's worker context and
verifies tokens with services.common.principal; it knows the entrypoints only
by what they declare: `acts_as_service` (event handlers), nameko's Timer, and
`public` on the RPC entrypoint that verifies principals.
"""
from nameko.rpc import Rpc
from nameko.timer import Timer

from services.common import contracts
from services.common import principal as principals
from services.common.errors import Unauthenticated

# The entrypoint verified the token strictly when the call arrived; what reads
# it again a moment later must not fail the worker over the gap.
CALLER_LEEWAY_SECONDS = 30

STANDALONE_CALL_PREFIX = "standalone_rpc_proxy."


def acting_principal(worker_ctx):
    """The verified principal a worker acts for: for an RPC, the principal
    signed into its context data (None for an anonymous call of a public
    entrypoint); for event handlers and timers, the service's own system
    principal, whatever headers the message carried; None for any other
    entrypoint (e.g. nameko's own unchecked `rpc`, used by mistake)."""
    entrypoint = worker_ctx.entrypoint
    container = worker_ctx.container
    if getattr(entrypoint, "acts_as_service", False) or isinstance(entrypoint, Timer):
        return principals.system(container.service_name)
    public = getattr(entrypoint, "public", None)
    if not isinstance(entrypoint, Rpc) or public is None:
        return None
    token = worker_ctx.context_data.get(contracts.PRINCIPAL_CONTEXT_KEY)
    if not token:
        return None
    try:
        return principals.verify(token, container.config, leeway=0 if public else CALLER_LEEWAY_SECONDS)
    except Unauthenticated:
        return None


def correlation_id(worker_ctx):
    """The correlation id of the request a worker serves: the one its context
    data carries (set by whoever started the request, restored by event
    handlers from the envelope), else the id of the first call of the chain
    that a service served (a standalone proxy, such as the gateway's, keeps
    one id for all the calls it makes)."""
    given = worker_ctx.context_data.get(contracts.CORRELATION_CONTEXT_KEY)
    if isinstance(given, str) and given:
        return given[:200]
    stack = [i for i in worker_ctx.call_id_stack if not i.startswith(STANDALONE_CALL_PREFIX)]
    return stack[0][:200] if stack else None
