"""Accounts administration from the command line.

    python -m services.accounts.manage create-staff --username admin \
        --name 管理员 --kind admin
    python -m services.accounts.manage create-staff --username nj_gl \
        --name 张三 --kind reviewer --level county --region 320102

The password is asked for (or read from standard input with
--password-stdin), never given as an argument.
"""
import argparse
import getpass
import sys

from sqlalchemy.orm import Session

from services.accounts import staff
from services.common import contracts
from services.common.db import make_engine
from services.common.errors import Conflict, ValidationFailed


def create_staff(args, config=None, password=None):
    engine = make_engine(contracts.ACCOUNTS, config)
    try:
        with Session(engine) as session:
            person = staff.create(
                session, args.username, password, args.name, args.kind, args.level, args.region
            )
            session.commit()
            return person
    finally:
        engine.dispose()


def read_password(args):
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再次输入密码："):
        raise SystemExit("两次输入的密码不一致")
    return first


def main(argv=None, config=None):
    parser = argparse.ArgumentParser(prog="python -m services.accounts.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-staff", help="create a reviewer or an admin")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--kind", required=True, choices=staff.STAFF_KINDS)
    create.add_argument("--level", choices=contracts.LEVELS)
    create.add_argument("--region", help="six-digit region code (reviewers)")
    create.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "create-staff":
        password = read_password(args)
        try:
            person = create_staff(args, config, password)
        except ValidationFailed as exc:
            details = "；".join(exc.errors.values()) or exc.message
            print(f"未创建：{details}", file=sys.stderr)
            return 2
        except Conflict as exc:
            print(f"未创建：{exc.message}", file=sys.stderr)
            return 2
        print(f"已创建 {person['kind_label']} {person['username']}（{person['id']}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
