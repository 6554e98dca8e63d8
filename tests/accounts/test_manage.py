"""`python -m services.accounts.manage create-staff` on the real PostgreSQL
schema: the password from standard input, clear refusals."""
import io
import sys

import pytest
from sqlalchemy import text

from services.accounts import manage
from services.common import contracts as c


def run(config, monkeypatch, capsys, *argv, password="Passw0rd!x"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    code = manage.main(["create-staff", *argv, "--password-stdin"], config=config)
    return code, capsys.readouterr()


def test_creates_a_reviewer_with_a_hashed_password(db_url, db_engine, monkeypatch, capsys):
    config = {c.ENV_DATABASE_URL: db_url}
    code, out = run(config, monkeypatch, capsys, "--username", "Xuanwu", "--name", "玄武区审核员",
                    "--kind", c.REVIEWER, "--level", c.COUNTY, "--region", "320102")
    assert code == 0 and "已创建 审核人员 xuanwu" in out.out
    with db_engine(c.ACCOUNTS).connect() as conn:
        row = conn.execute(text("SELECT kind, level, region_code, password_hash FROM accounts")).one()
    assert row[:3] == (c.REVIEWER, c.COUNTY, "320102")
    assert row[3].startswith("$argon2id$")


@pytest.mark.parametrize("argv, message", [
    (["--username", "rev", "--name", "x", "--kind", c.REVIEWER, "--level", c.CITY, "--region", "320102"], "用户名为4至20位"),
    (["--username", "rev1", "--name", "x", "--kind", c.REVIEWER, "--level", c.CITY, "--region", "320102"], "设区市级审核人员请选择设区市"),
    (["--username", "rev1", "--name", "x", "--kind", c.REVIEWER], "请选择审核级别"),
])
def test_refuses_bad_input_with_the_reason(db_url, monkeypatch, capsys, argv, message):
    code, out = run({c.ENV_DATABASE_URL: db_url}, monkeypatch, capsys, *argv)
    assert code == 2 and message in out.err


def test_refuses_a_weak_password_and_a_taken_username(db_url, monkeypatch, capsys):
    config = {c.ENV_DATABASE_URL: db_url}
    code, out = run(config, monkeypatch, capsys, "--username", "admin", "--name", "x", "--kind", c.ADMIN, password="weak")
    assert code == 2 and "密码长度8至32位" in out.err
    assert run(config, monkeypatch, capsys, "--username", "admin", "--name", "x", "--kind", c.ADMIN)[0] == 0
    code, out = run(config, monkeypatch, capsys, "--username", "ADMIN", "--name", "y", "--kind", c.ADMIN)
    assert code == 2 and "用户名已存在" in out.err
