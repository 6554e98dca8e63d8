"""The restore drill, on the real RabbitMQ, PostgreSQL and the five services:
data made through the services (two enterprises registered with their
licences, a declaration submitted with attachments and tenant entries and
approved by the county, another one in progress), a backup, the database
and the blob store lost, the restore, and then every account, declaration,
version, attachment, tenant entry and review case is back and the journey
goes on (the city approves, the second base's tenant fills in and it submits)."""
import io
import json
import shutil
import sys
import time
import uuid

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from gateway.rpc import RpcClient
from services.accounts.service import AccountsService
from services.common import backup, blobs, migrations, queues
from services.common import contracts as c
from services.common.principal import Principal
from services.declarations import sections as s
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.review.service import ReviewService
from services.tenants.service import TenantsService
from tests.accounts.helpers import PASSWORD, create_staff, register_by_rpc
from tests.declarations.helpers import ADMIN, application, batch_form, ledger_row, partner, person
from tests.support import database
from tests.support.web import png_bytes
from tests.tenants.helpers import entry_data, new_device

SERVICE_CLASSES = (AccountsService, DeclarationsService, TenantsService, ReviewService, NotifyService)


@pytest.fixture
def drill(rabbit_config, tmp_path):
    """A database of its own (the drill loses it), blobs and backups in tmp."""
    url = database.create_database("sme_drill")
    conf = {
        **rabbit_config, "serializer": "json",
        c.ENV_DATABASE_URL: url,
        c.ENV_BLOB_DIR: str(tmp_path / "blobs"),
        c.ENV_BACKUP_DIR: str(tmp_path / "backups"),
        c.ENV_HOUSEKEEPING_INTERVAL: "0",
    }
    for service in c.SERVICES:
        migrations.upgrade(service, conf)
    with Connection(conf["AMQP_URI"]) as conn:
        queues.declare_all(conn)
    yield conf
    database.drop_database(url)


