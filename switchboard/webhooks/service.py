"""The webhook service: every HTTP request Switchboard makes to a customer application.

Two ways to call a customer URL:

* :meth:`Webhooks.fetch` — a *synchronous fetch* that a call waits on (answer URL, action URLs):
  tries the URL (with its retries), then the fallback URL, and returns what came back.
* :meth:`Webhooks.notify` — an *event notification* (hangup, status, recording …): stored in
  the outbox before it returns, then delivered at least once, retried with backoff, and
  delivered again after a restart if the node died first.

Each HTTP request is signed (V2, V3 and the main-account variants) and recorded in the debug log.
"""

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.accounts.auth import AccountRecord, CredentialCache
from switchboard.core.clock import Clock
from switchboard.core.ids import new_uuid
from switchboard.webhooks.config import WebhookConfig
from switchboard.webhooks.enqueue import notification_row
from switchboard.webhooks.journal import Journal
from switchboard.webhooks.models import WebhookAttempt
from switchboard.webhooks.outbox import Job, Leased, Outbox
from switchboard.webhooks.signing import signature_headers
from switchboard.webhooks.transport import Attempt, Failure, HostBusy, Transport, encode_form
from switchboard.webhooks.urls import InvalidUrl, RetryPolicy, Target, host_key, normalize_params, request_url, target
from switchboard.webhooks.validation import BodyCheck, expect_plivo_xml

log = logging.getLogger("switchboard.webhooks")
ID_HEADER = "X-Switchboard-Webhook-Id"
ATTEMPT_HEADER = "X-Switchboard-Webhook-Attempt"


@dataclass
class FetchResult:
    """What a synchronous fetch produced. ``ok`` means a 2xx whose body passed the check;
    ``body`` is then the document. On failure ``failure``/``error`` say why, and
    :attr:`invalid_document` tells a bad document (Plivo's 8011 family) from no usable response
    (7011 family). ``fallback_used`` is set when the result is the fallback URL's."""

    ok: bool
    url: str
    method: str
    request_id: str
    status: int | None
    body: bytes
    content_type: str
    failure: Failure | None
    error: str
    attempts: int
    fallback_used: bool = False
    primary_error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def invalid_document(self) -> bool:
        return self.failure in (Failure.INVALID_BODY, Failure.TOO_LARGE)


