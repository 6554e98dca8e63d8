"""Read endpoints of /api/v1: rule tables and states (public), the
enterprise's declarations, their sections and state history (the
enterprise's own only: the declarations service decides, and refuses any
other principal here)."""
import re

from flask import current_app, g, jsonify

from gateway import rpc
from gateway.api.v1 import bp
from gateway.api.v1.openapi import (
    ATTACHMENT_FIELDS, ID_PATTERN, SECTION_PATH, SUMMARY_FIELDS, TRANSITION_FIELDS, DocumentCache,
)
from services.common import contracts as c
from services.common.errors import Forbidden, NotFound, Unauthenticated

_ID = re.compile(ID_PATTERN)
DETAIL_FIELDS = ("section_states", "return_reason", "return_sections", "returned_at")


def _describe():
    return rpc(c.DECLARATIONS, c.DECLARATIONS_DESCRIBE_SECTIONS)["parts"]


def _cache():
    return current_app.extensions.setdefault("api_v1_document", DocumentCache())


def document():
    return _cache().get(_describe)


def _only(data, fields):
    return {key: data.get(key) for key in fields}


def _enterprise():
    principal = g.get("principal")
    if principal is None:
        raise Unauthenticated("请先登录，或使用 API 令牌")
    if principal.kind != c.ENTERPRISE:
        raise Forbidden("此接口仅供企业账号使用")
    return principal


def _declaration(declaration_id):
    _enterprise()
    if not _ID.match(declaration_id):
        raise NotFound("未找到该申报")
    return rpc(c.DECLARATIONS, c.DECLARATIONS_GET, declaration_id)


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/sections")
def sections():
    return jsonify({"sections": _describe()})


@bp.get("/states")
def states():
    return jsonify({"states": [{"code": code, "label": label} for code, label in c.STATE_LABELS.items()]})


@bp.get("/declarations")
def declarations():
    _enterprise()
    items = rpc(c.DECLARATIONS, c.DECLARATIONS_LIST_MINE)
    return jsonify({"items": [_only(d, SUMMARY_FIELDS) for d in items]})


@bp.get("/declarations/<declaration_id>")
def declaration(declaration_id):
    d = _declaration(declaration_id)
    return jsonify(_only(d, (*SUMMARY_FIELDS, *DETAIL_FIELDS)))


@bp.get("/declarations/<declaration_id>/states")
def declaration_states(declaration_id):
    d = _declaration(declaration_id)
    return jsonify({"items": [_only(t, TRANSITION_FIELDS) for t in d["history"]]})


@bp.get("/declarations/<declaration_id>/sections/<section>")
def declaration_section(declaration_id, section):
    # The sections the document describes are the ones answered.
    if SECTION_PATH.format(section=section) not in document()["paths"]:
        raise NotFound("没有这一部分")
    d = _declaration(declaration_id)
    body = {"section": section, "label": c.SECTIONS[section]}
    if section == "attachments":
        body["items"] = [_only(a, ATTACHMENT_FIELDS) for a in d["attachments"]]
    elif isinstance(d["sections"].get(section), list):
        body["items"] = d["sections"][section]
    else:
        body["data"] = d["sections"].get(section) or {}
    return jsonify(body)

