"""Queries of the work queue (``work_jobs``) and of the nodes' heartbeats (``nodes``).

A job is one submission's text extraction + indexing. Its life:

    queued --claim--> running --finish--> done
                         |  \\--fail (attempts < max)--> queued again after a pause
                         |   \\-fail (attempts = max)--> failed (last_error kept, shown as a problem)
                         \\-- lease expired (node killed) --> claimed by another node

``claim`` takes the oldest job that is due, or a running one whose lease has expired,
with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL: nodes claiming at the same time
each get a different job and never wait for one another. On SQLite the write transaction
(``BEGIN IMMEDIATE``) serialises claims anyway. Times that decide between nodes (leases,
heartbeats) are read from the database's clock on PostgreSQL, so nodes with skewed clocks agree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Catalog
from .concurrency import insert_missing, is_postgresql
from .schema import JOB_STATES, nodes, submissions, work_jobs

#: The one kind of job so far: extract a submission's text (once per blob) and index it.
TEXT_INDEX = "text_index"
OPEN = ("queued", "running")


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    submission_id: int
    sha256: str
    type_name: str
    attempts: int  # including this one


def db_now(conn: Connection) -> float:
    """Seconds since the epoch: the database's clock on PostgreSQL, this host's on SQLite (one host)."""
    if is_postgresql(conn):
        return float(conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
    return time.time()


# --------------------------------------------------------------------------- jobs

def enqueue(catalog: Catalog, items: list[tuple[int, str]], at: str, *, kind: str = TEXT_INDEX) -> int:
    """Queue a job for each (submission id, sha256) that has no open (not done) job yet;
    how many were added. Idempotent: the partial unique index holds one open job per submission."""
    if not items:
        return 0
    added = 0
    with catalog.begin() as conn:
        now = db_now(conn)
        for submission_id, sha256 in items:
            added += insert_missing(conn, work_jobs, {
                "kind": kind, "submission_id": submission_id, "sha256": sha256, "state": "queued",
                "attempts": 0, "run_after": now, "created_at": at, "updated_at": at})
    return added


def claim(catalog: Catalog, node: str, *, lease_s: float, max_attempts: int, at: str, limit: int = 1) -> list[Job]:
    """Take up to ``limit`` due jobs for ``node``, holding them for ``lease_s`` seconds.

    A running job whose lease expired is taken over, unless it has had ``max_attempts``
    already (its node died on it each time): that one is marked failed instead."""
    taken: list[Job] = []
    with catalog.begin() as conn:
        now = db_now(conn)
        q = (sa.select(work_jobs.c.id, work_jobs.c.kind, work_jobs.c.submission_id, work_jobs.c.sha256,
                       work_jobs.c.state, work_jobs.c.attempts, work_jobs.c.node, submissions.c.type)
             .select_from(work_jobs.join(submissions, submissions.c.id == work_jobs.c.submission_id))
             .where(sa.or_(sa.and_(work_jobs.c.state == "queued", work_jobs.c.run_after <= now),
                           sa.and_(work_jobs.c.state == "running", work_jobs.c.lease_until < now)))
             .order_by(work_jobs.c.run_after, work_jobs.c.id).limit(limit))
        if is_postgresql(conn):
            q = q.with_for_update(of=work_jobs, skip_locked=True)
        for row in conn.execute(q).all():
            if row.state == "running" and row.attempts >= max_attempts:
                conn.execute(work_jobs.update().where(work_jobs.c.id == row.id).values(
                    state="failed", lease_until=None, updated_at=at,
                    last_error=f"node {row.node} berhenti di tengah pekerjaan (lease habis) "
                               f"pada {row.attempts} percobaan"))
                continue
            conn.execute(work_jobs.update().where(work_jobs.c.id == row.id).values(
                state="running", node=node, attempts=row.attempts + 1, lease_until=now + lease_s, updated_at=at))
            taken.append(Job(row.id, row.kind, row.submission_id, row.sha256, row.type or "", row.attempts + 1))
    return taken


def renew(catalog: Catalog, job_ids: list[int], node: str, *, lease_s: float) -> int:
    """Extend the lease of jobs ``node`` holds; how many are still this node's."""
    with catalog.begin() as conn:
        now = db_now(conn)
        r = conn.execute(work_jobs.update()
                         .where(work_jobs.c.id.in_(job_ids), work_jobs.c.node == node, work_jobs.c.state == "running")
                         .values(lease_until=now + lease_s))
        return int(r.rowcount)


def finish(catalog: Catalog, job_ids: list[int], node: str, at: str) -> int:
    """Mark jobs done (and count them for ``node``); how many were still this node's."""
    if not job_ids:
        return 0
    with catalog.begin() as conn:
        r = conn.execute(work_jobs.update()
                         .where(work_jobs.c.id.in_(job_ids), work_jobs.c.node == node, work_jobs.c.state == "running")
                         .values(state="done", lease_until=None, updated_at=at))
        n = int(r.rowcount)
        conn.execute(nodes.update().where(nodes.c.name == node).values(jobs_done=nodes.c.jobs_done + n))
        return n


