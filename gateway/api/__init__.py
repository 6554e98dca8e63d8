"""JSON API."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from gateway.api import declarations  # noqa: E402,F401  (GET /api/sections, the caller's declarations)
