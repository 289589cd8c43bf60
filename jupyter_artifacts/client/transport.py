"""How a `Call` becomes a reply: retries, error mapping and jobs, written once.

`exchange` is a generator that yields what it needs done (send this request, sleep this
long) and receives the outcome; `run_sync` and `run_async` do those things with httpx's
sync or async client. The rules therefore live in one place for both clients:

- a write's Idempotency-Key is set once per call and re-sent on every retry, so a retry
  after a lost reply returns the first reply instead of writing twice;
- 503 (honouring Retry-After), connection errors and timeouts are retried with exponential
  backoff and jitter, a bounded number of times; no other status is retried;
- an error reply raises the exception of its `reason` (errors.py);
- a call that may run as a job (an executed cell append) asks for `Prefer: respond-async`
  and, on 202, polls the job until it is done, then returns its result as the synchronous
  call would have, or raises its error."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter

from ..models.jobs import Job, JobAccepted
from ..models.notebooks import Appended
from ..models.replays import Replay, ReplayAccepted
from .calls import TEXT, Call
from .errors import ArtifactsAPIError, JobFailed, JobTimeout, error_for
from .refs import wrap_refs


@dataclass(frozen=True)
class Retry:
    """When to try a call again: at most `attempts` tries in all (1 = never retry), waiting
    `backoff` seconds after the first failure and twice as long after each next one (with
    jitter), at most `max_wait`; a 503's Retry-After is waited at least (up to `max_wait`)."""

    attempts: int = 5
    backoff: float = 0.5
    max_wait: float = 30.0

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        base = min(self.backoff * 2 ** (failures - 1), self.max_wait)
        wait = random.uniform(base / 2, base)  # jitter: clients that failed together retry apart
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_wait)


@dataclass(frozen=True)
class Sleep:
    seconds: float


# What `exchange` yields: a request to send (answered with the response, or the
# httpx.TransportError it raised) or a Sleep (answered with None).
Step = httpx.Request | Sleep


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: rare from this server; fall back to backoff
        return None


def with_retries(request: httpx.Request, retry: Retry) -> Generator[Step, Any, httpx.Response]:
    """Send `request` until it gets a reply that is not a 503, or the attempts are spent."""
    for attempt in range(1, max(1, retry.attempts) + 1):
        outcome = yield request
        last = attempt >= retry.attempts
        if isinstance(outcome, httpx.TransportError):  # refused, reset, timed out: maybe never arrived
            if last:
                raise outcome
            yield Sleep(retry.delay(attempt))
            continue
        if outcome.status_code == 503 and not last:
            yield Sleep(retry.delay(attempt, retry_after(outcome)))
            continue
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def raise_for(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise error_for(response.status_code, _json(response), response.text)


@lru_cache(maxsize=256)
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


@lru_cache(maxsize=256)
def _renames(model: type[BaseModel]) -> dict[str, str]:
    return {f.serialization_alias: name for name, f in model.model_fields.items()
            if f.serialization_alias and f.serialization_alias != name and not f.validation_alias and not f.alias}


def _by_name(model: type[BaseModel], data: Any) -> Any:
    """A reply's keys as the model reads them: fields the server writes under another name
    (`from` for `from_`) are read back under their own."""
    renames = _renames(model)
    if renames and isinstance(data, dict):
        return {renames.get(k, k): v for k, v in data.items()}
    return data


def parse(kind: Any, data: Any) -> Any:
    """A reply's JSON as `kind` (a pydantic model or any type pydantic reads; None: as is)."""
    if kind is None:
        return data
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return wrap_refs(kind.model_validate(_by_name(kind, data)))
    return wrap_refs(_adapter(kind).validate_python(data))


class JobState(Job):
    # The error as the server sent it, whatever it carries beside message and reason
    # (a stale parent's current_ref, say), for the exception to carry too.
    error: dict[str, Any] | None = None


def job_error(job: JobState) -> ArtifactsAPIError:
    """The exception the synchronous call would have raised, for a failed job."""
    error = job.error or {"message": "The job failed.", "reason": "error"}
    err = error_for(job.http_status or 500, error)
    if type(err) is ArtifactsAPIError:
        return JobFailed(err.status, err.reason, err.message, job.model_dump(mode="json"))
    return err


# What a job's `result` is, by its kind (for `wait_job` without a reply type).
JOB_REPLIES: dict[str, Any] = {"append_cell": Appended}


def poll(build: Callable[[Call], httpx.Request], job_id: str, retry: Retry) -> Generator[Step, Any, JobState]:
    reply = yield from with_retries(build(Call("GET", f"api/jupyter_artifacts/jobs/{job_id}")), retry)
    raise_for(reply)
    return JobState.model_validate(_json(reply))


def follow(build: Callable[[Call], httpx.Request], job: JobState, retry: Retry,
           job_timeout: float | None) -> Generator[Step, Any, JobState]:
    """Poll a running job (every 0.1 s at first, then less often, up to 2 s) until it ends."""
    deadline = None if job_timeout is None else time.monotonic() + job_timeout
    interval = 0.1
    while job.status == "running":
        if deadline is not None and time.monotonic() > deadline:
            raise JobTimeout(504, "job_timeout", f"Job {job.job_id} is still running; get_job() or wait_job() "
                             "it later.", job.model_dump(mode="json"))
        yield Sleep(interval)
        interval = min(interval * 1.5, 2.0)
        job = yield from poll(build, job.job_id, retry)
    return job


def follow_replay(build: Callable[[Call], httpx.Request], replay_id: str, retry: Retry, wait_s: float | None,
                  job_timeout: float | None) -> Generator[Step, Any, Replay]:
    """Poll a replay (every 0.2 s at first, then up to every 2 s) until it finished, or until
    `wait_s` (else `job_timeout`) passed: then the replay as it stands (`running`)."""
    limit = wait_s if wait_s is not None else job_timeout
    deadline = None if limit is None else time.monotonic() + limit
    interval = 0.2
    while True:
        reply = yield from with_retries(build(Call("GET", f"api/replays/{replay_id}")), retry)
        raise_for(reply)
        replay = parse(Replay, _json(reply))
        if replay.status != "running" or (deadline is not None and time.monotonic() >= deadline):
            return replay
        wait = interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic()))
        yield Sleep(wait)
        interval = min(interval * 1.5, 2.0)


