"""Every form of the portal, the tenant intake and the console, fed arbitrary
text, lengths and encodings in every field (hypothesis), through the gateway
against the five real services on RabbitMQ and PostgreSQL: each answer is a
page (or JSON) with a clear Chinese message, never a 5xx.

The system starts once per test function; hypothesis draws a form and a
value for each of its fields per example."""
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import create_app
from services.accounts import forms as account_forms
from services.accounts.service import AccountsService
from services.common import contracts as c
from services.declarations import batches
from services.declarations import sections as s
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.review.service import ReviewService
from services.tenants import steps
from services.tenants.service import TenantsService
from tests.accounts.helpers import create_staff, csrf_token, login_staff, register_and_login
from tests.declarations.helpers import batch_form
from tests.gateway.intake_walk import WECHAT_UA
from tests.gateway.intake_links import PUBLIC, intake_path
from tests.support.web import hidden_fields

CHINESE = re.compile(r"[\u4e00-\u9fff]")
EXAMPLES = 10  # per form family and test; each example is one real request through the whole system

# Values: arbitrary text (every plane but surrogates, controls and NUL
# included), very long repetitions (the lengths that froze workers), and the
# shapes that backtracking patterns and int() choke on.
HUGE = st.builds(lambda unit, times: unit * times, st.sampled_from(["9", "a.", "很", "a@", "\x00", " ", "&#"]),
                 st.sampled_from([300, 5_000, 120_000]))
SHAPES = st.sampled_from([
    "", " ", "0", "-1", "9" * 4301, "1e309", "NaN", "2026-02-30", "9999-99-99", "13800138000",
    "a@" + "a." * 20_000 + "@", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "{code}", "%s%n",
    "\u202e\u200b\ufeff", "𠀀𠀁🙂", "'; DROP TABLE accounts; --", "../../etc/passwd",
])
VALUE = st.one_of(st.text(max_size=40), HUGE, SHAPES)
RAW = st.binary(max_size=40)  # bytes that need not be UTF-8 at all


def keys(schema):
    return [f.key for f in schema]


def encode(fields):
    """An urlencoded body; a value of type bytes goes as it is (any encoding)."""
    parts = []
    for name, value in fields.items():
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
        parts.append(urllib.parse.quote(name) + "=" + urllib.parse.quote_from_bytes(raw))
    return "&".join(parts).encode("ascii")


def check(response):
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {body[:800]}"
    if response.status_code >= 400:
        assert CHINESE.search(body), f"{response.status_code} without a message: {body[:300]}"


def submit(client, path, names, data, extra=None, headers=None, page=None):
    """POST the form at `path` with a drawn value for every field in `names`
    (plus its hidden inputs from `page`, GET first)."""
    html = client.get(page or path, headers=headers or {}).get_data(as_text=True)
    hidden = hidden_fields(html)
    hidden.setdefault("csrf_token", csrf_token(client))
    fields = {**hidden, **(extra or {})}
    for name in names:
        fields[name] = data.draw(st.one_of(VALUE, RAW), label=name)
    response = client.post(path, data=encode(fields), headers=headers or {},
                           content_type="application/x-www-form-urlencoded")
    check(response)
    return response


HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.data_too_large])


@pytest.fixture
def system(runner_factory, config, tmp_path):
    conf = {**config, c.ENV_BLOB_DIR: str(tmp_path / "blobs")}
    runner = runner_factory(conf, AccountsService, DeclarationsService, TenantsService, ReviewService, NotifyService)
    runner.start()
    return conf


@pytest.fixture
def app(system):
    app = create_app({**system, c.ENV_PUBLIC_BASE_URL: PUBLIC})
    yield app
    app.extensions["rpc"].close()


@pytest.fixture
def admin(app, system):
    create_staff(system, "fuzzadmin")
    client = app.test_client()
    login_staff(client, "fuzzadmin")
    return client


@pytest.fixture
def declaration(app, system, admin):
    """A logged-in enterprise client and its declaration (a batch opened by the admin)."""
    response = submit_valid(admin, "/console/batches/new", batch_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    client = app.test_client()
    register_and_login(client, system)
    listing = client.get("/center/declarations").get_data(as_text=True)
    batch_id = re.search(r"/center/declarations/start/([0-9a-f-]{36})", listing).group(1)
    started = client.post(f"/center/declarations/start/{batch_id}",
                          data={"accept": "1", **hidden_fields(client.get(f"/center/declarations/start/{batch_id}").get_data(as_text=True))})
    assert started.status_code == 302, started.get_data(as_text=True)
    did = started.headers["Location"].rsplit("/", 1)[-1]
    saved = submit_valid(client, f"/center/declarations/{did}/sections/application", {"base_name": "玄武创业园"})
    assert saved.status_code == 302, saved.get_data(as_text=True)  # the QR link needs the 基地名称
    return client, did, batch_id


def submit_valid(client, path, data):
    html = client.get(path).get_data(as_text=True)
    fields = {**hidden_fields(html), **data}
    fields.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=fields)


