"""Moving a customer from host A to host B (issue 15 item 7), started by the reseller on the
customer page: the site, the mailbox with its mail and the database are there and served on B,
and gone from A only afterwards; a move whose target refuses the configuration midway leaves the
customer served from A with nothing lost, the partial copy on B removed, and the reason shown."""
from __future__ import annotations

import subprocess
import time

import psycopg
import pymysql
import pytest
from sqlalchemy import select

from tenants.models import Customer, Database, DnsRecord, ServerAssignment
from tenants.tenancy import Scope
from tests.fleet.conftest import update_config
from tests.fleet.test_two_hosts import add_database, drop_databases, fetch, serve
from tests.hosting.helpers import MARIADB, POSTGRES, no_day_one_records, run_jobs
from tests.hosting.test_provisioning import set_up_everything, states
from tests.support import scoped_session
from workers.jobs.hosting.provisioning import apply_service

MAIL = b"From: boss@example.org\r\nTo: info@shop.example.jp\r\nSubject: hello\r\n\r\nkept through the move\r\n"


def reload_nginx(cfg) -> list[str]:
    """The host's reload command: nginx (started by the test with this configuration) reloads."""
    return ["nginx", "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-s", "reload"]


def prepare(app, world, fleet, as_taro):
    """Both hosts serve with nginx; taro (demo) is on A with a site, a mailbox with mail, an A record
    naming A and a MariaDB database with rows; B is assigned to his reseller too."""
    for server, host in ((fleet.server_a, fleet.a), (fleet.server_b, fleet.b)):
        cfg = host.root / "cfg"
        update_config(app, server, http_listen=[f"{host.address}:8080"], nginx_user="root",
                      mail_root=str(host.root / "mail"), tools={"reload-web": reload_nginx(cfg)})
    with scoped_session(app, Scope.system()) as s:
        s.add(ServerAssignment(server_id=fleet.server_b, reseller_id=world.demo))
        s.commit()
    no_day_one_records(app, fleet.server_a)  # one A record, added below, which the move switches
    domain_id = set_up_everything(as_taro, "demo", "shop.example.jp", "taroweb")
    assert as_taro.post(f"/u/demo/domains/{domain_id}/dns", data={"type": "A", "name": "www",
                                                                  "value": fleet.a.address}).status_code == 302
    short, password = add_database(as_taro, "demo")
    apply_service(fleet.server_b, "web")  # B's nginx configuration exists before its nginx starts
    run_jobs(app)
    assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}
    home = fleet.a.root / "homes" / str(world.demo_customer)
    (home / "public_html" / "shop.example.jp" / "index.html").write_text("the shop\n")
    maildir = fleet.a.root / "mail" / "shop.example.jp" / "info"
    (maildir / "new").mkdir(parents=True, exist_ok=True)
    (maildir / "new" / "1733350000.M1P1.a").write_bytes(MAIL)
    with scoped_session(app, Scope.system()) as s:
        name = s.execute(select(Database.name).where(Database.customer_id == world.demo_customer)).scalar_one()
    conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=name, password=password, database=name,
                           autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE orders (id INT PRIMARY KEY)")
        cur.executemany("INSERT INTO orders VALUES (%s)", [(n,) for n in range(25)])
    conn.close()
    return home, maildir, name, password


