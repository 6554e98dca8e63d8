"""Tenant intake pages (mobile, opened from a QR code in WeChat)."""
from flask import Blueprint

bp = Blueprint("intake", __name__)
