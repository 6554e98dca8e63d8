"""The console's staff on the real accounts, declarations and review
services: a reviewer of each level (two counties) and an admin created, and a
client logged in as one of them."""
import pytest

from services.accounts.service import AccountsService
from services.common import contracts as c
from services.declarations.service import DeclarationsService
from services.review.service import ReviewService
from tests.accounts.helpers import create_staff, login_staff


STAFF = {
    "xuanwu": dict(kind=c.REVIEWER, level=c.COUNTY, region="320102", name="周玄武"),
    "qinhuai": dict(kind=c.REVIEWER, level=c.COUNTY, region="320104", name="秦淮审核员"),
    "nanjing": dict(kind=c.REVIEWER, level=c.CITY, region="320100", name="吴南京"),
    "jiangsu": dict(kind=c.REVIEWER, level=c.PROVINCE, region="320000", name="郑江苏"),
    "admin": dict(kind=c.ADMIN, name="王管理"),
}


@pytest.fixture
def system(runner_factory, config):
    runner = runner_factory(config, AccountsService, DeclarationsService, ReviewService)
    runner.start()
    for username, spec in STAFF.items():
        create_staff(config, username, **spec)
    return runner


def client_of(app, username):
    client = app.test_client()
    login_staff(client, username)
    return client
