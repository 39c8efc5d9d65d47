"""Helpers for tests: a live server in a thread, SDK clients that keep raw responses, and the
check of response shapes against Plivo's own SDK fixtures."""

import asyncio
import hashlib
import itertools
import json
import os
import random
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import requests
import uvicorn

from switchboard.accounts.service import create_main_account
from switchboard.app import create_app
from switchboard.cli import HTTP_SERVER_OPTIONS
from switchboard.config import Settings
from switchboard.plivo_sdk import plivo_client
from switchboard.pricing.table import ENV_VAR, rate_table

T = TypeVar("T")
FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "plivo-sdk-fixtures"


@dataclass(frozen=True)
class MainAccount:
    auth_id: str
    auth_token: str


def _worker_ports() -> Iterator[int]:
    """Ports below the kernel's ephemeral range (32768-60999 on Linux), a block of its own for each
    pytest-xdist worker: a port handed out here cannot be taken meanwhile by another worker's
    ``free_port`` or by any socket bound to port 0 (the servers' RTP sockets, HTTP clients). The
    blocks of one run start at an offset of their own and each worker walks its block in an order
    of its own, so that two runs at once (two checkouts on one machine) seldom meet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    offset = int(hashlib.sha256(run.encode()).hexdigest(), 16) % PORT_BLOCKS
    first = PORT_BASE + (index + offset) % PORT_BLOCKS * PORT_BLOCK
    ports = list(range(first, first + PORT_BLOCK, PORT_STEP))
    random.Random(f"{run}-{index}").shuffle(ports)
    return itertools.cycle(ports)


PORT_BASE, PORT_BLOCK, PORT_BLOCKS, PORT_STEP = 12000, 1600, 12, 4
_ports = _worker_ports()
_ports_lock = threading.Lock()


def use_rate_table(path: str | None) -> None:
    """Point this process's rate table at the file ``path`` (None: the shipped table) and read it again."""
    if path is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = path
    rate_table.cache_clear()


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (SIP peers listen on both), from this
    worker's block of ports. It is a multiple of four whose next port is free too, and the three
    after it are never handed out: a media port is a pair (RTP and RTCP on the next port), and a
    peer such as sipp puts video on the pair above it."""
    with _ports_lock:
        for port in _ports:
            if _bindable(port) and _bindable(port + 1):
                return port
    raise AssertionError("unreachable: the port cycle is endless")


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


class _Server(uvicorn.Server):
    loop: asyncio.AbstractEventLoop

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets)


class LiveServer:
    """Switchboard serving HTTP on loopback from a background thread, as ``switchboard serve`` would."""

    def __init__(self, database_url: str, data_dir: Path, **settings: Any):
        self.port = free_port()
        # Tests share one client address; a high failure limit keeps tests that check 401s from
        # throttling each other. tests/accounts/test_auth.py checks the default limit on its own server.
        settings.setdefault("auth_failure_limit", 10_000)
        self.settings = Settings(port=self.port, data_dir=data_dir, database_url=database_url, **settings)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", **HTTP_SERVER_OPTIONS)
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"switchboard-{self.port}", daemon=True)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        for _ in range(600):
            if self._server.started:
                return
            if not self._thread.is_alive():
                raise RuntimeError("the test server stopped during start-up")
            threading.Event().wait(0.05)
        raise RuntimeError("the test server did not start in 30 s")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def call(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``function(app, *args)`` on the server's event loop and return its result."""
        future = asyncio.run_coroutine_threadsafe(function(self.app, *args), self._server.loop)
        return future.result(timeout=30)

    def new_main_account(self) -> MainAccount:
        async def create(app: Any) -> MainAccount:
            async with app.state.db.session() as session:
                account = await create_main_account(session, app.state.clock, name="Test account")
            return MainAccount(account.auth_id, account.auth_token)

        return self.call(create)

    def http(self, account: MainAccount | None = None) -> httpx.Client:
        auth = (account.auth_id, account.auth_token) if account else None
        return httpx.Client(base_url=self.base_url, auth=auth, timeout=10)


class RecordingClient:
    """A plivo.RestClient that remembers the status and JSON body of every response it gets."""

    def __init__(self, base_url: str, auth_id: str, auth_token: str):
        self.sdk = plivo_client(base_url, auth_id, auth_token)
        self.responses: list[requests.Response] = []
        self.sdk.session.hooks["response"].append(self.keep_screenshot)

    def keep_screenshot(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.responses.append(response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sdk, name)

    @property
    def last_status(self) -> int:
        return self.responses[-1].status_code

    def last_json(self) -> dict[str, Any]:
        return self.responses[-1].json()


def fixture(name: str) -> Any:
    path = FIXTURES / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"Plivo SDK fixture {path} is missing: the shared/ reference must sit beside the repo")
    return json.loads(path.read_text())


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def shape_problems(actual: Any, expected: Any, path: str = "$", extra: frozenset[str] = frozenset()) -> list[str]:
    """Where ``actual`` differs from ``expected`` in keys or JSON types (values are not compared;
    a null on either side matches any type, as the fixtures use null for unset fields)."""
    if actual is None or expected is None:
        return []
    if _json_type(actual) != _json_type(expected):
        return [f"{path}: {_json_type(actual)} where Plivo has {_json_type(expected)}"]
    problems: list[str] = []
    if isinstance(expected, dict):
        missing = sorted(set(expected) - set(actual))
        unexpected = sorted(set(actual) - set(expected) - extra)
        problems += [f"{path}.{key}: missing" for key in missing]
        problems += [f"{path}.{key}: not in Plivo's response" for key in unexpected]
        for key in set(expected) & set(actual):
            problems += shape_problems(actual[key], expected[key], f"{path}.{key}", extra)
    elif isinstance(expected, list) and expected and actual:
        for index, item in enumerate(actual):
            problems += shape_problems(item, expected[0], f"{path}[{index}]", extra)
    return problems


