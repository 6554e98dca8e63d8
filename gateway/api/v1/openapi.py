"""The OpenAPI 3.1 document of /api/v1, built from what the services say of
themselves: every section's fields come from the declarations service's
`describe_sections` (the same rule tables that check a save), so a field,
its label, help, type and bounds are written down once.

`document(sections)` is a pure function of that description; the gateway
caches the result for a few minutes (`cached_document`).
"""
import threading
import time

from services.common import contracts as c

TITLE = "双创基地认定申报系统 API"
VERSION = "1.0.0"
CACHE_SECONDS = 300
# Declaration ids are UUIDs; anything else is answered 404 without a call.
ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SECTION_PATH = "/declarations/{{declaration_id}}/sections/{section}"
AMOUNT_PATTERN = "^-?[0-9]+\\.[0-9]{2}$"

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details (application/problem+json)",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "中文说明"},
        "instance": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_NULLABLE_STRING = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}

SUMMARY_FIELDS = {
    "id": {"type": "string"},
    "batch_id": {"type": "string"},
    "batch_name": _NULLABLE_STRING,
    "state": {"type": "string", "enum": list(c.STATE_LABELS)},
    "state_label": {"type": "string"},
    "editable": {"type": "boolean", "description": "可否修改（填报中，或已退回且未过补正截止时间）"},
    "region_code": _NULLABLE_STRING,
    "reference": {"type": ["string", "null"], "description": "申报编号（提交后）"},
    "version": {"type": "integer", "description": "已提交的次数"},
    "level": {"type": ["string", "null"], "description": "当前审核层级：county、city 或 province"},
    "created_at": _TIME,
    "updated_at": _TIME,
    "submitted_at": _TIME,
}

SECTION_STATE = {
    "type": "object",
    "properties": {"state": _NULLABLE_STRING, "label": _NULLABLE_STRING, "progress": _NULLABLE_STRING},
}

TRANSITION_FIELDS = {
    "from_state": {"type": ["string", "null"]},
    "to_state": {"type": "string"},
    "to_label": {"type": "string"},
    "at": {"type": "string", "format": "date-time"},
    "actor_kind": {"type": "string"},
    "level": {"type": ["string", "null"]},
    "reason": {"type": ["string", "null"]},
    "version": {"type": ["integer", "null"]},
}

ATTACHMENT_FIELDS = {
    "id": {"type": "string"},
    "category": {"type": "string"},
    "filename": {"type": "string"},
    "content_type": {"type": "string"},
    "size": {"type": "integer", "minimum": 0},
    "sha256": {"type": "string"},
    "uploaded_at": _TIME,
}


def field_schema(field):
    """JSON Schema of one field's saved value, from its description."""
    kind = field["type"]
    if kind in ("text", "textarea"):
        schema = {"type": "string", "maxLength": field["max_length"]}
    elif kind == "integer":
        schema = {"type": "integer"}
        if field.get("min") is not None:
            schema["minimum"] = field["min"]
        if field.get("max") is not None:
            schema["maximum"] = field["max"]
    elif kind == "amount":
        schema = {"type": "string", "pattern": AMOUNT_PATTERN}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "choice":
        schema = {"type": "string", "enum": list(field["options"])}
    elif kind == "multichoice":
        schema = {"type": "array", "items": {"type": "string", "enum": list(field["options"])}}
    elif kind == "checkbox":
        schema = {"type": "boolean"}
    elif kind == "region":
        schema = {"type": "string", "pattern": "^[0-9]{6}$"}
    else:  # mobile, phone, email, credit_code: strings checked by their validators
        schema = {"type": "string"}
    schema["title"] = field["label"]
    description = field.get("help") or ""
    if field.get("unit"):
        description = f"{description}（单位：{field['unit']}）" if description else f"单位：{field['unit']}"
    if description:
        schema["description"] = description
    if field.get("required"):
        schema["x-required-at-submit"] = True
    return schema


def values_schema(fields, row=False):
    properties = {f["key"]: field_schema(f) for f in fields}
    if row:
        properties = {"id": {"type": "string", "description": "行的编号"}, **properties}
    schema = {"type": "object", "properties": properties}
    if row:
        schema["required"] = ["id"]
    return schema


def _schema_name(key):
    return "Section" + "".join(part.capitalize() for part in key.split("_"))


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="成功"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description):
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


PROBLEMS = {
    "401": _problem("未登录，或 API 令牌无效、已撤销"),
    "403": _problem("不是企业账号"),
    "429": _problem("请求过于频繁（响应头 Retry-After 给出等待秒数）"),
    "503": _problem("系统繁忙，请稍后再试"),
}


def _operation(op_id, summary, response, path_id=False, secured=True, not_found=False):
    responses = {"200": response, "503": PROBLEMS["503"]}
    if secured:
        responses.update({k: PROBLEMS[k] for k in ("401", "403", "429")})
    if not_found:
        responses["404"] = _problem("没有这份申报，或不是本企业的申报")
    op = {"operationId": op_id, "summary": summary, "responses": responses}
    if path_id:
        op["parameters"] = [{
            "name": "declaration_id", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": ID_PATTERN}, "description": "申报的编号（UUID）",
        }]
    if not secured:
        op["security"] = []
    return {"get": op}


