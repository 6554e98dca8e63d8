"""declarations' management commands:

    python -m services.declarations.manage seed-demo-batch
        create (or keep open) a demo batch whose thresholds only warn (idempotent);
    python -m services.declarations.manage announce-all
        tell tenants once more of every declaration (declaration_changed, by
        the outbox): gives tenants its copy of declarations started before it
        kept one. Safe to repeat: each announcement is a newer sequence."""
import argparse

from sqlalchemy.orm import Session

from services.common import contracts
from services.common.db import make_engine
from services.declarations import batches


def seed_demo_batch(config=None):
    engine = make_engine(contracts.DECLARATIONS, config)
    try:
        with Session(engine) as session, session.begin():
            return batches.seed_demo_batch(session)
    finally:
        engine.dispose()


def announce_all(config=None):
    """Record a declaration_changed of every declaration in the outbox (the
    relay of a running declarations service publishes them); their count."""
    from sqlalchemy import select

    from services.common import outbox
    from services.declarations.announcements import announce
    from services.declarations.models import Declaration

    engine = make_engine(contracts.DECLARATIONS, config)
    try:
        with Session(engine) as session, session.begin():
            def dispatch(event_type, data, sequence=None, state=None):
                outbox.record(session, contracts.DECLARATIONS, event_type, data, sequence=sequence, state=state,
                              cause={"kind": contracts.SYSTEM, "id": contracts.DECLARATIONS})

            count = 0
            for d in session.execute(select(Declaration).with_for_update()).scalars():
                announce(d, dispatch)
                count += 1
            return count
    finally:
        engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description="declarations: management commands")
    parser.add_argument("command", choices=["seed-demo-batch", "announce-all"])
    args = parser.parse_args(argv)
    if args.command == "announce-all":
        print(f"announced {announce_all()} declarations to tenants")
        return 0
    batch, created = seed_demo_batch()
    print(f"{'created' if created else 'kept'} demo batch {batch['id']}: {batch['name']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
