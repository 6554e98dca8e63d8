"""The API's docs page (/api/v1/docs): Swagger UI reading openapi.json, its
files served by the gateway itself from the pinned flask-swagger-ui package
(no CDN), started by a static script (no inline script)."""
import os

import flask_swagger_ui
from flask import abort, render_template, send_from_directory

from gateway.api.v1 import bp

ASSETS = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
SERVED = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png",
          "favicon-16x16.png"}


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")


@bp.get("/docs/assets/<name>")
def docs_asset(name):
    if name not in SERVED:
        abort(404)
    return send_from_directory(ASSETS, name, max_age=86400)