def _go_problems(value: Any, go: Any, path: str) -> list[str]:
    """Where ``value`` would not decode into a Go field of type ``go`` (notation of tests/go_sdk_types.py)."""
    if isinstance(go, dict):
        return [f"{path}: {_json_type(value)} where Go has a struct"] if not isinstance(value, dict) else []
    if isinstance(go, list):
        if not isinstance(value, list):
            return [f"{path}: {_json_type(value)} where Go has a slice"]
        return [problem for index, item in enumerate(value) for problem in _go_problems(item, go[0], f"{path}[{index}]")]
    scalar = go.lstrip("*")
    fits = {"string": isinstance(value, str), "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, (int, float)) and not isinstance(value, bool)}[scalar]
    return [] if fits else [f"{path}: {_json_type(value)} {value!r} where Go has {go}"]


def field_problems(actual: dict[str, Any], fixture_object: dict[str, Any], go: dict[str, Any],
                   extra: dict[str, Any], unserved: frozenset[str], nulls: frozenset[str], path: str = "") -> list[str]:
    """Where one object differs from Plivo's: a key of the fixture, of the Go struct or of ``extra``
    (dotted path -> Go type) missing (unless ``unserved``), a key that none of them has, or a value
    whose JSON type the Go struct (else the fixture, else ``extra``) does not take. A null passes
    where Go has a pointer, where the fixture shows null, or where ``nulls`` names the path (Plivo
    documents null there). Nested structs and slices of structs are checked the same way."""
    prefix = f"{path}." if path else ""
    extras = {name[len(prefix):]: kind for name, kind in extra.items()
              if name.startswith(prefix) and "." not in name[len(prefix):]}
    expected = set(fixture_object) | set(go) | set(extras)
    problems = [f"{prefix}{key}: missing" for key in sorted(expected - set(actual)) if prefix + key not in unserved]
    problems += [f"{prefix}{key}: not in Plivo's fixture, the Go struct or the declared extras"
                 for key in sorted(set(actual) - expected)]
    for key, value in actual.items():
        name = prefix + key
        kind = go.get(key, extras.get(key))
        sample = fixture_object.get(key)
        if value is None:
            documented = (key in fixture_object and sample is None) or name in nulls
            if not documented and not (isinstance(kind, str) and kind.startswith("*")):
                problems.append(f"{name}: null where Go has {kind} and Plivo documents no null")
            continue
        if kind is None:
            problems += shape_problems(value, sample, name) if key in fixture_object else []
            continue
        problems += _go_problems(value, kind, name)
        nested_sample = sample if isinstance(sample, dict) else {}
        if isinstance(kind, dict) and isinstance(value, dict):
            problems += field_problems(value, nested_sample, kind, extra, unserved, nulls, name)
        if isinstance(kind, list) and isinstance(kind[0], dict) and isinstance(value, list):
            item_sample = sample[0] if isinstance(sample, list) and sample and isinstance(sample[0], dict) else {}
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems += [p.replace(f"{name}.", f"{name}[{index}].", 1)
                                 for p in field_problems(item, item_sample, kind[0], extra, unserved, nulls, name)]
    return problems


def assert_plivo_shape(actual: Any, fixture_name: str, extra: tuple[str, ...] | dict[str, Any] = (), *,
                       go: dict[str, Any] | None = None, unserved: tuple[str, ...] = (),
                       nulls: tuple[str, ...] = ()) -> None:
    """``actual`` has exactly the keys and JSON types of Plivo's fixture (plus ``extra`` keys).

    With ``go`` (a struct of tests/go_sdk_types.py) the check is the field sweep's: every key of
    the fixture and of the Go struct is served (but the ``unserved`` ones, dotted paths), no other
    key but ``extra`` ones ({dotted path: Go type}), and every value has the JSON type the Go
    struct decodes (null only where Go has a pointer, the fixture shows null, or ``nulls`` says
    Plivo documents it)."""
    if go is None:
        problems = shape_problems(actual, fixture(fixture_name), extra=frozenset(extra))
    else:
        sample = fixture(fixture_name)
        sample = sample["objects"][0] if "objects" in sample and "objects" not in go else sample
        extras = extra if isinstance(extra, dict) else {name: None for name in extra}
        problems = field_problems(actual, sample, go, extras, frozenset(unserved), frozenset(nulls))
    assert not problems, f"response differs from {fixture_name}: " + "; ".join(problems)
