"""Loopback HTTP server serving embedded chDB (ClickHouse) through the HTTP interface subset clickhouse-connect uses."""

from __future__ import annotations

import argparse
import bz2
import gzip
import importlib
import json
import logging
import lzma
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urlsplit

import lz4.frame

logger = logging.getLogger("stack.clickhouse_http")  # stable name even under `python -m`

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8123
DEFAULT_DATA_DIR = ".local/clickhouse"

# Everything we hand to clients claims UTC, so the engine is pinned to it too (a real
# production server is UTC; the developer machine's local zone must not leak in).
SERVER_TIMEZONE = "UTC"
DEFAULT_SESSION_TIMEOUT_S = 60.0
MAX_SESSION_TIMEOUT_S = 3600.0
MAX_SESSIONS = 256
# Idle keep-alive sockets are dropped after this; urllib3 notices before reusing them.
KEEP_ALIVE_TIMEOUT_S = 30

# URL parameters that steer the HTTP layer rather than the query.  Several are real
# ClickHouse settings, but applying them to the embedded engine would be meaningless.
_HTTP_ONLY_PARAMS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "session_id",
        "session_timeout",
        "session_check",
        "close_session",
        "query_id",
        "quota_key",
        "user",
        "password",
        "role",
        "wait_end_of_query",
        "buffer_size",
        "compress",
        "decompress",
        "stacktrace",
        "client_protocol_version",
        "enable_http_compression",
        "http_zlib_compression_level",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close",
        "http_response_buffer_size",
        "http_wait_end_of_query",
        "http_write_exception_in_output_format",
        "http_native_compression_disable_checksumming_on_decompress",
        "http_response_headers",
        "add_http_cors_header",
    }
)