def start_nginx(host, cfg):
    """nginx inside a host that serves no site yet (nothing answers until it has one): started when
    its pid file is written."""
    proc = subprocess.Popen(["ip", "netns", "exec", host.netns, "nginx", "-c", str(cfg / "nginx.conf"),
                             "-p", f"{cfg}/", "-g", "daemon off;"], stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (cfg / "run" / "nginx.pid").is_file():
        time.sleep(0.1)
    assert (cfg / "run" / "nginx.pid").is_file(), proc.stderr.read() if proc.poll() is not None else "no pid"
    return proc


def move_page(as_operator, customer_id: int) -> str:
    return as_operator.get(f"/panel/customers/{customer_id}").get_data(as_text=True)


def test_a_customer_moves_from_a_to_b_with_its_site_mail_and_database(app, world, fleet, as_taro,
                                                                      as_demo_operator):
    home, maildir, db_name, password = prepare(app, world, fleet, as_taro)
    as_demo_operator.get("/lang/en")
    nginx_a, nginx_b = serve(fleet.a, fleet.a.root / "cfg"), start_nginx(fleet.b, fleet.b.root / "cfg")
    try:
        assert fetch(fleet.a.address, 8080, "shop.example.jp", "/index.html") == (200, "the shop\n")
        r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move",
                                  data={"to_server_id": str(fleet.server_b)})
        assert r.status_code == 302
        page = move_page(as_demo_operator, world.demo_customer)
        assert "Move to " in page and "queued" in page
        # until the job runs, the customer is served from A
        assert (home / "public_html" / "shop.example.jp" / "index.html").is_file()
        run_jobs(app)
        b_home = fleet.b.root / "homes" / str(world.demo_customer)
        # everything is on B and served there
        assert fetch(fleet.b.address, 8080, "shop.example.jp", "/index.html") == (200, "the shop\n")
        assert (fleet.b.root / "mail" / "shop.example.jp" / "info" / "new" / "1733350000.M1P1.a").read_bytes() == MAIL
        assert (b_home / "public_html" / "shop.example.jp" / "index.html").read_text() == "the shop\n"
        cfg_b, cfg_a = fleet.b.root / "cfg", fleet.a.root / "cfg"
        assert (cfg_b / "sites" / "shop.example.jp.conf").is_file()
        assert "info@shop.example.jp" in (cfg_b / "postfix" / "virtual_mailboxes").read_text()
        zone = (cfg_b / "dns" / "shop.example.jp.zone").read_text()
        assert fleet.b.address in zone and fleet.a.address not in zone
        assert fleet.b.exec("named-checkzone", "shop.example.jp", str(cfg_b / "dns" / "shop.example.jp.zone")
                            ).returncode == 0
        conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=db_name, password=password,
                               database=db_name)
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            assert cur.fetchone() == (25,)
        conn.close()
        # and gone from A
        assert not home.exists() and not maildir.exists()
        assert not (cfg_a / "sites" / "shop.example.jp.conf").exists()
        assert "info@shop.example.jp" not in (cfg_a / "postfix" / "virtual_mailboxes").read_text()
        try:  # A serves no site any more: its nginx listens nowhere, or no longer for this one
            assert fetch(fleet.a.address, 8080, "shop.example.jp", "/index.html")[0] != 200
        except ConnectionRefusedError:
            pass
        with scoped_session(app, Scope.system()) as s:
            assert s.get(Customer, world.demo_customer).server_id == fleet.server_b
            record = s.execute(select(DnsRecord).where(DnsRecord.customer_id == world.demo_customer,
                                                       DnsRecord.type == "A")).scalar_one()
            assert record.value == fleet.b.address
        assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}
        page = move_page(as_demo_operator, world.demo_customer)
        assert 'data-state="done">Remove from the old server' in page and "badge done" in page
    finally:
        for proc in (nginx_a, nginx_b):
            proc.terminate()
            proc.wait(10)
        drop_databases(app, [world.demo_customer])


