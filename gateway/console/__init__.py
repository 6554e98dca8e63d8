"""The reviewer and admin console."""
from flask import Blueprint, render_template

bp = Blueprint("console", __name__)


@bp.get("/")
def home():
    return render_template("console/home.html")