def until(check, timeout=30, what="the condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def lose_database(url):
    """What a lost PostgreSQL volume leaves: an empty database of the same name."""
    database.drop_database(url)
    name = url.rsplit("/", 1)[1]
    admin = create_engine(database.ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


class Actors:
    def __init__(self, conf):
        self.rpc = RpcClient(conf)
        self.conf = conf

    def login(self, username, portal=c.ENTERPRISE, password=PASSWORD):
        token = self.rpc.call(c.ACCOUNTS, "login", username, password, portal, "127.0.0.1")["token"]
        return Principal(**self.rpc.call(c.ACCOUNTS, "resolve_session", token)["principal"])

    def call(self, principal, service, method, *args, **kwargs):
        return self.rpc.call(service, method, *args, principal=principal, **kwargs)

    def attach(self, owner, did, category, data, filename):
        key = blobs.temp_key(owner)
        blobs.blob_store(self.conf).put(key, data)
        return self.call(owner, c.DECLARATIONS, "add_attachment", did, category, key, filename)

    def intake(self, token, name):
        device = new_device()
        data = entry_data(size="小型", employees=30, name=name)
        for step in ("base", "basic", "operations"):
            self.rpc.call(c.TENANTS, "save_intake_step", token, step, data[step], device)
        return self.rpc.call(c.TENANTS, "submit_intake", token, device)


def pdf(label):
    return b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def everything(actors, store, owners, declarations, county):
    """What the drill checks is back: as each owner and reviewer sees it."""
    seen = {}
    for owner, did in zip(owners, declarations):
        view = actors.call(owner, c.DECLARATIONS, "get", did)
        view.pop("time_left")  # what remains until the deadline: the clock moves between backup and restore
        seen[did] = {
            "enterprise": actors.call(owner, c.ACCOUNTS, "enterprise_summary", owner.id),
            "licence": store.get(actors.call(owner, c.ACCOUNTS, "enterprise_licence", owner.id)["key"]),
            "declaration": view,
            "versions": [
                actors.call(owner, c.DECLARATIONS, "version", did, v["version"])
                for v in actors.call(owner, c.DECLARATIONS, "versions", did)
            ],
            "attachments": {
                a["id"]: store.get(actors.call(owner, c.DECLARATIONS, "attachment", a["id"])["blob_key"])
                for a in view["attachments"]
            },
            "tenants": actors.call(owner, c.TENANTS, "list_entries", did, True),
            "link": actors.call(owner, c.TENANTS, "link_status", did),
        }
    seen["cases"] = actors.call(county, c.REVIEW, "list_cases", {"tab": "all"})["items"]
    return json.loads(json.dumps(seen, default=repr, sort_keys=True))


def test_backup_lose_everything_restore_and_go_on(drill, runner_factory, tmp_path):
    conf = drill
    store = blobs.blob_store(conf)
    runner = runner_factory(conf, *SERVICE_CLASSES)
    runner.start()
    actors = Actors(conf)
    try:
        create_staff(conf, "drill_county", kind=c.REVIEWER, level=c.COUNTY, region="320102")
        create_staff(conf, "drill_city", kind=c.REVIEWER, level=c.CITY, region="320100")
        batch = actors.call(ADMIN, c.DECLARATIONS, "save_batch", batch_form(required_attachments=["申请报告"]))

        owners, declarations, links = [], [], []
        for name in ("玄武创业园", "钟山创客空间"):
            _, data = register_by_rpc(actors.rpc, conf)
            owner = actors.login(data["username"])
            did = actors.call(owner, c.DECLARATIONS, "start", batch["id"], accepted=True,
                              profile={"enterprise_name": data["name"]})["id"]
            actors.call(owner, c.DECLARATIONS, "save_section", did, s.APPLICATION, application(
                base_name=name, credit_code=data["credit_code"], operator_name=data["name"]))
            for row in (person(), person(name="钱七", category="创业辅导师")):
                actors.call(owner, c.DECLARATIONS, "save_row", did, s.PERSONNEL, row)
            actors.call(owner, c.DECLARATIONS, "save_row", did, s.PARTNERS, partner())
            actors.call(owner, c.DECLARATIONS, "save_row", did, s.LEDGER, ledger_row())
            actors.attach(owner, did, "申请报告", pdf(name), "申请报告.pdf")
            actors.attach(owner, did, "营业执照或法人证书", png_bytes(), "执照.png")
            link = actors.call(owner, c.TENANTS, "open_link", did, name)
            actors.intake(link["token"], f"{name}入驻企业甲")
            owners.append(owner)
            declarations.append(did)
            links.append(link["token"])

        # The first base completes its tenants and submits; the county approves.
        first, second = declarations
        actors.intake(links[0], "玄武创业园入驻企业乙")
        submitted = actors.call(owners[0], c.DECLARATIONS, "submit", first)
        assert submitted["submitted"] is True, submitted["problems"]
        county = actors.login("drill_county", portal="staff")
        case = until(lambda: next(iter(actors.call(county, c.REVIEW, "list_cases", {"tab": "todo"})["items"]), None),
                     what="the county's case")
        actors.call(county, c.REVIEW, "approve", first, case["revision"])
        until(lambda: actors.call(owners[0], c.DECLARATIONS, "get", first)["state"] == c.PENDING_CITY,
              what="the declaration to reach the city")

        before = everything(actors, store, owners, declarations, county)
        assert len(before[first]["versions"]) == 1 and len(before[first]["tenants"]) == 2
        assert len(before[second]["attachments"]) == 2 and len(before[second]["tenants"]) == 1

        made = backup.create(conf)
        assert backup.verify(made) == []
        manifest = json.loads((made / backup.MANIFEST).read_text(encoding="utf-8"))
        assert sorted(d["service"] for d in manifest["databases"]) == sorted(c.SERVICES)
        keys = {o["key"] for o in manifest["blobs"]["objects"]}
        assert len(keys) == 6 and not any(k.startswith("tmp/") for k in keys)  # 2 licences, 4 attachments
    finally:
        runner.stop()
        actors.rpc.close()

    # The disaster: the database and every blob are gone.
    lose_database(conf[c.ENV_DATABASE_URL])
    shutil.rmtree(conf[c.ENV_BLOB_DIR])
    assert store.keys() == []

    done = backup.restore(backup.resolve("latest", conf), conf)
    assert done["databases"] == len(c.SERVICES) and done["blobs"] == 6
    for service in c.SERVICES:  # the setup step after a restore: nothing left to apply
        migrations.upgrade(service, conf)

    runner = runner_factory(conf, *SERVICE_CLASSES)
    runner.start()
    actors = Actors(conf)
    try:
        county = actors.login("drill_county", portal="staff")
        owners = [actors.login(summary["enterprise"]["username"]) for summary in
                  (before[did] for did in declarations)]
        after = everything(actors, store, owners, declarations, county)
        assert after == before

        # ...and the journey goes on: the city approves the first base,
        city = actors.login("drill_city", portal="staff")
        [case] = actors.call(city, c.REVIEW, "list_cases", {"tab": "todo"})["items"]
        actors.call(city, c.REVIEW, "approve", first, case["revision"])
        until(lambda: actors.call(owners[0], c.DECLARATIONS, "get", first)["state"] == c.PENDING_PROVINCE,
              what="the declaration to reach the province")
        # the second base's QR link still works for its next tenant, and it submits.
        actors.intake(links[1], "钟山创客空间入驻企业乙")
        assert actors.call(owners[1], c.DECLARATIONS, "submit", second)["submitted"] is True
        until(lambda: len(actors.call(county, c.REVIEW, "list_cases", {"tab": "todo"})["items"]) == 1,
              what="the second base's case at the county")
    finally:
        runner.stop()
        actors.rpc.close()


def test_a_damaged_backup_is_refused_before_anything_is_touched(drill, tmp_path):
    store = blobs.blob_store(drill)
    store.put("declarations/x/one", b"one")
    made = backup.create(drill)
    (made / "blobs" / "declarations" / "x" / "one").write_bytes(b"two")
    store.put("declarations/x/one", b"live")
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.restore(made, drill)
    assert store.get("declarations/x/one") == b"live"
    assert backup.main(["verify", str(made)], config=drill) == 1


def test_only_complete_backups_are_kept_and_restored(drill, monkeypatch):
    conf = {**drill, c.ENV_BACKUP_KEEP: "2"}
    made = [backup.create(conf) for _ in range(3)]
    assert backup.complete_backups(backup.backup_dir(conf)) == made[1:]
    unfinished = backup.backup_dir(conf) / "99990101T000000000000Z"
    unfinished.mkdir()  # a backup that died before its manifest
    assert backup.resolve("latest", conf) == made[-1]
    with pytest.raises(backup.BackupError):
        backup.resolve(str(unfinished), conf)
    # Restoring asks for confirmation; without a terminal it needs --yes.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit):
        backup.main(["restore", "latest"], config=conf)


from tests.deploy.conftest import s3_server  # noqa: E402,F401 - the real S3 server fixture


def test_a_database_of_its_own_and_an_s3_bucket_as_compose_lays_them_out(rabbit_config, tmp_path, s3_server):  # noqa: F811
    """Compose gives each service a database of its own and keeps blobs in
    MinIO: the same backup and restore, whole databases and a bucket."""
    url = database.create_database("sme_drill_own")
    conf = {
        c.service_database_env(c.ACCOUNTS): url,
        c.ENV_BLOB_BACKEND: "s3", c.ENV_S3_ENDPOINT_URL: s3_server,
        c.ENV_S3_BUCKET: f"drill-{uuid.uuid4().hex[:10]}",
        c.ENV_S3_ACCESS_KEY: "drill", c.ENV_S3_SECRET_KEY: "drill",
        c.ENV_BACKUP_DIR: str(tmp_path / "backups"),
    }
    try:
        migrations.upgrade(c.ACCOUNTS, conf)
        create_staff(conf, "own_db_admin")
        store = blobs.blob_store(conf)
        store.ensure()
        store.put("licences/a/licence", png_bytes(), "image/png")
        store.put("tmp/in-flight", b"an upload not yet checked")
        made = backup.create(conf, services=(c.ACCOUNTS,))
        manifest = json.loads((made / backup.MANIFEST).read_text(encoding="utf-8"))
        assert manifest["databases"][0]["schema"] is None
        assert [o["key"] for o in manifest["blobs"]["objects"]] == ["licences/a/licence"]

        lose_database(url)
        for key in store.keys():
            store.delete(key)
        backup.restore(made, conf)
        assert store.get("licences/a/licence") == png_bytes()
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                names = conn.execute(text("SELECT username FROM accounts")).scalars().all()
        finally:
            engine.dispose()
        assert names == ["own_db_admin"]
        # A second restore over live data replaces it (pg_restore --clean).
        backup.restore(made, conf)
    finally:
        database.drop_database(url)


def test_the_embedded_sqlite_files_of_make_run_are_backed_up_and_restored(tmp_path):
    """Without DATABASE_URL (`make run`'s default) each service keeps an SQLite file."""
    conf = {c.ENV_VAR_DIR: str(tmp_path / "var")}
    migrations.upgrade(c.ACCOUNTS, conf)
    create_staff(conf, "sqlite_admin")
    blobs.blob_store(conf).put("licences/x/licence", png_bytes())
    made = backup.create(conf, services=(c.ACCOUNTS,))
    assert json.loads((made / backup.MANIFEST).read_text(encoding="utf-8"))["databases"][0]["engine"] == "sqlite"
    (tmp_path / "var" / "accounts.sqlite3").unlink()
    shutil.rmtree(tmp_path / "var" / "blobs")
    backup.restore(made, conf)
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'accounts.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM accounts")).scalars().all() == ["sqlite_admin"]
    finally:
        engine.dispose()
    assert blobs.blob_store(conf).get("licences/x/licence") == png_bytes()
