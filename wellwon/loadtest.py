"""`wellwon loadtest`: a realistic mix of requests against a running platform, at a given rate, for a given time.

A client of the platform like any other: it talks to the API only. Set-up (not timed): a fresh user registers
and signs in, creates a company (Russian, with valid INN/KPP/OGRN), a few shipments, a declaration with goods
items, and an EDI partner with an API key. Then, for `--duration` seconds, operations are started at `--rate`
per second in the proportions of `--mix`:

- login:            POST /api/auth/login (password check, a RecordLogin command, new tokens);
- shipment_update:  POST /api/shipments/{id}/transport-events (a command through the engine and read model);
- edi_burst:        POST /api/edi/inbound with the partner's key: one IFTSTA interchange carrying a status
                    report for every set-up shipment (handled asynchronously by the EDI agent);
- declaration_edit: PUT /api/declarations/{id}/items/{item} or PUT .../header (a command on the declaration);
- read:             GET of the shipments list, a shipment, its timeline, the declaration or the declarations list.

The schedule is open-loop: the n-th operation is due at n / rate seconds whatever the earlier ones are doing, and
its latency is counted from when it was due, so time spent waiting for a free connection (at most
`--concurrency` requests are in flight) is latency too: an overloaded platform shows its queueing, not a politely
slowed client (no coordinated omission).

Answers: 2xx is ok (202 has its own column too: a command accepted but not yet readable, which is how the API
answers when the engine or the read models lag, or an EDI interchange queued, which is what the EDI route answers);
429 (the login throttle) has its own column; every other status, and timeouts or connection failures, are errors
by kind. The only edge limit the API has is the password-guessing throttle, which counts failed logins only, so
a load test's good logins are not limited; to give a test run more room anyway, start the API with
`LOGIN_FAILURES_ALLOWED` raised (failures per account before 429; an address gets 10 times as many) and
`LOGIN_BACKOFF_SECONDS` lowered. Access tokens live 15 minutes: each login operation renews the one the others use.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from wellwon.demo import DEMO_COMPANY

OPERATIONS = ("login", "shipment_update", "edi_burst", "declaration_edit", "read")
DEFAULT_MIX: dict[str, int] = {"login": 1, "shipment_update": 3, "edi_burst": 1, "declaration_edit": 2, "read": 8}
PERCENTILES = (50, 90, 99)
TRANSPORT_ERROR = "conn"  # the request never got an answer (refused, reset)
TIMEOUT = "timeout"
BAD_BODY = "bad_body"  # answered 2xx, but without what the next operations need (a token, a message id)
LOAD_COMPANY: dict[str, Any] = {**DEMO_COMPANY, "legal_name": 'ООО "Нагрузочный Тест"', "name": "WellWon Load Test"}
EDI_SENDER = "LOADTEST"
GOODS_ITEMS = 3
EDI_RESULTS_PAGE = 500  # the most results GET /api/edi/messages gives at once


# --- pure parts: the mix, the schedule, the statistics ---------------------------------------------------------


def parse_mix(text: str) -> dict[str, int]:
    """`login=1,read=8,...` as weights; operations not named get weight 0. Raises ValueError saying what is wrong."""
    weights = dict.fromkeys(OPERATIONS, 0)
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in weights:
            raise ValueError(f"{part!r}: expected operation=weight, operations {', '.join(OPERATIONS)}")
        try:
            weight = int(value)
        except ValueError:
            raise ValueError(f"{part!r}: the weight must be a whole number") from None
        if weight < 0:
            raise ValueError(f"{part!r}: the weight must not be negative")
        weights[name] = weight
    if sum(weights.values()) == 0:
        raise ValueError("the mix has no operation with a positive weight")
    return weights


def format_mix(mix: Mapping[str, int]) -> str:
    return ",".join(f"{name}={weight}" for name, weight in mix.items())


def plan(mix: Mapping[str, int], rate: float, duration: float, seed: int) -> list[tuple[float, str]]:
    """(due offset in seconds, operation) for every operation of the run, in order of due time.

    The n-th operation is due at n / rate. Operations are dealt in rounds of sum(weights) slots, each round holding
    every operation exactly its weight times in an order shuffled by `seed`: the proportions hold over any stretch
    of the run (a short one still runs each operation), and the same seed gives the same run.
    """
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    total = math.ceil(rate * duration - 1e-9)  # every n with n / rate < duration
    deck = [name for name, weight in mix.items() for _ in range(weight)]
    if not deck:
        raise ValueError("the mix has no operation with a positive weight")
    rng = random.Random(seed)
    order: list[str] = []
    while len(order) < total:
        round_ = deck[:]
        rng.shuffle(round_)
        order.extend(round_)
    return [(n / rate, order[n]) for n in range(total)]


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of values sorted ascending: a value that was observed, never interpolated.

    0 for no values; q=100 is the maximum."""
    if not ordered:
        return 0.0
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Sample:
    """One operation's answer: its status (or TIMEOUT, TRANSPORT_ERROR, BAD_BODY) and latency from when it was due."""

    operation: str
    status: int | str
    latency_ms: float

    @property
    def ok(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass(frozen=True)
class OperationStats:
    operation: str
    count: int
    ok: int
    pending: int  # 202 (ok): a command accepted but not yet readable, or an EDI interchange queued
    throttled: int  # 429
    errors: dict[str, int]  # by status (429 included), or TIMEOUT, TRANSPORT_ERROR, BAD_BODY
    error_rate: float
    throughput: float  # ok answers per second of the run
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.errors.items() if status.isdigit() and int(status) >= 500)

    def json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "count": self.count,
            "ok": self.ok,
            "pending": self.pending,
            "throttled": self.throttled,
            "errors": self.errors,
            "error_rate": round(self.error_rate, 6),
            "throughput_per_s": round(self.throughput, 3),
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
        }