PUBLIC_FORMS = [
    ("/login", ["username", "password"], {}),
    ("/register", keys(account_forms.REGISTRATION), {"action": "register"}),
    ("/register", ["contact_phone"], {"action": "send_code"}),
    ("/forgot-username", keys(account_forms.FORGOT_USERNAME), {}),
    ("/forgot-password", keys(account_forms.FORGOT_PASSWORD_RESET), {"action": "reset"}),
    ("/forgot-password", ["username", "contact_phone"], {"action": "send_code"}),
    ("/appeal", keys(account_forms.APPEAL), {"action": "appeal"}),
    ("/console/login", ["username", "password"], {}),
]


@HYPOTHESIS
@given(data=st.data())
def test_the_public_forms_answer_every_input_with_a_message(app, data):
    client = app.test_client()
    path, names, extra = data.draw(st.sampled_from(PUBLIC_FORMS), label="form")
    submit(client, path, names, data, extra)
    body = {name: data.draw(VALUE, label=name) for name in ("purpose", "contact_phone", "new_phone", "username")}
    response = client.post("/sms-code", json=body, headers={"X-CSRF-Token": csrf_token(client)})
    check(response)


def enterprise_forms(did, batch_id):
    base = f"/center/declarations/{did}/sections"
    return [
        (f"{base}/application", keys(s.APPLICATION_SCHEMA), {}),
        (f"{base}/personnel/new", keys(s.PERSONNEL_SCHEMA), {}),
        (f"{base}/partners/new", keys(s.PARTNERS_SCHEMA), {}),
        (f"{base}/ledger/new", keys(s.LEDGER_SCHEMA), {}),
        ("/center/password", keys(account_forms.CHANGE_PASSWORD), {}),
        ("/center/contact", keys(account_forms.CHANGE_CONTACT), {"action": "change"}),
        (f"/center/declarations/start/{batch_id}", ["accept"], {}),
    ]


@HYPOTHESIS
@given(data=st.data())
def test_the_enterprise_forms_answer_every_input_with_a_message(declaration, data):
    client, did, batch_id = declaration
    path, names, extra = data.draw(st.sampled_from(enterprise_forms(did, batch_id)), label="form")
    submit(client, path, names, data, extra)


# The values that froze or broke a service, each put in every field of every
# form at once (the property tests above draw them only now and then).
KILLERS = ["9" * 5000, "a@" + "a." * 30_000 + "@", "1\x002", "很" * 6_000, b"\xff\xfe\xc0\xaf"]


class Everywhere:
    """A stand-in for hypothesis' data: the same value for every field."""

    def __init__(self, value):
        self.value = value

    def draw(self, _strategy, label=None):
        return self.value


def test_the_known_killers_in_every_field_of_every_form(app, declaration, admin):
    client, did, batch_id = declaration
    token = intake_path(app, client.get(f"/center/declarations/{did}/tenants").get_data(as_text=True)).rsplit("/", 1)[1]
    tenant = app.test_client()
    tenant.get(f"/intake/{token}", headers={"User-Agent": WECHAT_UA})
    for value in KILLERS:
        data = Everywhere(value)
        for path, names, extra in PUBLIC_FORMS:
            submit(app.test_client(), path, names, data, extra)
        for path, names, extra in enterprise_forms(did, batch_id):
            submit(client, path, names, data, extra)
        for step in steps.STEP_KEYS:
            submit(tenant, f"/intake/{token}/step/{step}", keys(steps.step(step).schema), data,
                   headers={"User-Agent": WECHAT_UA})
        for path, names, extra in CONSOLE_FORMS:
            submit(admin, path, names, data, extra)
        for page, names in CONSOLE_SEARCHES:
            check(admin.get(page + "?" + encode({name: value for name in names}).decode()))


@HYPOTHESIS
@given(data=st.data())
def test_the_intake_steps_answer_every_input_with_a_message(app, declaration, data):
    owner, did, _batch = declaration
    token = intake_path(app, owner.get(f"/center/declarations/{did}/tenants").get_data(as_text=True)).rsplit("/", 1)[1]
    tenant = app.test_client()
    tenant.get(f"/intake/{token}", headers={"User-Agent": WECHAT_UA})
    step = data.draw(st.sampled_from(steps.STEP_KEYS), label="step")
    names = keys(steps.step(step).schema)
    submit(tenant, f"/intake/{token}/step/{step}", names, data, headers={"User-Agent": WECHAT_UA})


CONSOLE_FORMS = [
    ("/console/staff/new", ["username", "name", "kind", "level", "region_code", "password"], {}),
    ("/console/batches/new", keys(batches.BATCH_SCHEMA), {}),
]
CONSOLE_SEARCHES = [
    ("/console/cases", ["q", "state", "tab", "region_code", "batch_id", "credit_code"]),
    ("/console/sms", ["phone", "date_from", "date_to", "state", "template", "source"]),
]


@HYPOTHESIS
@given(data=st.data())
def test_the_console_forms_answer_every_input_with_a_message(admin, data):
    path, names, extra = data.draw(st.sampled_from(CONSOLE_FORMS), label="form")
    submit(admin, path, names, data, extra)
    for page, names in CONSOLE_SEARCHES:
        query = {name: data.draw(VALUE, label=name) for name in names}
        check(admin.get(page + "?" + encode(query).decode()))
