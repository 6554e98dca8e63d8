"""JSON API of declarations: the sections' rule tables (public), the
caller's declarations and one declaration (as the service allows)."""
from flask import g, jsonify

from gateway import rpc
from gateway.api import bp
from services.common import contracts as c
from services.common.errors import Unauthenticated


@bp.get("/sections")
def sections():
    """Every section's fields: key, label, help, type, required, bounds."""
    return jsonify({"sections": rpc(c.DECLARATIONS, c.DECLARATIONS_DESCRIBE_SECTIONS)["parts"]})


def _require_login():
    if g.get("principal") is None:
        raise Unauthenticated("请先登录")


@bp.get("/declarations")
def declarations():
    _require_login()
    return jsonify({"declarations": rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_MINE)})


@bp.get("/declarations/<declaration_id>")
def declaration(declaration_id):
    _require_login()
    return jsonify(rpc(c.DECLARATIONS, c.DECLARATIONS_GET, declaration_id))


@bp.get("/declarations/<declaration_id>/diff/<int:from_version>/<int:to_version>")
def declaration_diff(declaration_id, from_version, to_version):
    _require_login()
    return jsonify({"changes": rpc(c.DECLARATIONS, c.DECLARATIONS_DIFF, declaration_id, from_version, to_version)})
