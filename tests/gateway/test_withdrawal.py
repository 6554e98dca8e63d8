"""撤回 and the deadlines through the portal, against the real declarations,
tenants and review services on RabbitMQ and PostgreSQL: the 撤回 button only
when review's can_withdraw says so, its confirmation, the message when a
reviewer moved first; the data page's 截止时间 and 剩余时间, and read-only
section pages once the batch has closed."""
import datetime as dt
import re

import pytest

from services.common import contracts as c
from services.common.clock import beijing_today
from services.declarations.service import DeclarationsService
from services.review.service import ReviewService
from services.tenants.service import TenantsService
from tests.declarations.helpers import ADMIN, batch_form, reviewer
from tests.declarations.fixtures import proxy
from tests.declarations.submitting import submitted_declaration, wait_for_state
from tests.gateway.declaring import (  # noqa: F401  (fixtures)
    OWNER, StandInAccounts, client_of, post, services_config, start, text,
)

COUNTY, CITY, PROVINCE = reviewer(c.COUNTY, "320102"), reviewer(c.CITY, "320100"), reviewer(c.PROVINCE, "320000")


@pytest.fixture
def system(runner_factory, services_config):
    runner = runner_factory(services_config, DeclarationsService, TenantsService, ReviewService, StandInAccounts)
    runner.start()
    return runner


@pytest.fixture
def batch(system, services_config):
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        return admin.save_batch(batch_form())


def revision_when_known(config, did):
    import eventlet

    with proxy(c.REVIEW, config, OWNER) as review:
        for _ in range(300):
            try:
                return review.can_withdraw(did)["revision"]
            except Exception:  # noqa: BLE001  (until review has the case)
                eventlet.sleep(0.05)
    raise AssertionError("review never opened the case")


def approve(config, principal, did, state_after):
    with proxy(c.REVIEW, config, principal) as review:
        review.approve(did, revision_when_known(config, did), "同意")
    wait_for_state(config, OWNER, did, lambda v: v["state"] == state_after)


def test_withdraw_with_confirmation_then_edit_again(system, app, batch, services_config):
    did = submitted_declaration(services_config, batch, OWNER)
    revision_when_known(services_config, did)
    client = client_of(app, "token-1")
    confirm = f"/center/declarations/{did}/withdraw"
    listing = text(client.get("/center/declarations"))
    assert 'class="withdraw-link"' in listing and confirm in listing
    view = text(client.get(f"/center/declarations/{did}/view"))
    assert 'class="button secondary withdraw-button"' in view and confirm in view

    page = text(client.get(confirm))
    assert "确定要撤回这份申报吗？" in page and "确认撤回" in page and "取消" in page
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    done = post(client, confirm, {"revision": revision}, follow_redirects=True)
    html = text(done)
    assert "申报已撤回，您可以修改后再次提交。" in html
    assert re.search(r'状态：<strong class="state">已撤回</strong>', html)
    assert "继续填报" in html and "withdraw-button" not in html
    main = text(client.get(f"/center/declarations/{did}"))
    assert "申报已撤回，请修改后保存，再点击“提交”" in main and "补正截止：" in main and "剩余时间：" in main
    # the same confirmation again: review refuses, the page says why
    again = post(client, confirm, {"revision": revision}, follow_redirects=True)
    assert "未能撤回：该申报当前为“已撤回”，不能撤回" in text(again)


def test_a_reviewer_who_moved_first_wins_and_the_button_goes_once_one_acted(system, app, batch, services_config):
    did = submitted_declaration(services_config, batch, OWNER)
    revision_when_known(services_config, did)
    client = client_of(app, "token-1")
    confirm = f"/center/declarations/{did}/withdraw"
    page = text(client.get(confirm))
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    approve(services_config, COUNTY, did, c.PENDING_CITY)  # while the enterprise reads the confirmation
    raced = text(post(client, confirm, {"revision": revision}, follow_redirects=True))
    assert "未能撤回：申报的审核状态已更新，请刷新页面后查看" in raced
    assert re.search(r'状态：<strong class="state">待设区市审核</strong>', raced)
    assert "withdraw-button" in raced  # nobody at the city has acted yet

    approve(services_config, CITY, did, c.PENDING_PROVINCE)
    with proxy(c.REVIEW, services_config, PROVINCE) as review:
        review.add_note(did, "formal", beijing_today().isoformat(), "材料齐全")
    view = text(client.get(f"/center/declarations/{did}/view"))
    assert "withdraw-button" not in view and "审核人员已开始审核该申报，不能撤回" in view
    assert "withdraw-link" not in text(client.get("/center/declarations"))
    refused = client.get(confirm, follow_redirects=True)
    assert "不能撤回：审核人员已开始审核该申报，不能撤回" in text(refused)


def test_a_draft_shows_its_deadline_and_is_read_only_after_the_close(system, app, batch, services_config):
    client = client_of(app, "token-1")
    did = start(client, batch)
    main = text(client.get(f"/center/declarations/{did}"))
    closes = f"{batch['closes_on']} 23:59"
    assert f'截止时间：<strong class="deadline-time">{closes}</strong>' in main and "剩余时间：" in main
    base = f"/center/declarations/{did}/sections"
    assert 'type="submit">保存</button>' in text(client.get(base + "/application"))

    yesterday = (beijing_today() - dt.timedelta(days=1)).isoformat()
    with proxy(c.DECLARATIONS, services_config, ADMIN) as admin:
        admin.save_batch(batch_form(opens_on=(beijing_today() - dt.timedelta(days=9)).isoformat(),
                                    closes_on=yesterday, resubmit_until=batch["resubmit_until_day"]), batch["id"])
    notice = f"本批次已截止，不能再修改或提交（截止时间：{yesterday} 23:59）"
    main = text(client.get(f"/center/declarations/{did}"))
    assert "已截止，只能查看" in main and notice in main and "data-submit href" not in main
    application = text(client.get(base + "/application"))
    assert notice in application and "<form method=\"post\" data-keep" not in application and ">保存</button>" not in application
    ledger = text(client.get(base + "/ledger"))
    assert notice in ledger and ">添加</a>" not in ledger and "从Excel导入" not in ledger
    attachments = text(client.get(base + "/attachments"))
    assert notice in attachments and "上传</button>" not in attachments
    # the service refuses a save whatever the page showed
    refused = post(client, base + "/application", {"base_name": "截止后"})
    assert refused.status_code == 302 and refused.location.endswith(f"/center/declarations/{did}/view")
    assert notice in text(client.get(refused.location))  # 查看 says why nothing was saved
    listing = text(client.get("/center/declarations"))
    assert "继续填报" not in listing and "已截止" in listing