def test_a_move_refused_on_b_midway_leaves_the_customer_served_from_a_with_the_reason(app, world, fleet, as_taro,
                                                                                     as_demo_operator, as_provider):
    home, maildir, _db_name, _password = prepare(app, world, fleet, as_taro)
    as_demo_operator.get("/lang/en")
    before_home = sorted(p.relative_to(home) for p in home.rglob("*"))
    update_config(app, fleet.server_b, nginx_user="nosuchuser9")  # nginx -t refuses B's configuration
    nginx_a = serve(fleet.a, fleet.a.root / "cfg")
    try:
        r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move",
                                  data={"to_server_id": str(fleet.server_b)})
        assert r.status_code == 302
        run_jobs(app)
        # still on A, served there, nothing lost
        assert fetch(fleet.a.address, 8080, "shop.example.jp", "/index.html") == (200, "the shop\n")
        assert sorted(p.relative_to(home) for p in home.rglob("*")) == before_home
        assert (maildir / "new" / "1733350000.M1P1.a").read_bytes() == MAIL
        assert (fleet.a.root / "cfg" / "sites" / "shop.example.jp.conf").is_file()
        with scoped_session(app, Scope.system()) as s:
            assert s.get(Customer, world.demo_customer).server_id == fleet.server_a
            record = s.execute(select(DnsRecord).where(DnsRecord.customer_id == world.demo_customer,
                                                       DnsRecord.type == "A")).scalar_one()
            assert record.value == fleet.a.address
        # the partial copy on B is gone, and B serves nothing of the customer
        assert not (fleet.b.root / "homes" / str(world.demo_customer)).exists()
        assert not (fleet.b.root / "mail" / "shop.example.jp").exists()
        assert not (fleet.b.root / "cfg" / "sites" / "shop.example.jp.conf").exists()
        page = move_page(as_demo_operator, world.demo_customer)
        assert 'id="move-failure"' in page and "nosuchuser9" in page
        assert "still served from its old server" in page
        assert 'data-state="failed">Apply the configuration on the new server' in page
        as_provider.get("/lang/en")
        servers = as_provider.get("/admin/servers").get_data(as_text=True)  # the provider sees it too
        assert 'id="moves"' in servers and "nosuchuser9" in servers and "badge failed" in servers
    finally:
        nginx_a.terminate()
        nginx_a.wait(10)
        drop_databases(app, [world.demo_customer])


# --- host B with database servers of its own ------------------------------------------------------

def own_database_servers(app, fleet, private_mariadb, private_postgres=None) -> None:
    """B's MariaDB (and PostgreSQL) are separate servers reached through their own sockets."""
    admins = {"mariadb": private_mariadb.admin()}
    admins |= {"postgresql": private_postgres.admin()} if private_postgres else {"postgresql": {"user": "postgres"}}
    update_config(app, fleet.server_b, db_admin=admins)


def add_postgres_rows(app, world, as_taro) -> tuple[str, str, str]:
    _short, password = add_database(as_taro, "demo", "postgresql")
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        name = s.execute(select(Database.name).where(Database.customer_id == world.demo_customer,
                                                     Database.engine == "postgresql")).scalar_one()
        user = s.execute(select(Database.db_user).where(Database.name == name)).scalar_one()
    with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=user, password=password, dbname=name,
                         autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO invoices SELECT n, 'invoice ' || n FROM generate_series(1, 40) n")
    return name, user, password


def mariadb_names(socket: str) -> tuple[set, set]:
    conn = pymysql.connect(unix_socket=socket, user="root")
    with conn.cursor() as cur:
        cur.execute("SELECT schema_name FROM information_schema.schemata")
        schemas = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT User FROM mysql.user")
        users = {row[0] for row in cur.fetchall()}
    conn.close()
    return schemas, users


