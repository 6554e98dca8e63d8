"""review: indexes for the case lists (keyset order, every filter)

The lists read (submitted_at desc, declaration_id) pages from an index range
scan, within the region, state or batch filtered on; a 统一社会信用代码 is
searched by prefix (pattern_ops, whatever the database's collation); base
and enterprise names by substring with trigram indexes when pg_trgm can be
created (a trusted extension: the database's owner may), else by scanning.
See docs/review-lists.md.

Revision ID: review_0004
Revises: review_0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "review_0004"
down_revision = "review_0003"
branch_labels = None
depends_on = None

ORDER = "submitted_at DESC, declaration_id"
KEYSET = {
    "ix_review_cases_list_order": "",
    "ix_review_cases_list_state": "state, ",
    "ix_review_cases_list_region": "region_code, ",
    "ix_review_cases_list_city": "city_code, ",
    "ix_review_cases_list_batch": "batch_id, ",
    "ix_review_cases_list_city_state": "city_code, state, ",
    "ix_review_cases_list_region_state": "region_code, state, ",
}
TRIGRAM = {"ix_review_cases_base_name_trgm": "base_name", "ix_review_cases_enterprise_name_trgm": "enterprise_name"}


def _trigram_schema(bind):
    """The schema of pg_trgm, created here if it may be; None if not."""
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return None
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar()


def upgrade():
    for name, leading in KEYSET.items():
        op.execute(f"CREATE INDEX {name} ON review_cases ({leading}{ORDER})")
    op.execute("CREATE INDEX ix_review_cases_credit_prefix ON review_cases (credit_code varchar_pattern_ops)")
    op.execute("CREATE INDEX ix_review_actions_processed ON review_actions (actor_id, actor_kind, action, declaration_id)")
    schema = _trigram_schema(op.get_bind())
    if schema:
        for name, column in TRIGRAM.items():
            op.execute(f'CREATE INDEX {name} ON review_cases USING gin (lower({column}) "{schema}".gin_trgm_ops)')


def downgrade():
    for name in (*TRIGRAM, "ix_review_actions_processed", "ix_review_cases_credit_prefix", *KEYSET):
        op.execute(f"DROP INDEX IF EXISTS {name}")
