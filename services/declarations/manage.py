"""`python -m services.declarations.manage seed-demo-batch`: create (or keep
open) a demo batch whose thresholds only warn. Idempotent."""
import argparse

from sqlalchemy.orm import Session

from services.common import contracts as c
from services.common.db import make_engine
from services.declarations import batches


def seed_demo_batch(config=None):
    engine = make_engine(c.DECLARATIONS, config)
    try:
        with Session(engine) as session, session.begin():
            return batches.seed_demo_batch(session)
    finally:
        engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description="declarations: management commands")
    parser.add_argument("command", choices=["seed-demo-batch"])
    parser.parse_args(argv)
    batch, created = seed_demo_batch()
    print(f"{'created' if created else 'kept'} demo batch {batch['id']}: {batch['name']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
