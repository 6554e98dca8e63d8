"""Rate limits of the anonymous intake RPCs on the real PostgreSQL: per
device, per client address, the window, pruning; then through the service on
RabbitMQ and through the gateway's intake pages."""
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import create_app
from services.common import contracts as c
from services.common.errors import RateLimited
from services.common import clock
from services.tenants import limits
from services.tenants.models import IntakeRateCounter
from services.tenants.service import TenantsService
from tests.tenants.helpers import BASE_NAME, OWNER, entry_data, new_device, proxy, started

T0 = dt.datetime(2026, 11, 28, 2, 0, 10, tzinfo=dt.timezone.utc)  # 50 s before the next window
SMALL = limits.Limits(per_ip=5, per_device=2)
DECL = "decl-rate-1"
CLOSES = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def session(db_engine):
    with Session(db_engine(c.TENANTS)) as s:
        yield s


def write(session, device, ip="10.0.0.1", now=T0):
    limits.check(session, limits.WRITE, device, ip, SMALL, now=now)


def test_a_device_is_limited_at_its_cap_and_others_are_not(session):
    mine, other = new_device(), new_device()
    write(session, mine)
    write(session, mine)
    with pytest.raises(RateLimited) as refused:
        write(session, mine)
    assert refused.value.retry_after == 50 and refused.value.message == "操作过于频繁，请50秒后再试"
    write(session, other)  # another phone behind the same address still may


def test_an_address_is_limited_across_devices_and_other_addresses_are_not(session):
    for _ in range(5):
        write(session, new_device())
    with pytest.raises(RateLimited):
        write(session, new_device())
    write(session, new_device(), ip="10.0.0.2")


def test_the_limit_ends_with_the_window(session):
    device = new_device()
    for _ in range(2):
        write(session, device)
    with pytest.raises(RateLimited):
        write(session, device)
    write(session, device, now=T0 + dt.timedelta(seconds=50))


def test_views_get_twice_the_caps_and_are_counted_apart(session):
    device = new_device()
    for _ in range(2):
        write(session, device)
    for _ in range(4):
        limits.check(session, limits.VIEW, device, "10.0.0.1", SMALL, now=T0)
    with pytest.raises(RateLimited):
        limits.check(session, limits.VIEW, device, "10.0.0.1", SMALL, now=T0)


def test_refused_requests_count_and_zero_turns_a_cap_off(session):
    device = new_device()
    off = limits.Limits(per_ip=0, per_device=0)
    for _ in range(20):
        limits.check(session, limits.WRITE, device, "10.0.0.1", off, now=T0)
    assert session.scalar(select(func.count()).select_from(IntakeRateCounter)) == 0


def test_old_windows_are_pruned(session):
    write(session, new_device())
    write(session, new_device(), now=T0 + dt.timedelta(minutes=1))
    assert session.scalar(select(func.count()).select_from(IntakeRateCounter)) == 4
    write(session, new_device(), now=T0 + dt.timedelta(minutes=5))
    starts = session.scalars(select(IntakeRateCounter.window_start).distinct()).all()
    assert [s.astimezone(dt.timezone.utc) for s in starts] == [T0.replace(second=0) + dt.timedelta(minutes=5)]


def test_the_settings_come_from_the_configuration():
    assert limits.settings({}) == limits.Limits(per_ip=3000, per_device=60)
    small = {c.ENV_INTAKE_PER_IP_PER_MINUTE: "7", c.ENV_INTAKE_PER_DEVICE_PER_MINUTE: "3"}
    assert limits.settings(small) == limits.Limits(per_ip=7, per_device=3)


# --- through the service and the gateway --------------------------------------------


@pytest.fixture
def frozen(monkeypatch):
    """One instant for the whole test: no window ends in the middle of it."""
    moment = dt.datetime.now(dt.timezone.utc).replace(second=1)
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    return moment


@pytest.fixture
def small_config(config):
    config[c.ENV_INTAKE_PER_DEVICE_PER_MINUTE] = "3"
    config[c.ENV_INTAKE_PER_IP_PER_MINUTE] = "5"
    return config


@pytest.fixture
def token(container_factory, small_config, frozen):
    container_factory(TenantsService, small_config).start()
    started(small_config, DECL)
    with proxy(small_config, OWNER) as owner:
        return owner.open_link(DECL, BASE_NAME, CLOSES)["token"]


def test_the_service_refuses_saves_and_submits_over_the_caps(small_config, token):
    data = entry_data()
    device = new_device()
    with proxy(small_config) as tenant:
        for key in ("base", "basic", "operations"):
            tenant.save_intake_step(token, key, data[key], device, "10.1.1.1")
        with pytest.raises(RateLimited) as refused:
            tenant.submit_intake(token, device, "10.1.1.1")
        assert "秒后再试" in refused.value.message and int(refused.value.retry_after) == 59  # args cross as text
        # Another phone behind the same address: two more writes, then the address is full.
        other = new_device()
        tenant.save_intake_step(token, "base", data["base"], other, "10.1.1.1")
        with pytest.raises(RateLimited):
            tenant.save_intake_step(token, "basic", data["basic"], other, "10.1.1.1")
        # Elsewhere nothing is limited; the first phone's draft is whole.
        tenant.save_intake_step(token, "basic", data["basic"], other, "10.2.2.2")
        assert tenant.intake_context(token, device, "10.3.3.3")["completed_steps"] == ["base", "basic", "operations"]


def test_the_intake_page_says_plainly_to_wait(small_config, token):
    app = create_app(small_config)
    try:
        client = app.test_client()
        statuses = [client.get(f"/intake/{token}", environ_base={"REMOTE_ADDR": "10.4.4.4"}).status_code
                    for _ in range(7)]
        assert statuses == [200] * 6 + [429]  # a page view costs half a save
        refused = client.get(f"/intake/{token}", environ_base={"REMOTE_ADDR": "10.4.4.4"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "59"
        assert "操作过于频繁，请59秒后再试" in html and "暂不能填报" in html
    finally:
        app.extensions["rpc"].close()
