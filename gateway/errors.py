"""Remote errors to HTTP: one status and one Chinese message per error type,
for pages (an error page) and for the JSON API alike; /api/v1 answers them as
RFC 9457 problem details (application/problem+json)."""
from http import HTTPStatus

from flask import jsonify, render_template, request

from gateway.rpc import ServiceUnavailable
from services.common import errors as e

# error type -> (HTTP status, default message)
STATUS = {
    ServiceUnavailable: (503, "系统繁忙，请稍后再试"),
    e.Unauthenticated: (401, "请先登录"),
    e.Forbidden: (403, "无权访问"),
    e.NotFound: (404, "未找到相关内容"),
    e.Conflict: (409, "数据已被修改，请刷新后重试"),
    e.BadState: (409, "当前状态不允许此操作"),
    e.RateLimited: (429, "操作过于频繁，请稍后再试"),
    e.ValidationFailed: (422, "填写内容有误，请按提示修改"),
}


def describe(exc):
    """(status, message) for an exception of a known type."""
    for kind, (status, default) in STATUS.items():
        if isinstance(exc, kind):
            message = getattr(exc, "message", "") if kind is not ServiceUnavailable else ""
            return status, message or default
    return 500, "系统错误，请稍后再试"


def wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


PROBLEM_API = "/api/v1/"
PROBLEM_TYPE = "application/problem+json"


def problem(status, message, errors=None):
    """An RFC 9457 problem: the HTTP status's phrase as title, the Chinese
    message as detail, the field messages of a validation failure."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": message, "instance": request.path}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response, status


def render_error(status, message):
    if request.path.startswith(PROBLEM_API):
        return problem(status, message)
    if wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message), status


def register(app):
    def handle(exc):
        status, message = describe(exc)
        response = render_error(status, message)
        if isinstance(exc, e.RateLimited) and exc.retry_after:
            response[0].headers["Retry-After"] = str(int(exc.retry_after))
        return response

    for kind in STATUS:
        app.register_error_handler(kind, handle)

    @app.errorhandler(404)
    def not_found(_exc):
        return render_error(404, "页面不存在")

    @app.errorhandler(405)
    def not_allowed(_exc):
        return render_error(405, "不支持此操作")

    @app.errorhandler(500)
    def server_error(_exc):
        return render_error(500, "系统错误，请稍后再试")
