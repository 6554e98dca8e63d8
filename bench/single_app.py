"""The yardstick of `make bench-http`: one Flask + SQLAlchemy + pg8000
process (run under the gateway's gunicorn settings, gthread 1x8) doing the
work of one 申请表 save the way a single application would, in one process
and one database transaction:

1. the session: the cookie's token hashed (SHA-256) and looked up, the account
   read, `last_seen_at` touched at most once a minute (as the accounts
   service does);
2. CSRF: the form's token compared with the HMAC of the session token (as
   the gateway does);
3. ownership: the declaration read, its enterprise compared with the account;
4. the field rules: the project's own `validate` of the 申请表 (the same
   function the declarations service runs);
5. a revision-checked write of the section (UPDATE ... WHERE revision = n);
6. an outbox row (the event a save records);
7. commit, and a redirect to the declaration.

pg8000 is used as installed. With `BENCH_SINGLE_DRIVER=project` the app
takes the project's own changes to it (services/common/sql_params.py and
pg_round_trips.py, which every service's engine has): the same save on the
same driver, so that the difference left is the split itself.

`GET /d/<id>/application` shows the form with its CSRF token. The tables
live in a database of their own (`BENCH_SINGLE_DATABASE_URL`); `create` and
`seed` make them and the accounts, sessions and declarations of a run.
"""
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import uuid

from flask import Flask, abort, redirect, request
from sqlalchemy import create_engine, text

from services.common.db import normalise_url

SECRET = os.environ.get("BENCH_SINGLE_SECRET", "bench-single-app")
STOCK, PROJECT = "stock", "project"  # BENCH_SINGLE_DRIVER: pg8000 as installed, or with the project's changes
TOUCH_EVERY = dt.timedelta(seconds=60)

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (id varchar(36) PRIMARY KEY, kind varchar(20) NOT NULL,
    display_name varchar(100) NOT NULL, region_code varchar(6), disabled boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS sessions (token_hash varchar(64) PRIMARY KEY,
    account_id varchar(36) NOT NULL REFERENCES accounts(id), created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL, ended_at timestamptz);
CREATE TABLE IF NOT EXISTS declarations (id varchar(36) PRIMARY KEY, enterprise_id varchar(36) NOT NULL,
    state varchar(20) NOT NULL, revision integer NOT NULL, sections jsonb NOT NULL,
    updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS outbox_events (id varchar(36) PRIMARY KEY, event_type varchar(60) NOT NULL,
    payload jsonb NOT NULL, created_at timestamptz NOT NULL, published_at timestamptz);
"""


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token):
    return hmac.new(SECRET.encode(), f"s:{session_token}".encode(), hashlib.sha256).hexdigest()


def now():
    return dt.datetime.now(dt.timezone.utc)


def create(database_url):
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as conn:
        for statement in filter(str.strip, SCHEMA.split(";")):
            conn.execute(text(statement))
    engine.dispose()


def seed(database_url, count):
    """`count` enterprises, each with a session and a draft declaration:
    [(session token, declaration id)]."""
    engine = create_engine(normalise_url(database_url))
    made = []
    with engine.begin() as conn:
        for n in range(count):
            account, token, declaration = str(uuid.uuid4()), secrets.token_urlsafe(32), str(uuid.uuid4())
            conn.execute(text("INSERT INTO accounts (id, kind, display_name, region_code) "
                              "VALUES (:id, 'enterprise', :name, '320102')"),
                         {"id": account, "name": f"压测运营主体{n}"})
            conn.execute(text("INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at) "
                              "VALUES (:h, :a, now(), now())"), {"h": token_hash(token), "a": account})
            conn.execute(text("INSERT INTO declarations (id, enterprise_id, state, revision, sections, updated_at) "
                              "VALUES (:id, :e, 'draft', 1, '{}', now())"), {"id": declaration, "e": account})
            made.append((token, declaration))
    engine.dispose()
    return made


def use_driver(driver):
    if driver == PROJECT:
        from services.common import pg_round_trips, sql_params

        sql_params.install()
        pg_round_trips.install()
    elif driver != STOCK:
        raise ValueError(f"BENCH_SINGLE_DRIVER: {STOCK} or {PROJECT}, not {driver!r}")


def create_app(database_url=None, driver=None):
    use_driver(driver or os.environ.get("BENCH_SINGLE_DRIVER", STOCK))
    from services.declarations import sections

    app = Flask(__name__)
    engine = create_engine(normalise_url(database_url or os.environ["BENCH_SINGLE_DATABASE_URL"]),
                           pool_size=8, max_overflow=2)

    def account_of(conn, token):
        if not token:
            return None
        row = conn.execute(text("SELECT s.account_id, s.last_seen_at, a.disabled FROM sessions s "
                                "JOIN accounts a ON a.id = s.account_id "
                                "WHERE s.token_hash = :h AND s.ended_at IS NULL"), {"h": token_hash(token)}).first()
        if row is None or row.disabled:
            return None
        if now() - row.last_seen_at > TOUCH_EVERY:
            conn.execute(text("UPDATE sessions SET last_seen_at = now() WHERE token_hash = :h"),
                         {"h": token_hash(token)})
        return row.account_id

    @app.get("/d/<declaration_id>/application")
    def form(declaration_id):
        token = request.cookies.get("sme_session")
        with engine.begin() as conn:
            if account_of(conn, token) is None:
                abort(403)
        return f'<form method="post"><input name="csrf_token" value="{csrf_token(token)}"></form>'

    @app.post("/d/<declaration_id>/application")
    def save(declaration_id):
        token = request.cookies.get("sme_session")
        with engine.begin() as conn:
            account = account_of(conn, token)
            if account is None:
                abort(403)
            if not hmac.compare_digest(request.form.get("csrf_token", ""), csrf_token(token)):
                abort(400)
            row = conn.execute(text("SELECT enterprise_id, state, revision, sections FROM declarations "
                                    "WHERE id = :id"), {"id": declaration_id}).first()
            if row is None or row.enterprise_id != account or row.state != "draft":
                abort(404)
            clean, errors = sections.validate(sections.APPLICATION, request.form.to_dict())
            if errors:
                return json.dumps(errors, ensure_ascii=False), 422
            stored = dict(row.sections, application=clean)
            done = conn.execute(text("UPDATE declarations SET sections = :s, revision = revision + 1, "
                                     "updated_at = now() WHERE id = :id AND revision = :r"),
                                {"s": json.dumps(stored, ensure_ascii=False, default=str), "id": declaration_id,
                                 "r": row.revision})
            if done.rowcount != 1:
                abort(409)
            conn.execute(text("INSERT INTO outbox_events (id, event_type, payload, created_at) "
                              "VALUES (:id, 'section_saved', :p, now())"),
                         {"id": str(uuid.uuid4()), "p": json.dumps({"declaration_id": declaration_id,
                                                                     "section": "application",
                                                                     "revision": row.revision + 1})})
        return redirect(f"/d/{declaration_id}")

    return app


def app_from_environment():
    return create_app()