def test_databases_move_to_the_new_servers_own_database_servers_with_their_rows_and_password(
        app, world, fleet, as_taro, as_demo_operator, private_mariadb, private_postgres):
    home, _maildir, db_name, password = prepare(app, world, fleet, as_taro)
    pg_name, pg_user, pg_password = add_postgres_rows(app, world, as_taro)
    own_database_servers(app, fleet, private_mariadb, private_postgres)
    as_demo_operator.get("/lang/en")
    nginx_a, nginx_b = serve(fleet.a, fleet.a.root / "cfg"), start_nginx(fleet.b, fleet.b.root / "cfg")
    try:
        assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move",
                                     data={"to_server_id": str(fleet.server_b)}).status_code == 302
        run_jobs(app)
        page = move_page(as_demo_operator, world.demo_customer)
        assert 'data-state="done">Remove from the old server' in page, page
        with scoped_session(app, Scope.system()) as s:
            assert s.get(Customer, world.demo_customer).server_id == fleet.server_b
        # the MariaDB database is on B's own MariaDB with its 25 rows; the user logs in with its password
        conn = pymysql.connect(unix_socket=private_mariadb.socket, user=db_name, password=password, database=db_name)
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            assert cur.fetchone() == (25,)
            cur.execute("INSERT INTO orders VALUES (100)")  # and may write there
        conn.close()
        with pytest.raises(pymysql.err.OperationalError):
            pymysql.connect(unix_socket=private_mariadb.socket, user=db_name, password=password + "x", database=db_name)
        # the PostgreSQL database is on B's own PostgreSQL with its 40 rows, owned by its user
        with psycopg.connect(host=str(private_postgres.socket), user=pg_user, password=pg_password,
                             dbname=pg_name) as conn:
            assert conn.execute("SELECT COUNT(*), max(note) FROM invoices").fetchone() == (40, "invoice 9")
            conn.execute("INSERT INTO invoices VALUES (41, 'after the move')")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(host=str(private_postgres.socket), user=pg_user, password="wrong" + pg_password,
                            dbname=pg_name)
        # and gone from the machine's database servers A uses
        with pytest.raises(pymysql.err.OperationalError):
            pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=db_name, password=password)
        with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                             password=POSTGRES["password"] or None, dbname="postgres") as conn:
            assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (pg_name,)).fetchone() == (0,)
        assert not home.exists()
    finally:
        for proc in (nginx_a, nginx_b):
            proc.terminate()
            proc.wait(10)
        drop_databases(app, [world.demo_customer])


def test_a_failing_restore_leaves_the_customer_on_a_with_its_database_and_nothing_on_b(
        app, world, fleet, as_taro, as_demo_operator, private_mariadb):
    home, _maildir, db_name, password = prepare(app, world, fleet, as_taro)
    conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=db_name, password=password,
                           database=db_name, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE files (id INT PRIMARY KEY, body LONGBLOB)")
        cur.execute("INSERT INTO files VALUES (1, %s)", (b"x" * 3_000_000,))
    conn.close()
    own_database_servers(app, fleet, private_mariadb)
    root = pymysql.connect(unix_socket=private_mariadb.socket, user="root")
    with root.cursor() as cur:  # B's MariaDB takes no statement over 1 MiB: the 3 MB row is refused there
        cur.execute("SET GLOBAL max_allowed_packet = 1048576")
    root.close()
    before_schemas, before_users = mariadb_names(private_mariadb.socket)
    as_demo_operator.get("/lang/en")
    nginx_a = serve(fleet.a, fleet.a.root / "cfg")
    try:
        assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move",
                                     data={"to_server_id": str(fleet.server_b)}).status_code == 302
        run_jobs(app)
        page = move_page(as_demo_operator, world.demo_customer)
        assert 'id="move-failure"' in page and "still served from its old server" in page
        assert 'data-state="failed">Copy the databases' in page
        failure = page.split('id="move-failure">', 1)[1].split("</p>", 1)[0]
        assert f"restoring {db_name} on " in failure and "Server has gone away" in failure and len(failure) < 1000
        with scoped_session(app, Scope.system()) as s:
            assert s.get(Customer, world.demo_customer).server_id == fleet.server_a
        # on A: served, the database whole with its password
        assert fetch(fleet.a.address, 8080, "shop.example.jp", "/index.html") == (200, "the shop\n")
        conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=db_name, password=password,
                               database=db_name)
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            assert cur.fetchone() == (25,)
            cur.execute("SELECT LENGTH(body) FROM files")
            assert cur.fetchone() == (3_000_000,)
        conn.close()
        assert (home / "public_html" / "shop.example.jp" / "index.html").is_file()
        # on B: neither the database nor its user, nor the copied home
        assert mariadb_names(private_mariadb.socket) == (before_schemas, before_users)
        assert not (fleet.b.root / "homes" / str(world.demo_customer)).exists()
    finally:
        nginx_a.terminate()
        nginx_a.wait(10)
        drop_databases(app, [world.demo_customer])