def exchange(build: Callable[[Call], httpx.Request], call: Call, retry: Retry,
             job_timeout: float | None) -> Generator[Step, Any, Any]:
    """The whole of one call: send (retrying), map errors, follow a job, parse the reply."""
    response = yield from with_retries(build(call), retry)
    raise_for(response)
    if call.replay:
        accepted = ReplayAccepted.model_validate(_json(response))
        if not call.wait:
            return accepted
        return (yield from follow_replay(build, accepted.replay_id, retry, call.wait_s, job_timeout))
    if call.job and response.status_code == 202:  # the call runs as a job
        accepted = JobAccepted.model_validate(_json(response))
        if not call.wait:
            return accepted
        job = yield from poll(build, accepted.job_id, retry)
    elif call.job and call.method == "GET":  # wait_job: the reply is the job
        job = JobState.model_validate(_json(response))
    elif call.reply == TEXT:
        return response.text
    else:
        return parse(call.reply, _json(response))
    job = yield from follow(build, job, retry, job_timeout)
    if job.status == "failed":
        raise job_error(job)
    return parse(call.reply or JOB_REPLIES.get(job.kind), job.result)


@dataclass(frozen=True)
class Done:
    value: Any


def advance(steps: Generator[Step, Any, Any], outcome: Any) -> Step | Done:
    try:
        return steps.send(outcome)
    except StopIteration as done:
        return Done(done.value)


def run_sync(http: httpx.Client, steps: Generator[Step, Any, Any]) -> Any:
    outcome: Any = None
    while not isinstance(step := advance(steps, outcome), Done):
        try:
            outcome = time.sleep(step.seconds) if isinstance(step, Sleep) else http.send(step)
        except httpx.TransportError as e:
            outcome = e
    return step.value


async def run_async(http: httpx.AsyncClient, steps: Generator[Step, Any, Any]) -> Any:
    import anyio

    outcome: Any = None
    while not isinstance(step := advance(steps, outcome), Done):
        try:
            outcome = await (anyio.sleep(step.seconds) if isinstance(step, Sleep) else http.send(step))
        except httpx.TransportError as e:
            outcome = e
    return step.value