def fail(catalog: Catalog, job: Job, node: str, error: str, *, max_attempts: int, retry_s: float,
         at: str) -> str | None:
    """Record a failed attempt: the job is queued again after ``retry_s`` or, at ``max_attempts``,
    marked failed for good. Returns the job's new state (None when another node holds it now)."""
    state = "failed" if job.attempts >= max_attempts else "queued"
    with catalog.begin() as conn:
        now = db_now(conn)
        r = conn.execute(work_jobs.update()
                         .where(work_jobs.c.id == job.id, work_jobs.c.node == node, work_jobs.c.state == "running")
                         .values(state=state, lease_until=None, run_after=now + retry_s, last_error=error[:4000],
                                 updated_at=at))
        if not r.rowcount:
            return None
        if state == "failed":
            conn.execute(nodes.update().where(nodes.c.name == node).values(jobs_failed=nodes.c.jobs_failed + 1))
        return state


def release(catalog: Catalog, job: Job, node: str, *, retry_s: float, at: str) -> None:
    """Give the job back without counting the attempt (the index was busy: not the job's fault)."""
    with catalog.begin() as conn:
        now = db_now(conn)
        conn.execute(work_jobs.update()
                     .where(work_jobs.c.id == job.id, work_jobs.c.node == node, work_jobs.c.state == "running")
                     .values(state="queued", lease_until=None, run_after=now + retry_s,
                             attempts=work_jobs.c.attempts - 1, updated_at=at))


def counts(catalog: Catalog) -> dict[str, int]:
    """Jobs per state (every state present, 0 when none)."""
    with catalog.read() as conn:
        got: dict[str, int] = {str(r[0]): int(r[1]) for r in conn.execute(
            sa.select(work_jobs.c.state, sa.func.count()).group_by(work_jobs.c.state))}
    return {s: int(got.get(s, 0)) for s in JOB_STATES}


def failed_jobs(catalog: Catalog, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest failed jobs with their file and reason (problems for `archiver status`)."""
    j = work_jobs.join(submissions, submissions.c.id == work_jobs.c.submission_id)
    q = (sa.select(work_jobs.c.id, work_jobs.c.kind, work_jobs.c.submission_id, work_jobs.c.sha256,
                   work_jobs.c.attempts, work_jobs.c.node, work_jobs.c.last_error, work_jobs.c.updated_at,
                   submissions.c.share, submissions.c.relpath)
         .select_from(j).where(work_jobs.c.state == "failed")
         .order_by(work_jobs.c.updated_at.desc(), work_jobs.c.id.desc()).limit(limit))
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def jobs_of(catalog: Catalog) -> list[dict[str, Any]]:
    """Every job, oldest first (for tests and tools)."""
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(work_jobs).order_by(work_jobs.c.id))]


def submissions_without_job(catalog: Catalog, ids: list[int]) -> list[tuple[int, str]]:
    """(id, sha256) of these submissions that have stored bytes and no open job."""
    if not ids:
        return []
    open_job = sa.select(work_jobs.c.id).where(work_jobs.c.submission_id == submissions.c.id,
                                               work_jobs.c.state.in_(OPEN)).exists()
    out: list[tuple[int, str]] = []
    with catalog.read() as conn:
        for i in range(0, len(ids), 500):
            q = (sa.select(submissions.c.id, submissions.c.sha256)
                 .where(submissions.c.id.in_(ids[i:i + 500]), submissions.c.sha256.is_not(None), ~open_job))
            out.extend((int(r[0]), str(r[1])) for r in conn.execute(q))
    return out


# --------------------------------------------------------------------------- nodes

def beat(catalog: Catalog, *, name: str, host: str, role: str, pid: int, state: str, started_at: str, at: str,
         interval: float) -> None:
    """Record that the node is alive (its row is created on the first beat)."""
    with catalog.begin() as conn:
        values = {"host": host, "role": role, "pid": pid, "state": state, "started_at": started_at,
                  "heartbeat_at": at, "heartbeat": db_now(conn), "interval": interval}
        r = conn.execute(nodes.update().where(nodes.c.name == name).values(**values))
        if not r.rowcount:
            insert_missing(conn, nodes, {"name": name, "jobs_done": 0, "jobs_failed": 0, **values})

def list_nodes(catalog: Catalog) -> tuple[list[dict[str, Any]], float]:
    """Every node's row (by name) and the database's clock now (to judge the heartbeats)."""
    with catalog.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(nodes).order_by(nodes.c.name))]
        return rows, db_now(conn)


def forget_nodes(catalog: Catalog, *, silent_for_s: float) -> int:
    """Remove the rows of nodes not heard from for ``silent_for_s`` seconds (long stopped)."""
    with catalog.begin() as conn:
        now = db_now(conn)
        return int(conn.execute(nodes.delete().where(nodes.c.heartbeat < now - silent_for_s)).rowcount)