# Statements whose output is a result set; ClickHouse only reports X-ClickHouse-Format
# for these, and clickhouse-connect's command() relies on that to tell "" from a summary.
_RESULT_KEYWORDS = frozenset(
    {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK", "FROM", "KILL", "WATCH"}
)

# chdb's Python wrapper turns these "formats" into Python objects instead of bytes.
_CHDB_PSEUDO_FORMATS = frozenset({"dataframe", "arrowtable", "datastore"})

_BINARY_FORMAT_PREFIXES = (
    "native",
    "rowbinary",
    "parquet",
    "arrow",
    "orc",
    "avro",
    "protobuf",
    "msgpack",
    "capnproto",
    "npy",
    "bson",
    "rawblob",
)

# ClickHouse's own mapping of exception codes to HTTP status (HTTPHandler.cpp), by name.
_STATUS_BY_ERROR_NAME: dict[str, int] = {
    **dict.fromkeys(("REQUIRED_PASSWORD",), 401),
    **dict.fromkeys(("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE"), 403),
    **dict.fromkeys(
        (
            "BAD_ARGUMENTS",
            "CANNOT_COMPILE_REGEXP",
            "CANNOT_PARSE_TEXT",
            "CANNOT_PARSE_ESCAPE_SEQUENCE",
            "CANNOT_PARSE_QUOTED_STRING",
            "CANNOT_PARSE_DATE",
            "CANNOT_PARSE_DATETIME",
            "CANNOT_PARSE_NUMBER",
            "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
            "CANNOT_PARSE_IPV4",
            "CANNOT_PARSE_IPV6",
            "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
            "CANNOT_PARSE_UUID",
            "CANNOT_PARSE_BOOL",
            "DUPLICATE_COLUMN",
            "ILLEGAL_COLUMN",
            "UNKNOWN_ELEMENT_IN_AST",
            "UNKNOWN_TYPE_OF_AST_NODE",
            "THERE_IS_NO_COLUMN",
            "TOO_DEEP_AST",
            "TOO_BIG_AST",
            "UNEXPECTED_AST_STRUCTURE",
            "SYNTAX_ERROR",
            "INCORRECT_DATA",
            "TYPE_MISMATCH",
            "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
        ),
        400,
    ),
    **dict.fromkeys(
        (
            "UNKNOWN_TABLE",
            "UNKNOWN_FUNCTION",
            "UNKNOWN_IDENTIFIER",
            "UNKNOWN_TYPE",
            "UNKNOWN_STORAGE",
            "UNKNOWN_DATABASE",
            "UNKNOWN_SETTING",
            "UNKNOWN_DIRECTION_OF_SORTING",
            "UNKNOWN_AGGREGATE_FUNCTION",
            "UNKNOWN_FORMAT",
            "UNKNOWN_DATABASE_ENGINE",
            "UNKNOWN_TYPE_OF_QUERY",
            "UNKNOWN_ROLE",
        ),
        404,
    ),
    "QUERY_IS_TOO_LARGE": 413,
    "HTTP_LENGTH_REQUIRED": 411,
    "NOT_IMPLEMENTED": 501,
    "TIMEOUT_EXCEEDED": 408,
}

_CH_ERROR_RE = re.compile(r"Code: (\d+)\. (?:DB::Exception: )?(.*)", re.DOTALL)
_ERROR_NAME_RE = re.compile(r"\s*\(([A-Z][A-Z0-9_]*)\)\s*$")
_VERSION_SUFFIX_RE = re.compile(r"\s*\(version [^)]*\)\s*$")
_SETTING_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ClickHouseError(Exception):
    """A failure reported to the client the way ClickHouse does (code, name, message)."""

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.name = name
        self.message = message.rstrip().rstrip(".")

    @property
    def http_status(self) -> int:
        return _STATUS_BY_ERROR_NAME.get(self.name, 500)

    def body(self, version: str) -> bytes:
        name = f" ({self.name})" if self.name else ""
        return f"Code: {self.code}. DB::Exception: {self.message}.{name} (version {version})\n".encode()

    @classmethod
    def from_engine(cls, ex: BaseException) -> ClickHouseError:
        """Recover code/name/message from a chDB exception text ("... Code: 60. DB::Exception: ... (UNKNOWN_TABLE)")."""
        if isinstance(ex, ClickHouseError):
            return ex
        text = str(ex).strip()
        match = _CH_ERROR_RE.search(text)
        if not match:
            return cls(1001, "STD_EXCEPTION", f"{type(ex).__name__}: {text}")
        message = _VERSION_SUFFIX_RE.sub("", match.group(2))
        name = ""
        name_match = _ERROR_NAME_RE.search(message)
        if name_match:
            name = name_match.group(1)
            message = message[: name_match.start()]
        return cls(int(match.group(1)), name, message)


# --------------------------------------------------------------------------- SQL scanning

# Tokens are scanned on bytes so binary insert payloads after "FORMAT x" are never decoded.
_TOKEN_RE = re.compile(
    rb"""
      (?P<ws>\s+)
    | (?P<comment>--[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<quoted>"(?:[^"\\]|\\.|"")*(?:"|\Z)|`(?:[^`\\]|\\.|``)*(?:`|\Z))
    | (?P<heredoc>\$(?P<tag>[A-Za-z0-9_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<word>[A-Za-z0-9_\x80-\xff]+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# A FORMAT/VALUES word right after one of these is a name (e.g. a table called "format").
_NAME_POSITION = frozenset({b"INTO", b"TABLE", b"FUNCTION", b".", b"AS"})


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int
    end: int
    text: bytes

    @property
    def upper(self) -> bytes:
        return self.text.upper()


def _tokens(buf: bytes, start: int = 0) -> Iterator[_Token]:
    pos = start
    size = len(buf)
    while pos < size:
        match = _TOKEN_RE.match(buf, pos)
        if match is None:  # pragma: no cover - the punct branch matches any byte
            return
        kind = cast(str, match.lastgroup)
        if kind == "tag":
            kind = "heredoc"
        pos = match.end()
        if kind in ("ws", "comment"):
            continue
        yield _Token(kind, match.start(), pos, match.group(0))


@dataclass(frozen=True)
class Statement:
    """One SQL statement as ClickHouse's HTTP handler would split it."""

    keyword: str  # first keyword, upper-cased ("" if none)
    sql: bytes  # SQL to run; for inserts with inline data, the part before FORMAT/VALUES
    fmt: str | None  # FORMAT clause: output format, or input format of inline insert data
    data: bytes | None  # inline insert payload (None unless this is INSERT ... FORMAT/VALUES)

    @property
    def produces_result(self) -> bool:
        if self.data is not None or self.keyword == "INSERT":
            return False
        return self.fmt is not None or self.keyword in _RESULT_KEYWORDS


def _data_start(buf: bytes, pos: int) -> int:
    """Insert data begins after the first line feed following FORMAT <name>, else after the whitespace."""
    while pos < len(buf) and buf[pos] in b" \t\r\f\v":
        pos += 1
    if pos < len(buf) and buf[pos] == 0x0A:
        pos += 1
    return pos


def parse_statement(buf: bytes) -> Statement:
    tokens = _tokens(buf)
    first = next(tokens, None)
    if first is None:
        return Statement("", b"", None, None)
    keyword = first.upper.decode("ascii", "replace") if first.kind == "word" else ""
    if first.text == b"(":
        keyword = "SELECT"
    depth = 1 if first.text == b"(" else 0
    prev = first.upper
    fmt: str | None = None
    for tok in tokens:
        if tok.kind == "punct":
            if tok.text == b"(":
                depth += 1
            elif tok.text == b")":
                depth -= 1
            prev = tok.text
            continue
        word = tok.upper if tok.kind == "word" else b""
        if depth == 0 and word and prev not in _NAME_POSITION:
            if keyword == "INSERT" and word in (b"SELECT", b"WITH"):
                # INSERT ... SELECT carries no inline data: run the whole text as a query.
                return Statement(keyword, buf, None, None)
            if keyword == "INSERT" and word == b"VALUES":
                return Statement(keyword, buf[: tok.start], "Values", buf[tok.end :])
            if word == b"FORMAT":
                name_tok = next(tokens, None)
                if name_tok is None or name_tok.kind not in ("word", "quoted"):
                    break
                name = name_tok.text.strip(b'"`').decode("utf-8", "replace")
                if keyword == "INSERT":
                    return Statement(keyword, buf[: tok.start], name, buf[_data_start(buf, name_tok.end) :])
                fmt = name
                prev = name_tok.upper
                continue
        prev = word or tok.text
    return Statement(keyword, buf, fmt, None)


def _quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _split_top_level(text: str) -> list[str]:
    """Split "UInt64,Decimal(10, 2)" on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


# --------------------------------------------------------------------------- compression


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_zstd = _optional_module("backports.zstd") or _optional_module("compression.zstd")
_brotli = _optional_module("brotli")


def _lz4_decompress(data: bytes) -> bytes:
    # clickhouse-connect writes one LZ4 frame per insert block, so frames are concatenated.
    out = bytearray()
    remaining = data
    while remaining:
        decompressor = lz4.frame.LZ4FrameDecompressor()
        out += decompressor.decompress(remaining)
        if not decompressor.eof:
            raise ValueError("truncated LZ4 frame")
        remaining = decompressor.unused_data
    return bytes(out)


def _deflate_decompress(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)  # raw deflate without zlib header


def decompress_body(data: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if not encoding or encoding == "identity" or not data:
        return data
    try:
        if encoding == "lz4":
            return _lz4_decompress(data)
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(data)
        if encoding == "deflate":
            return _deflate_decompress(data)
        if encoding == "zstd" and _zstd is not None:
            return cast(bytes, _zstd.decompress(data))
        if encoding == "br" and _brotli is not None:
            return cast(bytes, _brotli.decompress(data))
        if encoding in ("xz", "lzma"):
            return lzma.decompress(data)
        if encoding in ("bz2", "bzip2"):
            return bz2.decompress(data)
    except Exception as ex:
        raise ClickHouseError(271, "CANNOT_DECOMPRESS", f"Cannot decompress request body with {encoding}: {ex}") from ex
    raise ClickHouseError(89, "UNKNOWN_COMPRESSION_METHOD", f"Unknown HTTP Content-Encoding: {encoding}")


def _compressors() -> dict[str, Any]:
    table: dict[str, Any] = {
        "lz4": lz4.frame.compress,
        "gzip": lambda data: gzip.compress(data, compresslevel=3),
        "deflate": lambda data: zlib.compress(data, 3),
    }
    if _zstd is not None:
        table["zstd"] = _zstd.compress
    if _brotli is not None:
        table["br"] = _brotli.compress
    return table


_COMPRESSORS = _compressors()


def choose_response_encoding(accept_encoding: str) -> str | None:
    """First encoding in the client's list that we can produce (q-values are not honoured)."""
    for item in accept_encoding.split(","):
        name = item.split(";", 1)[0].strip().lower()
        if name in _COMPRESSORS:
            return name
    return None


# --------------------------------------------------------------------------- chDB engine


class _ChResult(Protocol):
    def bytes(self) -> bytes: ...
    def rows_read(self) -> int: ...
    def bytes_read(self) -> int: ...
    def storage_rows_read(self) -> int: ...
    def storage_bytes_read(self) -> int: ...
    def rows_written(self) -> int: ...
    def bytes_written(self) -> int: ...


class _ChInsertResult(Protocol):
    rows_written: int
    bytes_written: int


class _ChInserter(Protocol):
    def append(self, data: bytes) -> None: ...
    def finish(self) -> _ChInsertResult: ...
    def cancel(self) -> None: ...


class _ChConnection(Protocol):
    def query(self, query: str, format: str = ..., params: Any = ...) -> Any: ...
    def send_insert(self, query: str, format: str = ...) -> Any: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ExternalTable:
    """An external-data file part: becomes a temporary table for one query."""

    name: str
    structure: str
    fmt: str
    data: bytes


@dataclass
class QueryRequest:
    sql: bytes
    database: str | None = None
    default_format: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    query_params: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None
    session_timeout: float = DEFAULT_SESSION_TIMEOUT_S
    session_check: bool = False
    close_session: bool = False
    external: list[ExternalTable] = field(default_factory=list)


@dataclass
class QueryOutcome:
    body: bytes
    fmt: str | None  # set only for result-producing statements
    summary: dict[str, str]


def _summary(
    read_rows: int = 0,
    read_bytes: int = 0,
    written_rows: int = 0,
    written_bytes: int = 0,
    result_rows: int = 0,
    result_bytes: int = 0,
    elapsed_ns: int = 0,
) -> dict[str, str]:
    # ClickHouse sends every summary value as a string.
    values = {
        "read_rows": read_rows,
        "read_bytes": read_bytes,
        "written_rows": written_rows,
        "written_bytes": written_bytes,
        "total_rows_to_read": 0,
        "result_rows": result_rows,
        "result_bytes": result_bytes,
        "elapsed_ns": elapsed_ns,
    }
    return {key: str(value) for key, value in values.items()}


def _decode_sql(sql: bytes) -> str:
    try:
        return sql.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise ClickHouseError(36, "BAD_ARGUMENTS", f"Query text is not valid UTF-8: {ex}") from ex


class _Conn:
    """One chDB connection plus what we know of its session state (database, URL-applied settings)."""

    def __init__(self, raw: _ChConnection, ephemeral: bool) -> None:
        self.raw = raw
        self.ephemeral = ephemeral
        self.database = "default"  # current database of the chDB connection
        self.session_database = "default"  # changed only by USE; the URL parameter is per query
        # URL settings currently applied on top of the session, and the session values
        # they shadow (None: the setting was at its default).  ClickHouse scopes URL
        # settings to one query, so they are undone before the next request needs it.
        self.overrides: dict[str, str] = {}
        self.saved: dict[str, str | None] = {}

    def run(self, sql: str, fmt: str = "TabSeparated", params: Mapping[str, str] | None = None) -> _ChResult:
        try:
            return cast(_ChResult, self.raw.query(sql, fmt, params=dict(params or {})))
        except Exception as ex:
            raise ClickHouseError.from_engine(ex) from ex

    def insert(self, sql: str, fmt: str, data: bytes) -> _ChInsertResult:
        try:
            inserter = cast(_ChInserter, self.raw.send_insert(sql, fmt))
        except Exception as ex:
            raise ClickHouseError.from_engine(ex) from ex
        try:
            if data:
                inserter.append(data)
            return inserter.finish()
        except Exception as ex:
            try:
                inserter.cancel()
            except Exception:  # already finished/failed; cancelling is best effort
                logger.debug("insert cancel after failure raised", exc_info=True)
            raise ClickHouseError.from_engine(ex) from ex

    def use(self, database: str) -> None:
        if database != self.database:
            self.run(f"USE {_quote_identifier(database)}")
            self.database = database

    def apply_settings(self, wanted: Mapping[str, str]) -> None:
        stale = [name for name in self.overrides if name not in wanted]
        if stale:
            self._restore(stale)
        changed = {name: value for name, value in wanted.items() if self.overrides.get(name) != value}
        if not changed:
            return
        if not self.ephemeral:
            self._remember(list(changed))
        # Mark first: if SET fails half way, the next request restores the saved values.
        self.overrides.update(changed)
        self.run("SET " + ", ".join(f"{name} = {_quote_string(value)}" for name, value in changed.items()))

    def reset_settings(self) -> None:
        if self.overrides:
            self._restore(list(self.overrides))

    def _remember(self, names: list[str]) -> None:
        unknown = [name for name in names if name not in self.saved]
        if not unknown:
            return
        in_list = ", ".join(_quote_string(name) for name in unknown)
        result = self.run(f"SELECT name, value, changed FROM system.settings WHERE name IN ({in_list})", "JSONEachRow")
        for line in result.bytes().splitlines():
            row = json.loads(line)
            self.saved[row["name"]] = row["value"] if int(row["changed"]) else None

    def _restore(self, names: list[str]) -> None:
        assignments = []
        for name in names:
            self.overrides.pop(name, None)
            saved = self.saved.pop(name, None)
            if not self.ephemeral:
                assignments.append(f"{name} = {'DEFAULT' if saved is None else _quote_string(saved)}")
        if assignments:
            self.run("SET " + ", ".join(assignments))

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:
            logger.debug("closing chDB connection failed", exc_info=True)


@dataclass
class _Session:
    conn: _Conn
    timeout: float
    last_used: float


class ChdbEngine:
    """Runs statements on chDB.  chDB is not safe for concurrent queries, so every call is serialised by one lock."""

    def __init__(self, data_dir: str) -> None:
        from chdb.state import sqlitelike  # imported lazily: loading chDB takes ~1 s

        self._connect_fn = sqlitelike.connect
        self.data_dir = os.path.abspath(data_dir)
        os.makedirs(self.data_dir, exist_ok=True)
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._closed = False
        # The keeper connection keeps the engine (and its data-dir binding) alive while
        # per-request and per-session connections come and go.
        self._keeper = self._connect(ephemeral=True)
        row = self._keeper.run("SELECT version()").bytes().decode().strip()
        self.version = row or "unknown"
        names = self._keeper.run("SELECT name FROM system.settings", "TabSeparated").bytes().decode().split("\n")
        self.known_settings = frozenset(name for name in names if name)

    def _connect(self, ephemeral: bool) -> _Conn:
        raw = cast(_ChConnection, self._connect_fn(f"{self.data_dir}?session_timezone={SERVER_TIMEZONE}"))
        return _Conn(raw, ephemeral)

    def split_settings(self, params: Mapping[str, str], skip: frozenset[str] = frozenset()) -> dict[str, str]:
        """URL parameters that are real query settings; HTTP-only and unknown names are ignored."""
        settings: dict[str, str] = {}
        for name, value in params.items():
            if name in _HTTP_ONLY_PARAMS or name in skip or name.startswith("param_"):
                continue
            if name in self.known_settings and _SETTING_NAME_RE.match(name):
                settings[name] = value
            else:
                logger.debug("ignoring non-setting URL parameter name=%s", name)
        return settings

    def execute(self, request: QueryRequest) -> QueryOutcome:
        statement = parse_statement(request.sql)
        if not statement.sql.strip() and statement.data is None:
            raise ClickHouseError(62, "SYNTAX_ERROR", "Empty query")
        with self._lock:
            if self._closed:
                raise ClickHouseError(1001, "STD_EXCEPTION", "Server is shutting down")
            now = time.monotonic()
            self._expire_sessions(now)
            session = self._session(request, now)
            conn = session.conn if session else self._connect(ephemeral=True)
            try:
                return self._run(conn, statement, request)
            finally:
                if session is None:
                    conn.close()
                else:
                    session.last_used = time.monotonic()
                    if request.close_session and request.session_id:
                        self._sessions.pop(request.session_id, None)
                        conn.close()

    def _session(self, request: QueryRequest, now: float) -> _Session | None:
        if not request.session_id:
            return None
        session = self._sessions.get(request.session_id)
        if session is None:
            if request.session_check:
                raise ClickHouseError(372, "SESSION_NOT_FOUND", f"Session {request.session_id} not found")
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda key: self._sessions[key].last_used)
                self._sessions.pop(oldest).conn.close()
            session = _Session(self._connect(ephemeral=False), request.session_timeout, now)
            self._sessions[request.session_id] = session
        session.timeout = request.session_timeout
        return session

    def _expire_sessions(self, now: float) -> None:
        for key in [key for key, sess in self._sessions.items() if now - sess.last_used > sess.timeout]:
            self._sessions.pop(key).conn.close()

    def _run(self, conn: _Conn, statement: Statement, request: QueryRequest) -> QueryOutcome:
        started = time.monotonic_ns()
        conn.use(request.database or conn.session_database)
        if statement.keyword == "SET":
            # A SET changes the session itself; URL settings must not be folded into it.
            conn.reset_settings()
        else:
            settings = dict(request.settings)
            if not conn.ephemeral and settings.pop("readonly", None) is not None:
                # readonly cannot be lifted again on a session connection once applied.
                logger.debug("ignoring readonly URL setting inside session")
            conn.apply_settings(settings)
        created: list[str] = []
        try:
            for table in request.external:
                self._load_external(conn, table)
                created.append(table.name)
            if statement.data is not None:
                sql = _decode_sql(statement.sql)
                inserted = conn.insert(sql, statement.fmt or "TabSeparated", statement.data)
                return QueryOutcome(
                    b"",
                    None,
                    _summary(
                        written_rows=inserted.rows_written,
                        written_bytes=inserted.bytes_written,
                        elapsed_ns=time.monotonic_ns() - started,
                    ),
                )
            fmt = statement.fmt or request.default_format or "TabSeparated"
            if fmt.lower() in _CHDB_PSEUDO_FORMATS:
                raise ClickHouseError(73, "UNKNOWN_FORMAT", f"Unknown format {fmt}")
            result = conn.run(_decode_sql(statement.sql), fmt, request.query_params)
            body = result.bytes()
            if statement.keyword == "USE":
                database = conn.run("SELECT currentDatabase()").bytes().decode().strip()
                conn.database = conn.session_database = database
            return QueryOutcome(
                body,
                fmt if statement.produces_result else None,
                _summary(
                    read_rows=result.storage_rows_read(),
                    read_bytes=result.storage_bytes_read(),
                    written_rows=result.rows_written(),
                    written_bytes=result.bytes_written(),
                    result_rows=result.rows_read(),
                    result_bytes=len(body),
                    elapsed_ns=time.monotonic_ns() - started,
                ),
            )
        finally:
            for name in created:
                try:
                    conn.run(f"DROP TEMPORARY TABLE IF EXISTS {_quote_identifier(name)}")
                except ClickHouseError:
                    logger.warning("external_table_drop_failed table=%s", name)

    @staticmethod
    def _load_external(conn: _Conn, table: ExternalTable) -> None:
        name = _quote_identifier(table.name)
        conn.run(f"DROP TEMPORARY TABLE IF EXISTS {name}")
        conn.run(f"CREATE TEMPORARY TABLE {name} ({table.structure}) ENGINE = Memory")
        conn.insert(f"INSERT INTO {name}", table.fmt, table.data)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for session in self._sessions.values():
                session.conn.close()
            self._sessions.clear()
            self._keeper.close()


# --------------------------------------------------------------------------- HTTP layer


class _BadRequest(Exception):
    pass


def _content_type(fmt: str) -> str:
    lower = fmt.lower()
    if lower.startswith(_BINARY_FORMAT_PREFIXES):
        return "application/octet-stream"
    if lower.startswith("json"):
        return "application/json; charset=UTF-8"
    if lower.startswith(("tabseparated", "tsv")):
        return "text/tab-separated-values; charset=UTF-8"
    if lower.startswith("csv"):
        return "text/csv; charset=UTF-8; header=" + ("present" if "names" in lower else "absent")
    if lower == "xml":
        return "application/xml; charset=UTF-8"
    return "text/plain; charset=UTF-8"


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """Split multipart/form-data into plain fields and file parts (external data)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ClickHouseError(36, "BAD_ARGUMENTS", "multipart/form-data without boundary")
    delimiter = b"--" + match.group(1).encode()
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        if not name_match:
            continue
        if re.search(r'\bfilename="', disposition):
            files.append((name_match.group(1), content))
        else:
            fields[name_match.group(1)] = content.decode("utf-8", "replace")
    return fields, files


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class ClickHouseHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib default backlog of 5 refuses bursts from pooled clients

    def __init__(self, address: tuple[str, int], engine: ChdbEngine) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.engine = engine
        self.display_name = socket.gethostname()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The stdlib prints a full traceback to stderr, mostly for clients that hung up.
        error = sys.exc_info()[1]
        logger.warning(
            "connection_error client=%s error=%r", client_address, error, exc_info=logger.isEnabledFor(logging.DEBUG)
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clickhouse-connect pools connections
    server_version = "ClickHouse-chDB"
    timeout = KEEP_ALIVE_TIMEOUT_S
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
    # client's delayed ACK adds ~40 ms to every response.
    disable_nagle_algorithm = True
    server: ClickHouseHTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib would print one line per request; errors are logged where they happen.
        pass

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("http_error detail=%s", format % args)

    # -- request plumbing

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise _BadRequest("truncated chunked body")
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as ex:
                    raise _BadRequest("bad chunk size") from ex
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise _BadRequest("truncated chunk")
                chunks.append(chunk)
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError as ex:
            raise _BadRequest("bad Content-Length") from ex
        body = self.rfile.read(size)
        if len(body) != size:
            raise _BadRequest("truncated body")
        return body

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", f"timeout={KEEP_ALIVE_TIMEOUT_S}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _common_headers(self, query_id: str) -> dict[str, str]:
        return {
            "X-ClickHouse-Server-Display-Name": self.server.display_name,
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Timezone": SERVER_TIMEZONE,
        }

    def _send_error(self, error: ClickHouseError, query_id: str, status: int | None = None) -> None:
        headers = self._common_headers(query_id)
        headers["Content-Type"] = "text/plain; charset=UTF-8"
        headers["X-ClickHouse-Exception-Code"] = str(error.code)
        self._send(status or error.http_status, error.body(self.server.engine.version), headers)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        query_id = params.get("query_id") or str(uuid.uuid4())
        try:
            body = self._read_body()
        except _BadRequest as ex:
            # The stream position is unknown now, so the connection cannot be reused.
            self.close_connection = True
            self._send_error(ClickHouseError(36, "BAD_ARGUMENTS", f"Malformed HTTP request: {ex}"), query_id, 400)
            return
        path = url.path.rstrip("/") or "/"
        if path in ("/ping", "/replicas_status"):
            self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
            return
        if path != "/":
            self._send(404, f"There is no handle {url.path}\n\nUse / or /ping for health checks.\n".encode(), {})
            return
        if "query" not in params and not body:
            self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
            return
        try:
            request = self._build_request(params, body)
            outcome = self.server.engine.execute(request)
        except ClickHouseError as ex:
            logger.warning(
                "query_failed code=%d name=%s status=%d query_id=%s session_id=%s error=%s",
                ex.code,
                ex.name,
                ex.http_status,
                query_id,
                params.get("session_id", ""),
                ex.message.splitlines()[0] if ex.message else "",
            )
            self._send_error(ex, query_id)
            return
        except Exception as ex:  # keep serving; report like ClickHouse's STD_EXCEPTION
            logger.exception("query_crashed query_id=%s", query_id)
            self._send_error(ClickHouseError(1001, "STD_EXCEPTION", f"{type(ex).__name__}: {ex}"), query_id)
            return
        headers = self._common_headers(query_id)
        headers["X-ClickHouse-Summary"] = json.dumps(outcome.summary, separators=(",", ":"))
        payload = outcome.body
        if outcome.fmt:
            headers["X-ClickHouse-Format"] = outcome.fmt
            headers["Content-Type"] = _content_type(outcome.fmt)
        else:
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        if payload and _flag(params.get("enable_http_compression")):
            encoding = choose_response_encoding(self.headers.get("Accept-Encoding", ""))
            if encoding:
                payload = _COMPRESSORS[encoding](payload)
                headers["Content-Encoding"] = encoding
        self._send(200, payload, headers)

    def _build_request(self, params: dict[str, str], body: bytes) -> QueryRequest:
        if _flag(params.get("compress")) or _flag(params.get("decompress")):
            raise ClickHouseError(
                48, "NOT_IMPLEMENTED", "ClickHouse native block compression (compress/decompress=1) is not supported"
            )
        content_type = self.headers.get("Content-Type", "")
        files: list[tuple[str, bytes]] = []
        sql = b""
        if content_type.lower().startswith("multipart/form-data"):
            fields, files = _parse_multipart(body, content_type)
            params = {**params, **fields}
            sql = params.get("query", "").encode()
        else:
            body = decompress_body(body, self.headers.get("Content-Encoding", ""))
            query = params.get("query", "")
            # ClickHouse concatenates the query parameter and the body with a line feed.
            sql = query.encode() + b"\n" + body if query and body else query.encode() or body
        external: list[ExternalTable] = []
        skip: set[str] = set()
        for name, data in files:
            structure = params.get(f"{name}_structure")
            types = params.get(f"{name}_types")
            if not structure and types:
                structure = ", ".join(f"_{i} {type_name}" for i, type_name in enumerate(_split_top_level(types), 1))
            if not structure:
                raise ClickHouseError(
                    36, "BAD_ARGUMENTS", f"Neither structure nor types have been provided for external table {name}"
                )
            external.append(ExternalTable(name, structure, params.get(f"{name}_format", "TabSeparated"), data))
            skip.update({name, f"{name}_structure", f"{name}_types", f"{name}_format"})
        engine = self.server.engine
        try:
            timeout = min(float(params.get("session_timeout") or DEFAULT_SESSION_TIMEOUT_S), MAX_SESSION_TIMEOUT_S)
        except ValueError as ex:
            raise ClickHouseError(36, "BAD_ARGUMENTS", f"Invalid session timeout: {params['session_timeout']}") from ex
        return QueryRequest(
            sql=sql,
            database=params.get("database") or self.headers.get("X-ClickHouse-Database") or None,
            default_format=params.get("default_format") or self.headers.get("X-ClickHouse-Format") or None,
            settings=engine.split_settings(params, frozenset(skip)),
            query_params={key[len("param_") :]: value for key, value in params.items() if key.startswith("param_")},
            session_id=params.get("session_id") or None,
            session_timeout=timeout,
            session_check=_flag(params.get("session_check")),
            close_session=_flag(params.get("close_session")),
            external=external,
        )


def serve(host: str, port: int, data_dir: str) -> None:
    """Serve chDB over the ClickHouse HTTP interface on host:port until SIGTERM/SIGINT (blocking)."""
    engine = ChdbEngine(data_dir)
    try:
        httpd = ClickHouseHTTPServer((host, port), engine)
    except BaseException:
        engine.close()
        raise
    if threading.current_thread() is threading.main_thread():
        # shutdown() waits for serve_forever() to return, so it must run off this thread.
        def _stop(signum: int, _frame: Any) -> None:
            logger.info("shutdown_requested signal=%d", signum)
            threading.Thread(target=httpd.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    bound_host, bound_port = httpd.server_address[:2]
    logger.info(
        "clickhouse_http_listening host=%s port=%s data_dir=%s engine_version=%s",
        bound_host,
        bound_port,
        engine.data_dir,
        engine.version,
    )
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        engine.close()
        logger.info("clickhouse_http_stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to bind (default: %(default)s)")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="chDB data directory (default: %(default)s)")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    serve(args.host, args.port, args.data_dir)


if __name__ == "__main__":
    main()
