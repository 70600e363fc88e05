"""End-to-end tests of stack.clickhouse_http driven through the official clickhouse-connect client."""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import clickhouse_connect
import lz4.frame
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError
from clickhouse_connect.driver.external import ExternalData

from stack.clickhouse_http import parse_statement

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """The server in a child process, restartable on the same data directory."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = _free_port()
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stack.clickhouse_http",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                pytest.fail(f"server exited early:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=1) as resp:
                    if resp.read() == b"Ok.\n":
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"server did not answer /ping in {START_TIMEOUT_S}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5)
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, **kwargs: Any) -> Client:
        return clickhouse_connect.get_client(
            host="127.0.0.1", port=self.port, username="default", password="", **kwargs
        )

    def http(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("clickhouse_http")
    proc = ServerProcess(base / "data", base / "server.log")
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture()
def database(server: ServerProcess) -> str:
    name = f"db_{uuid.uuid4().hex[:10]}"
    server.client().command(f"CREATE DATABASE {name}")
    return name


ROWS_COLUMNS = ["id", "name", "delta", "ts", "note", "kind", "uid"]


def _typed_rows() -> list[list[Any]]:
    return [
        [1, "plain", -5, dt.datetime(2024, 1, 2, 3, 4, 5, 123456), None, "a", uuid.UUID(int=1)],
        [2, "tab\there 'quoted' ü", 2**62, dt.datetime(1999, 12, 31, 23, 59, 59, 999999), "x", "b", uuid.UUID(int=2)],
        [2**64 - 1, "", -(2**63), dt.datetime(2038, 1, 19, 3, 14, 8, 1), "", "a", uuid.UUID(int=2**128 - 1)],
    ]


def _create_typed_table(client: Client, table: str) -> None:
    client.command(
        f"CREATE TABLE {table} (id UInt64, name String, delta Int64, ts DateTime64(6, 'UTC'), "
        "note Nullable(String), kind LowCardinality(String), uid UUID) ENGINE = MergeTree ORDER BY id"
    )


# --------------------------------------------------------------------------- raw HTTP


def test_ping_root_and_unknown_path(server: ServerProcess) -> None:
    resp, body = server.http("GET", "/ping")
    assert (resp.status, body) == (200, b"Ok.\n")
    resp, body = server.http("GET", "/")
    assert (resp.status, body) == (200, b"Ok.\n")
    resp, _ = server.http("GET", "/nope")
    assert resp.status == 404


def test_get_query_headers_and_keep_alive(server: ServerProcess) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/?query=SELECT%20number%20FROM%20numbers(3)&query_id=qid-1")
    resp = conn.getresponse()
    assert resp.read() == b"0\n1\n2\n"
    assert resp.status == 200
    assert resp.getheader("X-ClickHouse-Query-Id") == "qid-1"
    assert resp.getheader("X-ClickHouse-Format") == "TabSeparated"
    assert resp.getheader("X-ClickHouse-Timezone") == "UTC"
    assert resp.getheader("X-ClickHouse-Server-Display-Name")
    assert resp.getheader("Content-Type", "").startswith("text/tab-separated-values")
    summary = json.loads(resp.getheader("X-ClickHouse-Summary") or "")
    assert summary["result_rows"] == "3"
    sock_before = conn.sock
    # Second request on the same socket: query param and body concatenated, default_format honoured.
    conn.request("POST", "/?default_format=JSONEachRow&query=SELECT%201%20AS%20a,", body=b"'x' AS b")
    resp = conn.getresponse()
    assert resp.read() == b'{"a":1,"b":"x"}\n'
    assert resp.getheader("X-ClickHouse-Format") == "JSONEachRow"
    assert conn.sock is sock_before
    conn.close()


def test_response_compression_when_enabled(server: ServerProcess) -> None:
    path = "/?enable_http_compression=1&query=SELECT%20number%20FROM%20numbers(4)"
    resp, body = server.http("GET", path, headers={"Accept-Encoding": "lz4"})
    assert resp.getheader("Content-Encoding") == "lz4"
    assert lz4.frame.decompress(body) == b"0\n1\n2\n3\n"
    resp, body = server.http("GET", path, headers={"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == b"0\n1\n2\n3\n"
    # Without enable_http_compression the body stays plain, as on a real server.
    resp, body = server.http("GET", path.replace("enable_http_compression=1&", ""), headers={"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") is None
    assert body == b"0\n1\n2\n3\n"


def test_raw_http_error_format(server: ServerProcess) -> None:
    resp, body = server.http("POST", "/", body=b"SELEC 1")
    assert resp.status == 400
    assert resp.getheader("X-ClickHouse-Exception-Code") == "62"
    assert body.startswith(b"Code: 62. DB::Exception: Syntax error")
    assert b"(SYNTAX_ERROR)" in body


def test_gzip_compressed_request_body(server: ServerProcess, database: str) -> None:
    server.client().command(f"CREATE TABLE {database}.g (a UInt8, b String) ENGINE = MergeTree ORDER BY a")
    body = gzip.compress(b'{"a": 7, "b": "gz"}\n')
    query = f"INSERT%20INTO%20{database}.g%20FORMAT%20JSONEachRow"
    resp, _ = server.http("POST", f"/?query={query}", body=body, headers={"Content-Encoding": "gzip"})
    assert resp.status == 200
    assert json.loads(resp.getheader("X-ClickHouse-Summary") or "")["written_rows"] == "1"
    assert server.client().query(f"SELECT a, b FROM {database}.g").result_rows == [(7, "gz")]


# --------------------------------------------------------------------------- clickhouse-connect


def test_connect_reports_version_and_utc(server: ServerProcess) -> None:
    client = server.client()
    assert client.server_version == client.command("SELECT version()")
    assert client.command("SELECT timezone()") == "UTC"
    assert client.server_tz == dt.UTC


@pytest.mark.parametrize("compress", [True, "lz4", False])
def test_insert_and_read_back_all_types(server: ServerProcess, database: str, compress: bool | str) -> None:
    client = server.client(compress=compress)
    # Proves which wire path the insert takes: an lz4-framed body, or a plain one.
    assert client.write_compression == (None if compress is False else "lz4")
    table = f"{database}.typed"
    _create_typed_table(client, table)
    rows = _typed_rows()
    summary = client.insert(table, rows, column_names=ROWS_COLUMNS)
    assert summary.written_rows == len(rows)
    result = client.query(f"SELECT {', '.join(ROWS_COLUMNS)} FROM {table} ORDER BY id")
    assert result.column_names == tuple(ROWS_COLUMNS)
    assert [list(row) for row in result.result_rows] == rows
    types = [col.name for col in result.column_types]
    assert types[3] == "DateTime64(6, 'UTC')" and types[4] == "Nullable(String)" and types[6] == "UUID"
    # Large insert spanning several compressed blocks.
    many = [[i, f"n{i}", -i, dt.datetime(2024, 1, 1), None, "k", uuid.UUID(int=i)] for i in range(10, 60_010)]
    assert client.insert(table, many, column_names=ROWS_COLUMNS).written_rows == len(many)
    assert client.query(f"SELECT count(), sum(id) FROM {table} WHERE id >= 10 AND id < 100000").result_rows == [
        (60_000, sum(range(10, 60_010)))
    ]


def test_replacing_merge_tree(server: ServerProcess, database: str) -> None:
    client = server.client()
    table = f"{database}.latest"
    client.command(
        f"CREATE TABLE {table} (key String, version UInt64, value String) "
        "ENGINE = ReplacingMergeTree(version) ORDER BY key"
    )
    client.insert(table, [["a", 1, "old"], ["b", 1, "b1"]], column_names=["key", "version", "value"])
    client.insert(table, [["a", 2, "new"]], column_names=["key", "version", "value"])
    assert client.query(f"SELECT key, value FROM {table} FINAL ORDER BY key").result_rows == [("a", "new"), ("b", "b1")]
    client.command(f"OPTIMIZE TABLE {table} FINAL")
    assert client.command(f"SELECT count() FROM {table}") == 2


def test_command_results(server: ServerProcess, database: str) -> None:
    client = server.client()
    assert client.command("SELECT 40 + 2") == 42
    assert client.command("SELECT 'a', 'b'") == ["a", "b"]
    assert client.command("SELECT 1 WHERE 0") == ""
    ddl = client.command(f"CREATE TABLE {database}.t (a UInt32) ENGINE = MergeTree ORDER BY a")
    assert not isinstance(ddl, (str, int, list))  # DDL returns a QuerySummary, not a result
    client.command(f"INSERT INTO {database}.t VALUES (1), (2), (3)")
    client.command(f"ALTER TABLE {database}.t DELETE WHERE a = 2 SETTINGS mutations_sync = 2")
    assert client.command(f"SELECT groupArray(a) FROM (SELECT a FROM {database}.t ORDER BY a)") == "[1,3]"
    client.command(f"TRUNCATE TABLE {database}.t")
    assert client.command(f"SELECT count() FROM {database}.t") == 0
    assert client.command(f"EXISTS TABLE {database}.t") == 1
    client.command(f"DROP TABLE {database}.t")
    assert client.command(f"EXISTS TABLE {database}.t") == 0


def test_server_side_parameters(server: ServerProcess) -> None:
    client = server.client()
    assert client.query("SELECT {x:UInt32}", parameters={"x": 5}).result_rows == [(5,)]
    tricky = "it's a\ttab \\ and ü"
    assert client.query("SELECT {s:String}, {n:Int64}", parameters={"s": tricky, "n": -7}).result_rows == [(tricky, -7)]
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    result = client.query("SELECT {t:DateTime64(6, 'UTC')}", parameters={"t": when})
    assert result.result_rows == [(when,)]
    # Form-encoded transport (multipart body instead of URL parameters).
    form_client = server.client(form_encode_query_params=True)
    assert form_client.query("SELECT {a:String}", parameters={"a": "x y"}).result_rows == [("x y",)]


def test_error_carries_code_and_message(server: ServerProcess, database: str) -> None:
    client = server.client()
    with pytest.raises(DatabaseError) as err:
        client.query(f"SELECT * FROM {database}.does_not_exist")
    assert err.value.code == 60
    assert "Code: 60" in str(err.value)
    assert "UNKNOWN_TABLE" in str(err.value)
    assert "does_not_exist" in str(err.value)
    with pytest.raises(DatabaseError) as err:
        client.command("SELECT throwIf(1, 'boom from test')")
    assert "Code: 395" in str(err.value) and "boom from test" in str(err.value)
    # The connection/session keeps working after errors.
    assert client.command("SELECT 1") == 1


def test_database_setting_is_honoured(server: ServerProcess, database: str) -> None:
    client = server.client(database=database)
    assert client.command("SELECT currentDatabase()") == database
    client.command("CREATE TABLE local (a UInt8) ENGINE = MergeTree ORDER BY a")
    client.insert("local", [[9]], column_names=["a"])
    assert client.query("SELECT a FROM local").result_rows == [(9,)]
    assert server.client().command(f"SELECT count() FROM {database}.local") == 1
    with pytest.raises(DatabaseError) as err:
        server.client(database=f"{database}_missing")
    assert err.value.code == 81


def test_session_state_and_query_scoped_settings(server: ServerProcess, database: str) -> None:
    client = server.client()
    client.command(f"USE {database}")
    assert client.command("SELECT currentDatabase()") == database
    client.command("SET max_threads = 1")
    max_threads = "SELECT value FROM system.settings WHERE name = 'max_threads'"
    assert client.command(max_threads) == 1
    # URL settings apply to one query only and do not clobber the session's SET.
    assert client.command(max_threads, settings={"max_threads": 3}) == 3
    assert client.command(max_threads) == 1
    # Another session is unaffected.
    assert server.client().command("SELECT currentDatabase()") == "default"


def test_raw_insert_text_formats_and_external_data(server: ServerProcess, database: str) -> None:
    client = server.client()
    table = f"{database}.txt"
    client.command(f"CREATE TABLE {table} (a UInt32, b String) ENGINE = MergeTree ORDER BY a")
    client.raw_insert(table, ["a", "b"], '{"a": 1, "b": "json"}\n', fmt="JSONEachRow")
    client.raw_insert(table, ["a", "b"], b"2\ttsv\n", fmt="TabSeparated")
    client.raw_insert(table, ["a", "b"], gzip.compress(b"3,csv\n"), fmt="CSV", compression="gzip")
    rows = client.query(f"SELECT a, b FROM {table} ORDER BY a").result_rows
    assert rows == [(1, "json"), (2, "tsv"), (3, "csv")]
    ext = ExternalData(file_name="ids.csv", data=b"1\n3\n", structure="id UInt32", fmt="CSV")
    result = client.query(f"SELECT b FROM {table} WHERE a IN (SELECT id FROM ids) ORDER BY a", external_data=ext)
    assert result.result_rows == [("json",), ("csv",)]


def test_concurrent_clients(server: ServerProcess, database: str) -> None:
    setup = server.client()
    setup.command(f"CREATE TABLE {database}.c (w UInt8, i UInt32) ENGINE = MergeTree ORDER BY (w, i)")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            client = server.client(database=database)
            for i in range(15):
                client.insert("c", [[worker, i]], column_names=["w", "i"])
                assert client.query("SELECT {i:UInt32}", parameters={"i": i}).result_rows == [(i,)]
        except BaseException as ex:
            errors.append(ex)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert setup.command(f"SELECT count() FROM {database}.c") == 60


def test_data_persists_across_restart(server: ServerProcess, database: str) -> None:
    client = server.client(compress=False)
    table = f"{database}.durable"
    _create_typed_table(client, table)
    rows = _typed_rows()
    client.insert(table, rows, column_names=ROWS_COLUMNS)
    server.restart()
    fresh = server.client()
    result = fresh.query(f"SELECT {', '.join(ROWS_COLUMNS)} FROM {table} ORDER BY id")
    assert [list(row) for row in result.result_rows] == rows


# --------------------------------------------------------------------------- SQL splitting


@pytest.mark.parametrize(
    ("sql", "keyword", "fmt", "data"),
    [
        (b"SELECT 'FORMAT x' FORMAT JSON", "SELECT", "JSON", None),
        (b"SELECT 1 AS format FORMAT CSV SETTINGS max_threads = 1", "SELECT", "CSV", None),
        (b"INSERT INTO t (a, `format`) FORMAT Native\n\t\x00\xff", "INSERT", "Native", b"\t\x00\xff"),
        (b"insert into db.format values (1),(2)", "INSERT", "Values", b" (1),(2)"),
        (b"INSERT INTO t SELECT 1", "INSERT", None, None),
        (b"-- c\nINSERT INTO t SETTINGS x = 1 FORMAT JSONEachRow {}", "INSERT", "JSONEachRow", b"{}"),
    ],
)
def test_parse_statement(sql: bytes, keyword: str, fmt: str | None, data: bytes | None) -> None:
    statement = parse_statement(sql)
    assert (statement.keyword, statement.fmt, statement.data) == (keyword, fmt, data)
