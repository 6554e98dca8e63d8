"""The explicit setup step, run once per deployment (never by every replica at
start): apply every service's migrations and declare every consumer queue the
contracts name, so that an event waits in its queue even for a consumer that
has never run.

    python -m services.common.setup [service ...]
"""
import argparse
import logging
import sys

from services.common import known_warnings

known_warnings.quiet()  # before the libraries that warn on import

from kombu import Connection  # noqa: E402

from services.common import config as cfg  # noqa: E402
from services.common import contracts  # noqa: E402
from services.common import migrations  # noqa: E402
from services.common import queues  # noqa: E402

log = logging.getLogger("setup")


def run(services=contracts.SERVICES, config=None):
    for service in services:
        migrations.upgrade(service, config)
        log.info("migrated %s", service)
    with Connection(cfg.get(contracts.ENV_AMQP_URI, config)) as conn:
        declared = queues.declare_all(conn, config)
    log.info("declared %d queues", len(declared))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", metavar="service", help=", ".join(contracts.SERVICES))
    args = parser.parse_args(argv)
    unknown = set(args.services) - set(contracts.SERVICES)
    if unknown:
        parser.error("unknown service: " + ", ".join(sorted(unknown)))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg.refuse_unsafe_start(cfg.SETUP)
    except cfg.UnsafeConfiguration as exc:
        print(exc, file=sys.stderr)
        return 2
    run(args.services or contracts.SERVICES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
