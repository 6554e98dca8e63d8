"""The naming convention of every constraint and index the services create.

Alembic migrations and the declarative tables both name constraints by it, so
that a migration can drop or alter one by a name known in advance. The module
imports nothing from the kit: the tables every service keeps
(services.common.tables) and each service's own (services.common.db) take it
from here.
"""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
