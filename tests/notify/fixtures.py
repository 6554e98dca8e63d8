"""The notify service's sending parts on the real database with a stand-in
SMS gateway: a provider, accepted messages and a sweep of due ones."""
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import contracts as c
from services.notify import accepting, providers, sending
from services.notify.models import Message
from tests.support.identifiers import phone_number
from tests.support.sms_gateway import SmsGateway


# Retries due at once, so that a test drives them sweep by sweep.
SETTINGS = sending.Settings(retry_delay=0, retry_max_delay=0, max_attempts=4, timeout=0.3)


@pytest.fixture
def engine(db_engine):
    return db_engine(c.NOTIFY)


@pytest.fixture
def gateway():
    with SmsGateway(hang_seconds=1.0) as gw:
        yield gw


@pytest.fixture
def provider(gateway):
    p = providers.HttpProvider(gateway.url, gateway.app_key, gateway.app_secret, timeout=SETTINGS.timeout)
    yield p
    p.close()


def request(phone=None, template=c.SMS_VERIFICATION_CODE, params=None, dedupe_key=None):
    return {
        "phone": phone or phone_number(),
        "template": template,
        "params": params or {"code": "123456", "minutes": 10},
        "dedupe_key": dedupe_key or f"test:{uuid.uuid4()}",
    }


def accept(engine, data, settings=SETTINGS, source=c.ACCOUNTS, event_id=None, at=None):
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return accepting.accept(session, source, event_id or str(uuid.uuid4()), data, settings, at=at)


def messages(engine):
    with Session(engine) as session:
        return {m.dedupe_key: m for m in session.scalars(select(Message))}


def sweep(engine, provider, settings=SETTINGS):
    return sending.send_due(engine, provider, settings)