class Webhooks:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        credentials: CredentialCache,
        config: WebhookConfig = WebhookConfig(),
        *,
        single_node: bool = False,
        verify: ssl.SSLContext | bool | None = None,
    ):
        self.config = config
        self._clock = clock
        self._credentials = credentials
        self._sessionmaker = sessionmaker
        if verify is None:
            verify = ssl.create_default_context(cafile=config.ca_file) if config.ca_file else True
        self.transport = Transport(verify=verify, host_limit=config.fetch_host_limit,
                                   host_total_limit=config.fetch_host_total_limit)
        self.journal = Journal(sessionmaker)
        self.outbox = Outbox(
            sessionmaker,
            clock,
            self._deliver,
            node_id=new_uuid(),
            single_node=single_node,
            host_limit=config.host_limit,
            host_total_limit=config.host_total_limit,
            max_backlog=config.max_backlog,
            host_backlog=config.host_backlog,
            lease_seconds=config.lease_seconds,
            poll_seconds=config.poll_seconds,
        )
        self._notify_policy = RetryPolicy(retries=config.notify_retries)
        self._prune_task: asyncio.Task[None] | None = None
        self._lookups: dict[str, asyncio.Future[AccountRecord | None]] = {}
        self._stopped = False

    async def start(self) -> None:
        self.journal.start()
        await self.outbox.start()
        self._prune_task = asyncio.create_task(self._prune_loop(), name="webhooks-prune")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop: deliveries in flight get ``grace`` seconds; unfinished ones stay in the outbox."""
        if self._stopped:
            return
        self._stopped = True
        if self._prune_task is not None:
            self._prune_task.cancel()
            await asyncio.gather(self._prune_task, return_exceptions=True)
        await self.outbox.stop(grace)
        await self.journal.flush()
        await self.outbox.release_all()
        await self.journal.stop()
        await self.transport.aclose()

    async def flush(self) -> None:
        """Wait until every log entry and delivery outcome so far is in the database."""
        await self.journal.flush()

    # --- public interface ----------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        *,
        account: str,
        method: str = "POST",
        fallback_url: str | None = None,
        fallback_method: str = "POST",
        base_url: str | None = None,
        check: BodyCheck | None = expect_plivo_xml,
        event: str = "",
        unlogged: frozenset[str] = frozenset(),
    ) -> FetchResult:
        """Request ``url`` and wait for its document. ``account`` is the auth_id of the (sub)account
        that owns the call; ``base_url`` resolves a relative ``url``; ``check`` judges the body
        (``None``: any 2xx will do). When the URL fails — unreachable, non-2xx, or a body the
        check refuses — ``fallback_url`` is fetched with the same parameters. Parameters named in
        ``unlogged`` are sent but left out of the debug log (GetDigits/GetInput ``log="false"``)."""
        owner = await self._account(account)
        request_id = new_uuid()
        payload = normalize_params(params)
        logged = {key: value for key, value in payload.items() if key not in unlogged}
        result = await self._fetch_one(owner, request_id, url, method, base_url, payload, check, event, logged)
        if not result.ok and fallback_url:
            first_error = result.error
            result = await self._fetch_one(owner, request_id, fallback_url, fallback_method, base_url, payload, check,
                                           event, logged)
            result.fallback_used, result.primary_error = True, first_error
        return result

    async def notify(
        self,
        url: str | None,
        params: Mapping[str, Any] | None,
        *,
        account: str,
        method: str = "POST",
        base_url: str | None = None,
        event: str = "",
    ) -> str | None:
        """Queue an event notification and return its id (sent as ``X-Switchboard-Webhook-Id``,
        the same on every attempt). It is in the database when this returns. An empty ``url``
        sends nothing and returns ``None``; an unusable one is logged as a failed attempt."""
        if not url:
            return None
        return (await self.notify_many([(url, params)], account=account, method=method, base_url=base_url, event=event))[0]

    async def notify_many(
        self,
        items: list[tuple[str, Mapping[str, Any] | None]],
        *,
        account: str,
        method: str = "POST",
        base_url: str | None = None,
        event: str = "",
    ) -> list[str]:
        """:meth:`notify` for several ``(url, params)`` at once, stored in one transaction."""
        owner = await self._account(account)
        now = self._clock.now()
        event = event[:64]
        rows, payloads, ids = [], [], []
        for url, params in items:
            notification_id = new_uuid()
            ids.append(notification_id)
            payload = normalize_params(params)
            try:
                found = target(url, method, base_url=base_url)
            except InvalidUrl as exc:
                self._log(owner, "notify", event, notification_id, 1, url, method.upper(), payload,
                          Attempt(url=url, method=method.upper(), started=now).fail(Failure.INVALID_URL, str(exc)), "failed")
                continue
            row = notification_row(account_id=owner.main_auth_id, owner_auth_id=owner.auth_id, url=_with_fragment(found, url),
                                   method=found.method, params=payload, event=event, now=now)
            row["notification_id"] = notification_id
            rows.append(row)
            payloads.append(payload)
        leased = self.outbox.take(rows, payloads)
        if rows:
            await self.journal.insert_notifications(rows)
        self.outbox.hand_over(leased)
        return ids

    def wake(self) -> None:
        """Rows were committed with :func:`enqueue`: claim and deliver them now (not at the next poll)."""
        self.outbox.wake()

    def lease(self, rows: Sequence[dict[str, Any]]) -> Leased:
        """Rows about to go into the caller's transaction with :func:`enqueue`: where their host has
        room, this node leases them and, after the commit, :meth:`hand_over` delivers them from
        memory (no poll, no claim); rows without room wait for the poller."""
        return self.outbox.take(rows)

    def hand_over(self, leased: Leased) -> None:
        """The rows of :meth:`lease` are committed: deliver them."""
        self.outbox.hand_over(leased)

    def record_problem(self, *, account_id: str, owner_auth_id: str, kind: str, event: str, request_id: str | None,
                       url: str, method: str, params: Mapping[str, Any] | None, error: str) -> None:
        """A failed entry in the debug log for a problem found after a request (the voice engine's
        invalid XML: ``kind="xml"``); written with the next batch, not waited for."""
        attempt = Attempt(url=url, method=method, started=self._clock.now()).fail(Failure.INVALID_BODY, error)
        self._record(account_id, owner_auth_id, kind, event, request_id or new_uuid(), 1, url, method or "",
                     normalize_params(params), attempt, "failed")

    async def signing_token(self, auth_id: str) -> str:
        """The auth token requests on behalf of ``auth_id`` are signed with (an audio stream's
        WebSocket upgrade is signed like a webhook)."""
        return (await self._account(auth_id)).auth_token

    # --- internals -------------------------------------------------------------------------

    async def _lookup(self, auth_id: str) -> AccountRecord | None:
        """The account, from the credential cache; concurrent look-ups of one account share one
        database read (a burst of notifications must not become a burst of queries)."""
        cached = self._credentials.peek(auth_id)
        if cached is not None:
            return cached
        pending = self._lookups.get(auth_id)
        if pending is None:
            pending = self._lookups[auth_id] = asyncio.ensure_future(self._credentials.get(auth_id))
            pending.add_done_callback(lambda _done: self._lookups.pop(auth_id, None))
        return await asyncio.shield(pending)

    async def _account(self, auth_id: str) -> AccountRecord:
        record = await self._lookup(auth_id)
        if record is None:
            raise ValueError(f"webhooks: no account {auth_id}")
        return record

    async def _tokens(self, owner: AccountRecord) -> tuple[str, str]:
        if owner.is_main:
            return owner.auth_token, owner.auth_token
        main = await self._lookup(owner.main_auth_id)
        return owner.auth_token, main.auth_token if main else owner.auth_token

    async def _send(self, owner: AccountRecord, found: Target, payload: dict[str, list[str]], request_id: str,
                    attempt_no: int, *, cap: int, cap_is_error: bool, deadline: float | None) -> Attempt:
        url = request_url(found.url, found.method, payload)
        body = encode_form(payload) if found.method == "POST" else None
        token, main_token = await self._tokens(owner)
        headers = signature_headers(found.method, url, payload if found.method == "POST" else {}, token, main_token)
        headers[ID_HEADER] = request_id
        headers[ATTEMPT_HEADER] = str(attempt_no)
        return await self.transport.send(found.method, url, body, headers, found.policy, started=self._clock.now(),
                                          cap=cap, cap_is_error=cap_is_error, deadline=deadline)

    async def _fetch_one(self, owner: AccountRecord, request_id: str, url: str, method: str, base_url: str | None,
                         payload: dict[str, list[str]], check: BodyCheck | None, event: str,
                         logged: dict[str, list[str]]) -> FetchResult:
        try:
            found = target(url, method, base_url=base_url)
        except InvalidUrl as exc:
            failed = Attempt(url=url, method=method.upper(), started=self._clock.now()).fail(Failure.INVALID_URL, str(exc))
            self._log(owner, "fetch", event, request_id, 1, url, method.upper(), logged, failed, "failed")
            return _result(failed, request_id, 1)
        deadline = time.monotonic() + found.policy.total_ms / 1000
        tries = 1 + found.policy.retries
        started, begin = self._clock.now(), time.monotonic()
        try:
            async with self.transport.host_slot(host_key(found.url), owner.auth_id, deadline):
                for number in range(1, tries + 1):
                    attempt = await self._send(owner, found, payload, request_id, number, cap=self.config.fetch_max_bytes,
                                               cap_is_error=True, deadline=deadline)
                    if attempt.ok and check is not None:
                        problem = check(attempt.body, attempt.content_type)
                        if problem:
                            attempt.fail(Failure.INVALID_BODY, problem)
                    retry = (not attempt.ok and number < tries and found.policy.retries_on(attempt.failure.value)
                             and deadline - time.monotonic() > self.config.fetch_retry_pause_seconds)
                    outcome = "success" if attempt.ok else "retrying" if retry else "failed"
                    self._log(owner, "fetch", event, request_id, number, found.url, found.method, logged, attempt, outcome)
                    if not retry:
                        break
                    await asyncio.sleep(self.config.fetch_retry_pause_seconds)
        except HostBusy as busy:  # the call's own time limit ran out before the request could start
            number = 1
            attempt = Attempt(url=found.url, method=found.method, started=started).fail(Failure.CONNECT, f"not sent: {busy}")
            attempt.latency_ms = (time.monotonic() - begin) * 1000
            self._log(owner, "fetch", event, request_id, number, found.url, found.method, logged, attempt, "failed")
        return _result(attempt, request_id, number)

    async def _deliver(self, job: Job) -> None:
        """One attempt at a notification (the outbox calls this); the outcome goes to the journal."""
        number = job.attempts + 1
        owner = await self._lookup(job.owner_auth_id)
        try:
            found = target(job.url, job.method, default=self._notify_policy)
        except InvalidUrl as exc:  # rows stored by other code paths are not checked by notify()
            found = Target(job.url.partition("#")[0][:2048], job.method, RetryPolicy(retries=0))
            attempt = Attempt(url=found.url, method=job.method, started=self._clock.now()).fail(Failure.INVALID_URL, str(exc))
            self._log_job(job, number, found, attempt, "failed")
            self.journal.delivered(job.notification_id)
            return
        if owner is None:
            attempt = Attempt(url=found.url, method=found.method, started=self._clock.now())
            attempt.fail(Failure.NO_ACCOUNT, f"account {job.owner_auth_id} no longer exists")
        else:
            attempt = await self._send(owner, found, job.params, job.notification_id, number,
                                       cap=self.config.notify_read_bytes, cap_is_error=False, deadline=None)
        retry = not attempt.ok and attempt.failure is not None and found.policy.retries_on(attempt.failure.value) \
            and number <= found.policy.retries
        outcome = "success" if attempt.ok else "retrying" if retry else "failed"
        self._log_job(job, number, found, attempt, outcome)
        if retry:
            delay = min(self.config.retry_base_seconds * 2 ** (number - 1), self.config.retry_max_seconds)
            delay *= random.uniform(0.9, 1.1)
            self.journal.reschedule(job.notification_id, number, self._clock.now() + timedelta(seconds=delay), attempt.error)
        else:
            self.journal.delivered(job.notification_id)

    def _log_job(self, job: Job, number: int, found: Target, attempt: Attempt, outcome: str) -> None:
        self._record(job.account_id, job.owner_auth_id, "notify", job.event, job.notification_id, number,
                     found.url, found.method, job.params, attempt, outcome)

    def _log(self, owner: AccountRecord, kind: str, event: str, request_id: str, number: int, url: str, method: str,
             payload: dict[str, list[str]], attempt: Attempt, outcome: str) -> None:
        self._record(owner.main_auth_id, owner.auth_id, kind, event, request_id, number, url, method, payload, attempt, outcome)

    def _record(self, account_id: str, owner_auth_id: str, kind: str, event: str, request_id: str, number: int,
                url: str, method: str, payload: dict[str, list[str]], attempt: Attempt, outcome: str) -> None:
        if not attempt.ok:
            log.info("webhook %s %s %s attempt %d: %s", kind, method, url, number, attempt.error)
        self.journal.record_attempt({
            "created": attempt.started, "account_id": account_id, "owner_auth_id": owner_auth_id, "kind": kind,
            "event": event[:64], "request_id": request_id, "attempt": number, "url": url[:2048], "method": method,
            "params": orjson.dumps(payload).decode(), "status_code": attempt.status,
            "latency_ms": round(attempt.latency_ms, 3), "response_snippet": attempt.snippet(self.config.snippet_bytes),
            "outcome": outcome, "error": attempt.error, "resource_id": resource_of(payload),
        })

    async def prune(self) -> int:
        """Delete debug-log entries older than the retention; returns how many went."""
        cutoff = self._clock.now() - timedelta(hours=self.config.log_retention_hours)
        async with self._sessionmaker() as session:
            result = await session.execute(delete(WebhookAttempt).where(WebhookAttempt.created < cutoff))
            await session.commit()
        return int(result.rowcount or 0)

    async def _prune_loop(self) -> None:
        while True:
            try:
                removed = await self.prune()
                if removed:
                    log.info("pruned %d webhook log entries", removed)
            except Exception as exc:
                log.warning("webhook log pruning failed: %s", exc)
            await asyncio.sleep(self.config.prune_interval_seconds)


RESOURCE_KEYS = ("CallUUID", "MessageUUID", "call_uuid", "message_uuid")


def resource_of(payload: Mapping[str, list[str]]) -> str:
    """The call or message a request was made for, by the first of its parameters that names one."""
    for key in RESOURCE_KEYS:
        values = payload.get(key)
        if values and values[0]:
            return values[0][:36]
    return ""


def _with_fragment(found: Target, original: str) -> str:
    """The resolved URL with the customer's fragment kept (the outbox re-reads the policy from it)."""
    fragment = original.partition("#")[2]
    return f"{found.url}#{fragment}" if fragment else found.url


def _result(attempt: Attempt, request_id: str, attempts: int) -> FetchResult:
    return FetchResult(
        ok=attempt.ok, url=attempt.url, method=attempt.method, request_id=request_id, status=attempt.status,
        body=attempt.body if attempt.ok else b"", content_type=attempt.content_type, failure=attempt.failure,
        error=attempt.error, attempts=attempts,
    )