def document(sections):
    """The OpenAPI 3.1 document for the section description `sections`
    (the answer of declarations' describe_sections)."""
    schemas, paths = _fixed_schemas(), _fixed_paths()
    for section in sections:
        if section["key"] in readable_sections(sections):
            name = _schema_name(section["key"])
            schemas[name] = _section_schema(section)
            paths[SECTION_PATH.format(section=section["key"])] = _section_operation(section, name)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "本企业申报的只读接口。用浏览器登录后的会话，或在“用户中心 → API 令牌”创建的令牌"
                "（请求头 `Authorization: Bearer <令牌>`）访问；只能读取本企业自己的数据。"
                "错误以 RFC 9457 problem details（application/problem+json）返回，detail 为中文说明。"
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "用户中心创建的 API 令牌"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sme_session"},
            },
        },
    }


def _fixed_schemas():
    """The schemas that do not depend on the sections' rule tables."""
    return {
        "Problem": PROBLEM,
        "DeclarationSummary": {
            "type": "object", "required": ["id", "state", "state_label", "version"], "properties": SUMMARY_FIELDS,
        },
        "Declaration": {
            "type": "object",
            "required": ["id", "state", "state_label", "version", "section_states"],
            "properties": {
                **SUMMARY_FIELDS,
                "section_states": {"type": "object", "additionalProperties": SECTION_STATE,
                                   "description": "每一部分的填写状态"},
                "return_reason": {"type": ["string", "null"], "description": "退回原因"},
                "return_sections": {"type": "array", "items": {"type": "string"}},
                "returned_at": _TIME,
            },
        },
        "Transition": {"type": "object", "required": ["to_state", "at"], "properties": TRANSITION_FIELDS},
        "Attachment": {"type": "object", "required": ["id", "category", "filename"], "properties": ATTACHMENT_FIELDS},
        "SectionRules": {
            "type": "object",
            "required": ["key", "label", "list"],
            "properties": {
                "key": {"type": "string"}, "label": {"type": "string"}, "list": {"type": "boolean"},
                "fields": {"type": "array", "items": {"type": "object"}},
                "categories": {"type": "array", "items": {"type": "string"}},
            },
        },
        "State": {
            "type": "object", "required": ["code", "label"],
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
        },
    }


def _list_of(name, key="items"):
    return _json({"type": "object", "required": [key],
                  "properties": {key: {"type": "array", "items": _ref(name)}}})


def _fixed_paths():
    """The operations that do not depend on the sections' rule tables."""
    return {
        "/sections": _operation(
            "listSectionRules", "每一部分的填写规则（字段、说明、类型、范围）", _list_of("SectionRules", "sections"),
            secured=False,
        ),
        "/states": _operation("listStates", "申报状态及其名称", _list_of("State", "states"), secured=False),
        "/declarations": _operation("listDeclarations", "本企业的申报", _list_of("DeclarationSummary")),
        "/declarations/{declaration_id}": _operation(
            "getDeclaration", "一份申报：状态、每部分的填写状态、退回原因", _json(_ref("Declaration")),
            path_id=True, not_found=True,
        ),
        "/declarations/{declaration_id}/states": _operation(
            "listDeclarationStates", "一份申报的状态记录（时间、状态、原因）", _list_of("Transition"),
            path_id=True, not_found=True,
        ),
    }


def _section_schema(section):
    """The schema of a section's saved content: 附件 and list sections an
    array of rows, the others one object of values."""
    if section["key"] == "attachments":
        return {"type": "array", "items": _ref("Attachment")}
    if section["list"]:
        return {"type": "array", "items": values_schema(section["fields"], row=True)}
    return values_schema(section["fields"])


def _section_operation(section, name):
    key = section["key"]
    body_key = "items" if section["list"] or key == "attachments" else "data"
    return _operation(
        "getSection" + name[len("Section"):], f"{section['label']}：已保存的内容",
        _json({
            "type": "object", "required": ["section", "label", body_key],
            "properties": {"section": {"const": key}, "label": {"type": "string"}, body_key: _ref(name)},
        }),
        path_id=True, not_found=True,
    )


def readable_sections(sections):
    """Sections whose saved content the API returns: those with a rule table
    and 附件 (入驻企业 live in the tenants service)."""
    return [s["key"] for s in sections if s.get("fields") or s["key"] == "attachments"]


class DocumentCache:
    """The document, rebuilt from a fresh description every few minutes."""

    def __init__(self, seconds=CACHE_SECONDS):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value = None
        self._at = 0.0

    def get(self, describe):
        with self._lock:
            if self._value is not None and time.monotonic() - self._at < self.seconds:
                return self._value
        value = document(describe())
        with self._lock:
            self._value, self._at = value, time.monotonic()
        return value