def operation_stats(operation: str, samples: Sequence[Sample], elapsed: float) -> OperationStats:
    """Count, errors by status, error rate, throughput (ok per second of `elapsed`) and latency percentiles."""
    latencies = sorted(s.latency_ms for s in samples)
    errors = Counter(str(s.status) for s in samples if not s.ok)
    ok = len(samples) - sum(errors.values())
    p50, p90, p99 = (percentile(latencies, q) for q in PERCENTILES)
    return OperationStats(
        operation=operation,
        count=len(samples),
        ok=ok,
        pending=sum(1 for s in samples if s.status == 202),
        throttled=errors.get("429", 0),
        errors=dict(sorted(errors.items())),
        error_rate=(len(samples) - ok) / len(samples) if samples else 0.0,
        throughput=ok / elapsed if elapsed > 0 else 0.0,
        p50_ms=p50,
        p90_ms=p90,
        p99_ms=p99,
        max_ms=latencies[-1] if latencies else 0.0,
    )


@dataclass(frozen=True)
class Report:
    url: str
    rate: float
    duration: float
    elapsed: float  # from the first due time to the last answer, at least the schedule's window
    mix: dict[str, int]
    operations: list[OperationStats]
    total: OperationStats
    edi_results: dict[str, int] = field(default_factory=dict)  # EDI message results by status, read after the run

    def json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "rate": self.rate,
            "duration_s": self.duration,
            "elapsed_s": round(self.elapsed, 3),
            "mix": self.mix,
            "operations": [o.json() for o in self.operations],
            "total": self.total.json(),
            "edi_results": self.edi_results,
        }


def summarize(
    samples: Sequence[Sample], elapsed: float, *, url: str, rate: float, duration: float, mix: Mapping[str, int]
) -> Report:
    """The report: one row per operation of the mix (in OPERATIONS order, those with weight > 0) and the total."""
    by_operation: dict[str, list[Sample]] = {name: [] for name in OPERATIONS if mix.get(name, 0) > 0}
    for sample in samples:
        by_operation.setdefault(sample.operation, []).append(sample)
    rows = [operation_stats(name, found, elapsed) for name, found in by_operation.items()]
    return Report(url, rate, duration, elapsed, dict(mix), rows, operation_stats("total", samples, elapsed))


def format_report(report: Report) -> str:
    """The table: a row per operation and the total; latencies in ms from when each request was due."""
    head = (
        f"{'operation':17} {'count':>6} {'ok':>6} {'202':>5} {'429':>5} {'errors':>6} {'err%':>6} {'ok/s':>7} "
        f"{'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}  errors by status"
    )
    lines = [
        f"wellwon loadtest: {report.url}, {report.rate:g}/s for {report.duration:g} s "
        f"(took {report.elapsed:.1f} s), mix {format_mix(report.mix)}",
        head,
        "-" * len(head),
    ]
    for row in [*report.operations, report.total]:
        if row is report.total:
            lines.append("-" * len(head))
        kinds = " ".join(f"{status}:{n}" for status, n in row.errors.items()) or "-"
        lines.append(
            f"{row.operation:17} {row.count:6d} {row.ok:6d} {row.pending:5d} {row.throttled:5d} {row.failed:6d} "
            f"{100 * row.error_rate:5.1f}% {row.throughput:7.1f} {row.p50_ms:8.1f} {row.p90_ms:8.1f} "
            f"{row.p99_ms:8.1f} {row.max_ms:8.1f}  {kinds}"
        )
    if report.edi_results:
        handled = ", ".join(f"{status} {n}" for status, n in sorted(report.edi_results.items()))
        lines.append(f"EDI interchanges handled by the EDI agent after the run: {handled}")
    return "\n".join(lines)


