"""Alembic, one migration tree per service plus the `common` branch of the
tables every service keeps (services/common/tables.py)."""
import logging

from alembic import command, context
from alembic.config import Config

from services.common import tables
from services.common.config import ROOT
from services.common.db import ensure_schema, make_engine

log = logging.getLogger(__name__)

COMMON_VERSIONS = ROOT / "services" / "common" / "migrations" / "versions"


def alembic_config(service, config=None):
    migrations = ROOT / "services" / service / "migrations"
    acfg = Config()
    acfg.set_main_option("script_location", str(migrations))
    acfg.set_main_option("path_separator", "os")
    acfg.set_main_option("version_locations", f"{migrations / 'versions'}:{COMMON_VERSIONS}")
    acfg.attributes["service"] = service
    acfg.attributes["config"] = config
    return acfg


def upgrade(service, config=None):
    """Apply every migration of one service (and the common branch)."""
    ensure_schema(service, config)
    command.upgrade(alembic_config(service, config), "heads")


def run_env(metadata):
    """Body of each service's migrations/env.py."""
    acfg = context.config
    service = acfg.attributes["service"]
    engine = make_engine(service, acfg.attributes.get("config"))
    try:
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=[metadata, tables.metadata])
            context.run_migrations()
    finally:
        engine.dispose()
