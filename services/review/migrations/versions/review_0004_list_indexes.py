"""review: indexes for the case lists (keyset order, every filter)

The lists read (submitted_at desc, declaration_id) pages from an index range
scan, within the region, state or batch filtered on; a 统一社会信用代码 is
searched by prefix (pattern_ops, whatever the database's collation); base
and enterprise names by substring, scanning the rows the other filters leave
(no pg_trgm index: a per-service backup restores without extensions).
See docs/review-lists.md.

Revision ID: review_0004
Revises: review_0003
Create Date: 2026-11-30
"""
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
def upgrade():
    for name, leading in KEYSET.items():
        op.execute(f"CREATE INDEX {name} ON review_cases ({leading}{ORDER})")
    op.execute("CREATE INDEX ix_review_cases_credit_prefix ON review_cases (credit_code varchar_pattern_ops)")
    op.execute("CREATE INDEX ix_review_actions_processed ON review_actions (actor_id, actor_kind, action, declaration_id)")


def downgrade():
    for name in ("ix_review_actions_processed", "ix_review_cases_credit_prefix", *KEYSET):
        op.execute(f"DROP INDEX IF EXISTS {name}")
