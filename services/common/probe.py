"""Health probe of one service, for container orchestrators:

    python -m services.common.probe <service> [--timeout SECONDS]

Calls the service's public `health` RPC over the broker and exits 0 when an
instance answers ok within the timeout, 1 otherwise (no answer, broker
unreachable, database down). Any replica of the service may answer (they
share the RPC queue): the probe tells whether the service works, and holds a
rollout back until it does. A replica whose consumer breaks exits on its own
(nameko kills its container) and is restarted by the orchestrator.

A production configuration with development secrets is unhealthy too, so a
deployment that forgot its secrets never becomes ready.
"""
import argparse
import signal
import sys

from services.common import config as cfg
from services.common import contracts


def check(service, timeout=5.0, config=None):
    """True when `service` answers its health RPC with ok within `timeout`."""
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(cfg.nameko_config(config), timeout=timeout) as proxy:
        answer = getattr(proxy[service], contracts.RPC_HEALTH)()
    return bool(answer and answer.get("ok"))


def _give_up(_signum, _frame):
    raise TimeoutError("no answer in time")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=contracts.SERVICES)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds (default 5)")
    args = parser.parse_args(argv)
    # Connecting to an unreachable broker may retry for longer than the RPC
    # timeout: bound the whole probe.
    # A process whose own settings its startup guard refuses is never healthy.
    problems = cfg.startup_problems(args.service)
    if problems:
        print(f"{args.service}: unhealthy ({'; '.join(problems)})", file=sys.stderr)
        return 1
    signal.signal(signal.SIGALRM, _give_up)
    signal.setitimer(signal.ITIMER_REAL, args.timeout + 2)
    try:
        ok = check(args.service, args.timeout)
    except Exception as exc:  # any failure means "not healthy"
        print(f"{args.service}: unhealthy ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"{args.service}: {'ok' if ok else 'unhealthy'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
