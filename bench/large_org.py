#!/usr/bin/env python3
"""Generator of a large organisation for the scale benchmark.

Usage: .venv/bin/python bench/large_org.py --db URL --preset small|medium|large [--seed N]

Creates a new organisation (create_org; its token is printed), then bulk-loads users, courses (pages and
assessments), offerings, memberships, stored completion, page progress, submissions, marks, pulses with runs
and responses, channels with posts, comments and replies, quiz attempts, unit reactions, social notes and activity
attempts. Rows are produced by a deterministic stream (memory stays bounded: one
buffer of `CHUNK` rows per table) and written with executemany (SQLite) or COPY (PostgreSQL). One offering,
the "big" one, has `big` learners with the full range of activity. Writes a build report (rows and seconds per
table, the token, the big offering's id) to bench/results/scale-build-<backend>-<preset>.json.

Ids are `<8 random chars of this run><table letter><base-36 counter>`: cheap, and they cannot collide with the
rows of any other organisation.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openqualify.server.db import models  # noqa: E402
from openqualify.server.db.base import Base  # noqa: E402
from openqualify.server.db.migrate import upgrade  # noqa: E402
from openqualify.server.db.urls import is_sqlite, sync_url  # noqa: E402
from openqualify.server.kit.tenancy import admin_session  # noqa: E402
from openqualify.server.org.admin import create_org  # noqa: E402

CHUNK = 10_000
STAMP = "%Y-%m-%d %H:%M:%S.%f"
EPOCH = datetime(2024, 1, 8, 9, 0, tzinfo=UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Preset:
    learners: int
    offerings: int
    big: int  # learners of the designated big offering
    per_learner: int = 3  # offerings of every learner besides the big one
    courses: int = 20
    pages: int = 16  # pages per course version
    assignments: int = 3  # assignment-type assessments per course version (plus one quiz)
    pulses: int = 2  # pulses per offering, one run each


PRESETS: dict[str, Preset] = {
    "tiny": Preset(learners=60, offerings=4, big=20, courses=2, pages=4),
    "small": Preset(learners=1_000, offerings=20, big=200),
    "medium": Preset(learners=20_000, offerings=400, big=5_000),
    "large": Preset(learners=100_000, offerings=2_000, big=5_000),
}


def _h(*parts: int) -> int:
    """A cheap deterministic hash of integers (stable across runs, unlike hash() of strings)."""
    value = 0x9E3779B1
    for part in parts:
        value = ((value ^ part) * 0x01000193) & 0xFFFFFFFF
        value ^= value >> 15
    return value


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, kind: str, n: int) -> str:
        return f"{self.prefix}{kind}{_b36(n)}"


class Writer:
    """Buffers rows per table and writes each full chunk in one statement batch (or one COPY)."""

    def __init__(self, engine: Engine, org_id: str) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.org_id = org_id
        self.raw = engine.raw_connection()
        self.cursor = self.raw.cursor()
        if self.sqlite:
            for pragma in ("synchronous=OFF", "journal_mode=WAL", "foreign_keys=OFF", "cache_size=-200000"):
                self.cursor.execute(f"PRAGMA {pragma}")
        else:
            # Rows are consistent by construction: skip the per-row foreign-key triggers while loading.
            self.cursor.execute("SET session_replication_role = replica")
        self.columns: dict[str, list[str]] = {}
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def table(self, name: str, columns: list[str]) -> None:
        table: Table = Base.metadata.tables[name]
        cols = ["org_id", *columns]
        missing = [c.name for c in table.columns if not c.nullable and c.name not in cols and c.server_default is None]
        if missing:
            raise SystemExit(f"{name}: non-nullable columns without a value: {missing}")
        self.columns[name] = cols
        self.buffers[name] = []
        self.rows[name] = 0
        self.seconds[name] = 0.0

    def add(self, name: str, *values: Any) -> None:
        buffer = self.buffers[name]
        buffer.append((self.org_id, *values))
        if len(buffer) >= CHUNK:
            self.flush(name)

    def flush(self, name: str) -> None:
        buffer = self.buffers[name]
        if not buffer:
            return
        started = time.perf_counter()
        cols = self.columns[name]
        quoted = ", ".join(f'"{c}"' for c in cols)
        if self.sqlite:
            if not self.raw.driver_connection.in_transaction:
                self.cursor.execute("BEGIN")  # also when the driver is left in autocommit mode
            marks = ", ".join("?" for _ in cols)
            self.cursor.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', buffer)
        else:
            with self.cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                for row in buffer:
                    copy.write_row(row)
        self.seconds[name] += time.perf_counter() - started
        self.rows[name] += len(buffer)
        buffer.clear()

    def commit(self) -> None:
        for name in self.buffers:
            self.flush(name)
        self.raw.commit()

    def analyze(self) -> float:
        started = time.perf_counter()
        self.cursor.execute("ANALYZE")
        self.raw.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        """Give the connection back to its pool as the server configures it."""
        if self.sqlite:
            for pragma in ("synchronous=NORMAL", "foreign_keys=ON"):
                self.cursor.execute(f"PRAGMA {pragma}")
        else:
            self.cursor.execute("SET session_replication_role = origin")
            self.raw.commit()
        self.cursor.close()
        self.raw.close()


def _ts(moment: datetime) -> str:
    return moment.strftime(STAMP)


def build(engine: Engine, org_id: str, preset: Preset, seed: int = 1) -> dict[str, Any]:
    """Load one organisation's worth of rows; returns the build report (rows and seconds per table)."""
    # The id prefix is random per run (not seeded), so two builds in one database never collide.
    ids = Ids("".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8)))
    w = Writer(engine, org_id)
    p = preset
    started = time.perf_counter()
    w.table("users", ["id", "email", "email_key", "first_name", "last_name", "person_id", "tags", "suspended",
                      "is_builder", "is_manager", "invite_sent_count", "created_at"])
    w.table("courses", ["id", "name", "tasks_enabled", "tags", "learning_outcomes", "latest_content_id", "created_at"])
    w.table("course_versions", ["id", "course_id", "version", "name", "published_at"])
    w.table("course_pages", ["id", "content_id", "title", "task_count", "position", "created_at"])
    w.table("assessments", ["id", "content_id", "position", "type", "title", "content", "mark_type", "hidden",
                            "themes", "created_at"])
    w.table("offerings", ["id", "content_id", "course_id", "name", "info", "start", "end", "has_early_close_off",
                          "use_relative_dates", "is_readonly", "tags", "created_at"])
    w.table("memberships", ["id", "offering_id", "user_id", "is_facilitator", "is_marker", "is_readonly",
                            "last_logged_in_at", "created_at"])
    w.table("learner_progress", ["offering_id", "user_id", "completion", "updated_at"])
    w.table("page_progress", ["id", "offering_id", "user_id", "page_id", "viewed", "tasks_done", "updated_at"])
    w.table("assessment_submissions", ["id", "offering_id", "assessment_id", "user_id", "status", "html", "files",
                                       "submitted_at", "updated_at", "created_at"])
    w.table("assessment_marks", ["id", "submission_id", "mark", "feedback", "marker_user_id", "by_facilitator",
                                 "by_marker", "by_evaluator", "history", "created_at", "updated_at"])
    w.table("pulses", ["id", "offering_id", "question", "pulse_type", "options", "created_at"])
    w.table("pulse_runs", ["id", "pulse_id", "start", "duration_minutes"])
    w.table("pulse_responses", ["id", "offering_id", "pulse_id", "run_id", "user_id", "response_time", "answer"])
    w.table("channels", ["id", "offering_id", "title", "is_broadcast_only", "group_discussion", "private_support",
                         "auto_assign", "created_at"])
    w.table("channel_posts", ["id", "channel_id", "user_id", "title", "content", "is_facilitator_post",
                              "attachments", "is_muted", "moderated", "created_at"])
    w.table("channel_comments", ["id", "channel_id", "post_id", "parent_comment_id", "user_id", "content",
                                 "is_facilitator_post", "is_muted", "moderated", "created_at"])
    w.table("quiz_attempts", ["id", "offering_id", "assessment_id", "user_id", "mark", "attempted_at"])
    w.table("unit_reactions", ["id", "offering_id", "page_id", "user_id", "reaction", "created_at"])
    w.table("social_notes", ["id", "offering_id", "page_id", "user_id", "paragraph_id", "content", "shared",
                             "created_at"])
    w.table("activities", ["id", "content_id", "position", "title", "time_minutes", "created_at"])
    w.table("activity_attempts", ["id", "offering_id", "activity_id", "user_id", "response_text", "uploaded_files",
                                  "created_at"])
    created = _ts(EPOCH)

    # Staff: one facilitator of every offering, who also gives every mark.
    staff = ids("u", 0)
    w.add("users", staff, "staff@bench.example", "staff@bench.example", "Sam", "Staff", None, "[]", False, True,
          True, 0, created)
    for n in range(1, p.learners + 1):
        email = f"learner{n:06d}@bench.example"
        w.add("users", ids("u", n), email, email, f"First{n % 997}", f"Last{n % 1009}", f"P{n:06d}", "[]", False,
              False, False, 1, created)

    # Courses: one published version each, pages without tasks, assignments then one quiz.
    def content(c: int) -> str:
        return ids("v", c)

    def page(c: int, k: int) -> str:
        return ids("g", c * p.pages + k)

    def assessment(c: int, k: int) -> str:
        return ids("a", c * (p.assignments + 1) + k)

    for c in range(p.courses):
        w.add("courses", ids("c", c), f"Course {c}", True, "[]", "[]", content(c), created)
        w.add("course_versions", content(c), ids("c", c), 1, f"Course {c}", created)
        for k in range(p.pages):
            w.add("course_pages", page(c, k), content(c), f"Page {k + 1}", 0, k, created)
        for k in range(p.assignments + 1):
            kind = "quiz" if k == p.assignments else "assignment"
            w.add("assessments", assessment(c, k), content(c), k, kind, f"{kind.title()} {k + 1}",
                  f"<p>Task {k + 1} of course {c}</p>", "percentage", False, "[]", created)
        w.add("activities", ids("t", c), content(c), 0, "Reflect on the course", 10.0, created)

    # Offerings (0 is the big one), each with a channel and pulses (one run each).
    def course_of(o: int) -> int:
        return o % p.courses

    for o in range(p.offerings):
        c = course_of(o)
        start = EPOCH + timedelta(days=o % 365)
        w.add("offerings", ids("o", o), content(c), ids("c", c), f"Offering {o}" + (" (big)" if o == 0 else ""),
              "", _ts(start), _ts(start + timedelta(days=120)), False, False, False, "[]", created)
        w.add("channels", ids("h", o), ids("o", o), "General", False, False, False, False, created)
        for k in range(p.pulses):
            pulse = ids("q", o * p.pulses + k)
            mcq = k % 2 == 1
            w.add("pulses", pulse, ids("o", o), f"How was week {k + 1}?", "MCQ" if mcq else "submit_text",
                  json.dumps(["Good", "Fine", "Bad"] if mcq else []), created)
            w.add("pulse_runs", ids("r", o * p.pulses + k), pulse, _ts(start + timedelta(days=7 * (k + 1))), 1440)
        w.add("memberships", ids("m", o), ids("o", o), staff, True, False, False, None, created)
    w.commit()

    counter = {"m": p.offerings, "s": 0, "k": 0, "x": 0, "y": 0, "e": 0, "z": 0, "i": 0, "j": 0, "n": 0, "w": 0}
    answers = [json.dumps({"textAnswer": f"Answer {i}"}) for i in range(7)] + [
        json.dumps({"multiChoiceAnswer": [{"option": o, "value": o == pick} for o in ("Good", "Fine", "Bad")]})
        for pick in ("Good", "Fine", "Bad")
    ]

    def enrol(o: int, n: int) -> None:
        """A learner (user n) in offering o, with all of its activity."""
        user, offering, c = ids("u", n), ids("o", o), course_of(o)
        h = _h(seed, o, n)
        start = EPOCH + timedelta(days=o % 365)
        seen = p.pages // 2 + h % (p.pages - p.pages // 2 + 1)  # pages viewed: the first `seen`
        w.add("memberships", ids("m", counter["m"]), offering, user, False, False, False,
              _ts(start + timedelta(hours=h % 2000)), created)
        counter["m"] += 1
        w.add("learner_progress", offering, user, (100 * seen) // p.pages, _ts(start + timedelta(days=30)))
        for k in range(seen):
            w.add("page_progress", ids("p", counter["x"]), offering, user, page(c, k), True, 0,
                  _ts(start + timedelta(hours=k * 6 + h % 5)))
            counter["x"] += 1
        for k in range(p.assignments):
            roll = _h(h, k) % 10
            if roll < 2:
                continue  # 20 % never handed in
            sid = ids("s", counter["s"])
            counter["s"] += 1
            handed = _ts(start + timedelta(days=7 * (k + 1), minutes=h % 600))
            marked = roll >= 4  # 60 % marked
            w.add("assessment_submissions", sid, offering, assessment(c, k), user, "marked" if marked else "submitted",
                  f"<p>Work of learner {n} on task {k + 1}</p>", "[]", handed, handed, handed)
            if marked:
                mid = ids("k", counter["k"])
                counter["k"] += 1
                when = start + timedelta(days=7 * (k + 1) + 3)
                mark = str(50 + _h(h, k, 7) % 51)
                history = json.dumps([{"id": mid, "mark": mark, "feedback": "Well done", "markerId": staff,
                                       "createdAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}])
                w.add("assessment_marks", mid, sid, mark, "Well done", staff, True, False, False, history, _ts(when),
                      _ts(when))
        for k in range(p.pulses):
            if _h(h, k, 3) % 2:
                continue  # half of the learners answer each pulse
            run_start = start + timedelta(days=7 * (k + 1))
            answer = answers[7 + _h(h, k) % 3] if k % 2 == 1 else answers[_h(h, k) % 7]
            w.add("pulse_responses", ids("y", counter["y"]), offering, ids("q", o * p.pulses + k),
                  ids("r", o * p.pulses + k), user, _ts(run_start + timedelta(minutes=h % 1400)), answer)
            counter["y"] += 1
        if h % 4 == 0:
            post = ids("e", counter["e"])
            posted = start + timedelta(days=h % 60)
            w.add("channel_posts", post, ids("h", o), user, f"Question from learner {n}",
                  "<p>Could someone explain page 3?</p>", False, "[]", False, False, _ts(posted))
            counter["e"] += 1
            # Two comments on each post; the first gets a reply.
            first = ids("z", counter["z"])
            for k in range(2):
                w.add("channel_comments", ids("z", counter["z"]), ids("h", o), post, None, staff if k else user,
                      f"<p>Comment {k + 1}</p>", bool(k), False, False, _ts(posted + timedelta(hours=k + 1)))
                counter["z"] += 1
            w.add("channel_comments", ids("z", counter["z"]), ids("h", o), post, first, staff, "<p>A reply</p>", True,
                  False, False, _ts(posted + timedelta(hours=3)))
            counter["z"] += 1
        for k in range(_h(h, 9) % 3):  # 0-2 quiz attempts
            w.add("quiz_attempts", ids("i", counter["i"]), offering, assessment(c, p.assignments), user,
                  str(40 + _h(h, k, 11) % 61), _ts(start + timedelta(days=20 + k, minutes=h % 600)))
            counter["i"] += 1
        if h % 2 == 0:
            w.add("unit_reactions", ids("j", counter["j"]), offering, page(c, h % seen), user,
                  "thumbs-up" if h % 3 else "thumbs-down", _ts(start + timedelta(days=2, minutes=h % 900)))
            counter["j"] += 1
        if h % 4 == 1:
            w.add("social_notes", ids("n", counter["n"]), offering, page(c, 0), user, f"para-{h % 5}",
                  f"A note of learner {n}", True, _ts(start + timedelta(days=3, minutes=h % 900)))
            counter["n"] += 1
        if h % 3 == 0:
            w.add("activity_attempts", ids("w", counter["w"]), offering, ids("t", c), user,
                  f"Reflection of learner {n}", "[]", _ts(start + timedelta(days=9, minutes=h % 900)))
            counter["w"] += 1

    # Every learner in `per_learner` offerings besides the big one; every (learners // big)-th one in the big one.
    others = p.offerings - 1
    step = max(1, others // p.per_learner)
    every = max(1, p.learners // p.big)
    for n in range(1, p.learners + 1):
        base = _h(seed, n) % others
        for k in range(min(p.per_learner, others)):
            enrol(1 + (base + k * step) % others, n)
        if n % every == 0 and (n // every) <= p.big:
            enrol(0, n)
        if n % 5_000 == 0:
            w.commit()  # a few large transactions
    w.commit()
    load_seconds = time.perf_counter() - started
    analyze_seconds = w.analyze()
    w.close()
    activity = ("page_progress", "assessment_submissions", "assessment_marks", "pulse_responses", "channel_posts",
                "channel_comments", "quiz_attempts", "unit_reactions", "social_notes", "activity_attempts")
    return {
        "org_id": org_id,
        "id_prefix": ids.prefix,
        "big_offering_id": ids("o", 0),
        "big_channel_id": ids("h", 0),
        "big_assignment_id": assessment(course_of(0), 0),
        "big_pulse_id": ids("q", 0),
        "preset": asdict(p),
        "rows": dict(w.rows),
        "seconds_per_table": {k: round(v, 2) for k, v in w.seconds.items()},
        "activity_rows": sum(w.rows[t] for t in activity),
        "total_rows": sum(w.rows.values()),
        "load_seconds": round(load_seconds, 1),
        "analyze_seconds": round(analyze_seconds, 1),
    }


def new_org(engine: Engine, name: str) -> tuple[str, str]:
    with admin_session(engine) as session:
        org, token = create_org(session, name)
        session.commit()
        return org.id, token


def main(argv: Iterable[str] | None = None, out: Callable[[str], None] = print) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (sqlite:///path or postgresql://...)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="build report path (default: bench/results/scale-build-<backend>-<preset>.json)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    assert models  # every table registered
    started = time.perf_counter()
    upgrade(args.db)
    migrate_seconds = time.perf_counter() - started
    engine = create_engine(sync_url(args.db))
    backend = "sqlite" if is_sqlite(args.db) else "postgresql"
    try:
        org_id, token = new_org(engine, f"Scale bench {args.preset} {time.time_ns()}")
        out(f"organisation {org_id}, token {token}")
        report = build(engine, org_id, PRESETS[args.preset], args.seed)
    finally:
        engine.dispose()
    report = {"backend": backend, "preset_name": args.preset, "db": args.db, "token": token, "migrate_seconds": round(
        migrate_seconds, 1), **report, "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
    path = Path(args.out) if args.out else ROOT / "bench" / "results" / f"scale-build-{backend}-{args.preset}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    out(f"big offering {report['big_offering_id']}; {report['total_rows']:,} rows "
        f"({report['activity_rows']:,} activity) in {report['load_seconds']} s + ANALYZE {report['analyze_seconds']} s")
    for table, rows in report["rows"].items():
        out(f"  {table:24} {rows:>10,} rows  {report['seconds_per_table'][table]:>8.2f} s")
    out(f"report: {path}")
    return report


if __name__ == "__main__":
    main()