# --- the client side: set-up and operations over HTTP -----------------------------------------------------------


class SetupFailed(RuntimeError):
    """A set-up step was refused: the platform is not reachable or not in a state to be load-tested."""


def answered(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200, 201)):
        raise SetupFailed(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    return response.json()


def status_report(control: str, references: Sequence[str], at: datetime) -> bytes:
    """An IFTSTA D.96A interchange from the load test's partner: "crossed border" (Rec 24 code 16) for each shipment."""
    stamp = at.strftime("%Y%m%d%H%M")
    segments = ["UNA:+.? ", f"UNB+UNOC:3+{EDI_SENDER}:ZZZ+WELLWON:ZZZ+{at:%y%m%d:%H%M}+{control}"]
    for n, reference in enumerate(references, start=1):
        body = [
            f"UNH+{n}+IFTSTA:D:96A:UN",
            f"BGM+23+{control}-{n}+9",
            f"DTM+137:{stamp}:203",
            f"CNI+1+{reference}",
            "STS+1+16::6:CROSSED BORDER",
            f"DTM+334:{stamp}:203",
            "LOC+175+DEHAM:139:6",
        ]
        segments += [*body, f"UNT+{len(body) + 1}+{n}"]
    segments.append(f"UNZ+{len(references)}+{control}")
    return "'\n".join(segments).encode() + b"'"


def goods_item(n: int, quantity: int = 100) -> dict[str, Any]:
    return {
        "item_id": f"i{n}",
        "description": f"Cotton T-shirts, knitted, lot {n}",
        "commodity_code": "6109100000",
        "origin_country": "CN",
        "quantity": str(quantity),
        "unit_code": "796",
        "gross_weight_kg": "22",
        "net_weight_kg": "20",
        "invoice_value": f"{3.5 * quantity:.2f}",
        "currency": "USD",
    }


@dataclass
class Tenant:
    """What set-up made: whose and what the operations work on."""

    email: str
    password: str
    access_token: str
    company_id: str
    shipment_ids: list[str]
    shipment_references: list[str]
    declaration_id: str
    edi_key: str
    edi_sent: list[str] = field(default_factory=list)  # message ids of accepted interchanges

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def set_up(api: httpx.AsyncClient, shipments: int, run_id: str) -> Tenant:
    """A fresh user, company, shipments, declaration and EDI partner with a key, all through the API."""
    email, password = f"loadtest.{run_id}@example.com", secrets.token_urlsafe(18)
    answered(
        await api.post(
            "/api/auth/register",
            json={"email": email, "password": password, "first_name": "Load", "last_name": "Test"},
        ),
        201,
        202,
    )
    deadline = time.monotonic() + 60
    while (login := await api.post("/api/auth/login", json={"email": email, "password": password})).status_code != 200:
        if login.status_code not in (202, 401) or time.monotonic() > deadline:  # 401/202: not readable yet
            answered(login)
        await asyncio.sleep(0.5)
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    company = answered(await api.post("/api/companies", headers=auth, json=LOAD_COMPANY))
    switched = answered(await api.post(f"/api/companies/{company['id']}/switch", headers=auth))
    auth = {"Authorization": f"Bearer {switched['access_token']}"}
    references = [f"LT-{run_id}-{n}".upper() for n in range(shipments)]
    shipment_ids = [
        str(
            answered(
                await api.post(
                    "/api/shipments",
                    headers=auth,
                    json={"reference": reference, "mode": "sea", "incoterm": "FOB", "incoterm_place": "CNSHA"},
                )
            )["id"]
        )
        for reference in references
    ]
    declaration = answered(
        await api.post(
            "/api/declarations",
            headers=auth,
            json={
                "header": {"procedure_code": "40", "customs_office_code": "10702070", "reference": f"LT-{run_id}"},
                "items": [goods_item(n) for n in range(GOODS_ITEMS)],
            },
        )
    )
    partner = answered(
        await api.post(
            "/api/edi/partners",
            headers=auth,
            json={"code": "LOADTEST", "name": "Load Test Carrier", "sender_ids": [EDI_SENDER]},
        )
    )
    key = answered(await api.post(f"/api/edi/partners/{partner['id']}/api-keys", headers=auth, json={"label": "load"}))
    return Tenant(
        email=email,
        password=password,
        access_token=switched["access_token"],
        company_id=str(company["id"]),
        shipment_ids=shipment_ids,
        shipment_references=references,
        declaration_id=str(declaration["id"]),
        edi_key=str(key["api_key"]),
    )


Operation = Callable[[httpx.AsyncClient, Tenant, random.Random, int], Awaitable[httpx.Response]]


async def login(api: httpx.AsyncClient, tenant: Tenant, rng: random.Random, n: int) -> httpx.Response:
    answer = await api.post("/api/auth/login", json={"email": tenant.email, "password": tenant.password})
    if answer.status_code == 200:
        tenant.access_token = answer.json()["access_token"]  # the company the user joined first: the load test's
    return answer


async def shipment_update(api: httpx.AsyncClient, tenant: Tenant, rng: random.Random, n: int) -> httpx.Response:
    shipment_id = rng.choice(tenant.shipment_ids)
    return await api.post(
        f"/api/shipments/{shipment_id}/transport-events",
        headers=tenant.auth,
        json={
            "description": f"Position report {n}",
            "occurred_at": datetime.now(UTC).isoformat(),
            "place": rng.choice(("DEHAM", "NLRTM", "CNSHA")),
            "code": "LT",
        },
    )


async def edi_burst(api: httpx.AsyncClient, tenant: Tenant, rng: random.Random, n: int) -> httpx.Response:
    control = f"LT{n:06d}{rng.randrange(16**6):06X}"
    body = status_report(control, tenant.shipment_references, datetime.now(UTC))
    answer = await api.post("/api/edi/inbound", headers={"X-Api-Key": tenant.edi_key}, content=body)
    if answer.status_code == 202:
        tenant.edi_sent.append(answer.json()["message_id"])
    return answer


async def declaration_edit(api: httpx.AsyncClient, tenant: Tenant, rng: random.Random, n: int) -> httpx.Response:
    path = f"/api/declarations/{tenant.declaration_id}"
    if rng.random() < 0.25:
        header = {"procedure_code": "40", "customs_office_code": "10702070", "reference": f"LT-EDIT-{n}"}
        return await api.put(f"{path}/header", headers=tenant.auth, json=header)
    item = rng.randrange(GOODS_ITEMS)
    return await api.put(
        f"{path}/items/i{item}", headers=tenant.auth, json=goods_item(item, quantity=rng.randint(1, 500))
    )


async def read(api: httpx.AsyncClient, tenant: Tenant, rng: random.Random, n: int) -> httpx.Response:
    shipment_id = rng.choice(tenant.shipment_ids)
    path = rng.choice(
        (
            "/api/shipments?limit=50",
            f"/api/shipments/{shipment_id}",
            f"/api/shipments/{shipment_id}/timeline",
            f"/api/declarations/{tenant.declaration_id}",
            "/api/declarations",
        )
    )
    return await api.get(path, headers=tenant.auth)


OPERATION_CALLS: dict[str, Operation] = {
    "login": login,
    "shipment_update": shipment_update,
    "edi_burst": edi_burst,
    "declaration_edit": declaration_edit,
    "read": read,
}


async def drive(
    api: httpx.AsyncClient,
    tenant: Tenant,
    schedule: Sequence[tuple[float, str]],
    rate: float,
    concurrency: int,
    seed: int,
) -> tuple[list[Sample], float]:
    """Start each operation when due (open loop), at most `concurrency` in flight; (samples, elapsed seconds).

    Elapsed: until the last answer, and at least the schedule's whole window (its last operation is due 1/rate
    before the end), so that throughput is answers per second of the run, never above the rate asked for."""
    slots = asyncio.Semaphore(concurrency)
    rng = random.Random(seed + 1)
    samples: list[Sample] = []
    started = time.perf_counter()

    async def one(n: int, due: float, operation: str) -> None:
        status: int | str
        async with slots:
            try:
                status = (await OPERATION_CALLS[operation](api, tenant, rng, n)).status_code
            except httpx.TimeoutException:
                status = TIMEOUT
            except httpx.TransportError:
                status = TRANSPORT_ERROR
            except (ValueError, KeyError, TypeError):  # a 2xx whose body is not what the route promises
                status = BAD_BODY
        samples.append(Sample(operation, status, (time.perf_counter() - started - due) * 1000))

    tasks: list[asyncio.Task[None]] = []
    for n, (due, operation) in enumerate(schedule):
        if (wait := due - (time.perf_counter() - started)) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(n, due, operation)))
    await asyncio.gather(*tasks)
    window = schedule[-1][0] + 1 / rate if schedule else 0.0
    return samples, max(time.perf_counter() - started, window)


async def edi_results(api: httpx.AsyncClient, tenant: Tenant, wait: float) -> dict[str, int]:
    """The EDI agent's results for the interchanges sent (the last 500), by status, waiting up to `wait` s for all."""
    if not tenant.edi_sent:
        return {}
    sent, deadline = set(tenant.edi_sent[-EDI_RESULTS_PAGE:]), time.monotonic() + wait
    while True:
        page = {"limit": EDI_RESULTS_PAGE}
        answer = await api.get("/api/edi/messages", params=page, headers={"X-Api-Key": tenant.edi_key})
        found = [m for m in answer.json() if m["message_id"] in sent] if answer.is_success else []
        if len(found) >= len(sent) or time.monotonic() > deadline:
            counts = Counter(str(m["status"]) for m in found)
            if (missing := len(sent) - len(found)) > 0:
                counts["not yet handled"] = missing
            return dict(counts)
        await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Options:
    url: str
    rate: float = 20.0
    duration: float = 30.0
    mix: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))
    seed: int = 1
    concurrency: int = 64
    shipments: int = 5
    timeout: float = 30.0
    edi_wait: float = 15.0


async def run(options: Options) -> Report:
    """Set up through the API, drive the schedule, read back the EDI results, and summarize."""
    schedule = plan(options.mix, options.rate, options.duration, options.seed)
    limits = httpx.Limits(max_connections=options.concurrency, max_keepalive_connections=options.concurrency)
    async with httpx.AsyncClient(base_url=options.url, timeout=options.timeout, limits=limits) as api:
        tenant = await set_up(api, options.shipments, f"{options.seed}-{secrets.token_hex(4)}")
        samples, elapsed = await drive(api, tenant, schedule, options.rate, options.concurrency, options.seed)
        handled = await edi_results(api, tenant, options.edi_wait)
    report = summarize(samples, elapsed, url=options.url, rate=options.rate, duration=options.duration, mix=options.mix)
    return replace(report, edi_results=handled)


def default_url() -> str:
    from wellwon.config import settings

    config = settings()
    return f"http://{config.api_host}:{config.api_port}"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--url", default=None, help="the API's base URL (default: the configured local API)")
    parser.add_argument("--rate", type=float, default=20.0, help="operations started per second (default 20)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument(
        "--mix", default=format_mix(DEFAULT_MIX), help=f"weights per operation (default {format_mix(DEFAULT_MIX)})"
    )
    parser.add_argument("--seed", type=int, default=1, help="the schedule's and the payloads' random seed")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at most (default 64)")
    parser.add_argument("--shipments", type=int, default=5, help="shipments set up (each EDI burst reports on all)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as a timeout")
    parser.add_argument("--json", action="store_true", help="also print the report as one JSON line")
    parser.add_argument(
        "--max-error-rate", type=float, default=None, help="exit 1 if the total error rate (0..1) is above this"
    )


def main(args: Any) -> None:
    """The `wellwon loadtest` command."""
    try:
        mix = parse_mix(args.mix)
    except ValueError as problem:
        raise SystemExit(f"--mix: {problem}") from None
    if args.rate <= 0 or args.duration <= 0 or args.concurrency < 1 or args.shipments < 1:
        raise SystemExit("--rate, --duration, --concurrency and --shipments must be positive")
    url = (args.url or default_url()).rstrip("/")
    options = Options(url, args.rate, args.duration, mix, args.seed, args.concurrency, args.shipments, args.timeout)
    try:
        report = asyncio.run(run(options))
    except SetupFailed as failed:
        raise SystemExit(f"set-up failed: {failed}") from None
    except httpx.TransportError as failed:
        raise SystemExit(f"cannot reach {url}: {failed!r}") from None
    print(format_report(report))
    if args.json:
        print(json.dumps(report.json(), ensure_ascii=False))
    sys.stdout.flush()
    if args.max_error_rate is not None and report.total.error_rate > args.max_error_rate:
        print(
            f"error rate {report.total.error_rate:.4f} is above --max-error-rate {args.max_error_rate}",
            file=sys.stderr,
        )
        raise SystemExit(1)
