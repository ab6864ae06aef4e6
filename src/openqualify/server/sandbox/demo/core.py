"""Demo data, core: courses and versions, people, offerings with badges and mappings, memberships, coaches.

Deterministic: every choice comes from `ctx.rng` / `ctx.faker` (both seeded) and every date is relative to
`ctx.now` rounded down to the hour. Row ids come from the demo's one id scheme
(`context.DemoIds`): deterministic per organisation, dated by the row's own creation time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openqualify.server.db.models import (
    Course,
    CourseMapping,
    CoursePermission,
    CourseVersion,
    MarkerAssignment,
    Membership,
    Offering,
    OfferingBadge,
    User,
)
from openqualify.server.sandbox.demo.catalogue import PASS_MARK
from openqualify.server.sandbox.demo.context import DemoContext

COVER_BASE = "https://cdn.demo-academy.example/covers/"
AVATAR_BASE = "https://cdn.demo-academy.example/avatars/"
STAFF_DOMAIN = "demo-academy.example"
LEARNER_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.co.nz", "contractors.example.com")
LEARNER_COUNT = 200
INVITE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class CourseSpec:
    code: str
    name: str
    category: str
    level: str
    topic: str
    tags: tuple[str, ...]
    outcomes: tuple[str, ...]
    published_days_ago: tuple[int, ...]  # one entry per version; empty: a draft never published
    tasks_enabled: bool = True
    weeks: int = 8  # typical length of a class


COURSES: tuple[CourseSpec, ...] = (
    CourseSpec(
        "SAF",
        "Workplace Health and Safety Essentials",
        "Compliance",
        "Introductory",
        "Health and safety",
        ("safety", "compliance", "induction"),
        (
            "Identify common workplace hazards and assess their risk",
            "Apply the hierarchy of controls to eliminate or minimise risks",
            "Report incidents and near misses using the correct process",
            "Explain the duties of workers and officers under the Health and Safety at Work Act 2015",
        ),
        (420, 160, 45),
        weeks=8,
    ),
    CourseSpec(
        "CSE",
        "Customer Service Excellence",
        "Customer experience",
        "Intermediate",
        "Service",
        ("customer", "communication", "soft-skills"),
        (
            "Use active listening to understand customer needs",
            "Resolve complaints with empathy and clear follow-up",
            "Measure service quality with NPS and CSAT",
        ),
        (300, 70),
        weeks=6,
    ),
    CourseSpec(
        "LDR",
        "Leadership Foundations",
        "Management",
        "Intermediate",
        "Leadership",
        ("leadership", "management", "coaching"),
        (
            "Adapt leadership style to the situation and the team",
            "Run effective one-to-one and team meetings",
            "Give and receive feedback that improves performance",
            "Set goals and delegate with clear accountability",
            "Lead a team through change",
        ),
        (380, 130),
        weeks=12,
    ),
    CourseSpec(
        "DAT",
        "Data Literacy for Managers",
        "Digital skills",
        "Introductory",
        "Data and analytics",
        ("data", "excel", "dashboards"),
        (
            "Read and question charts, tables and dashboards",
            "Distinguish correlation from causation",
            "Frame a business question that data can answer",
        ),
        (200,),
        weeks=4,
    ),
    CourseSpec(
        "TRM",
        "Te Reo Māori for the Workplace",
        "Culture and language",
        "Beginner",
        "Te reo Māori",
        ("te-reo", "culture", "language"),
        (
            "Pronounce Māori words and place names correctly",
            "Use greetings, farewells and mihi in a professional setting",
            "Introduce yourself with a simple pepeha",
            "Understand the principles of Te Tiriti o Waitangi at work",
        ),
        (450, 210, 30),
        weeks=12,
    ),
    CourseSpec(
        "PMF",
        "Project Management Fundamentals",
        "Management",
        "Intermediate",
        "Project management",
        ("projects", "planning", "agile"),
        (
            "Define scope, deliverables and success criteria",
            "Build a schedule and identify the critical path",
            "Manage risks, issues and stakeholders",
            "Choose between predictive and agile delivery",
        ),
        (260,),
        tasks_enabled=False,
        weeks=8,
    ),
    CourseSpec(
        "CYB",
        "Cyber Security Awareness",
        "Compliance",
        "Introductory",
        "Information security",
        ("security", "phishing", "compliance"),
        (
            "Recognise phishing and social-engineering attempts",
            "Create and manage strong passwords with a password manager",
            "Handle personal and confidential information securely",
        ),
        (),
    ),
)


@dataclass(frozen=True)
class OfferingSpec:
    course: str  # CourseSpec.code
    start_days: int  # relative to now
    length_days: int | None  # None: no end (self-paced)
    learners: tuple[int, int]  # range of learner counts
    label: str = ""  # e.g. "Auckland", appended to the name
    relative_dates: bool = False
    early_close_off_days: int | None = None  # days before the end
    readonly: bool = False
    badge: str | None = None  # None | "plain" | "approval" | "timeframe" | "date"
    price: float | None = None


OFFERINGS: tuple[OfferingSpec, ...] = (
    OfferingSpec("SAF", -200, 56, (30, 50), "Auckland", badge="plain"),
    OfferingSpec("SAF", -110, 56, (25, 45), "Wellington", early_close_off_days=7, badge="timeframe"),
    OfferingSpec("SAF", -20, 56, (40, 60), "Auckland", badge="plain"),
    OfferingSpec("SAF", 45, 56, (10, 25), "Christchurch", relative_dates=True),
    OfferingSpec("CSE", -150, 42, (20, 35), price=395.0),
    OfferingSpec("CSE", -10, 42, (25, 45), badge="approval", price=395.0),
    OfferingSpec("CSE", 30, 42, (10, 20), price=425.0),
    OfferingSpec("LDR", -120, 84, (15, 30), "Cohort 1", badge="timeframe"),
    OfferingSpec("LDR", -35, 84, (15, 30), "Cohort 2", relative_dates=True, early_close_off_days=14),
    OfferingSpec("DAT", -60, None, (20, 40), "Self-paced", relative_dates=True),
    OfferingSpec("TRM", -180, 84, (20, 40), readonly=True),
    OfferingSpec("TRM", -25, 84, (30, 55), badge="date"),
    OfferingSpec("TRM", 60, 84, (10, 30)),
    OfferingSpec("PMF", -90, 56, (15, 30), readonly=True),
    OfferingSpec("PMF", -3, 56, (20, 40), price=650.0),
)

DESCRIPTIONS = {
    "SAF": "Keep yourself and your team safe: hazards, controls, reporting and your legal duties.",
    "CSE": "Practical techniques for delighting customers on the phone, online and face to face.",
    "LDR": "A twelve-week programme for new and emerging team leaders.",
    "DAT": "Make better decisions with data, without becoming a data scientist.",
    "TRM": "Everyday te reo Māori and tikanga for Aotearoa workplaces.",
    "PMF": "Plan, run and close small to medium projects with confidence.",
}


def _hour(value: datetime) -> datetime:
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _term(start: datetime) -> str:
    return f"{start.year}-T{(start.month - 1) // 3 + 1}"


class _Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.now = _hour(ctx.now)
        self.emails: set[str] = set()

    def at(self, days: float, hours: int = 0) -> datetime:
        return self.now + timedelta(days=days, hours=hours)

    # --- courses ------------------------------------------------------------------------------------------

    def courses(self) -> dict[str, tuple[Course, list[CourseVersion]]]:
        built: dict[str, tuple[Course, list[CourseVersion]]] = {}
        for index, spec in enumerate(COURSES):
            first = spec.published_days_ago[0] if spec.published_days_ago else 15
            created = self.at(-first - 30, hours=index)
            course = Course(
                id=self.ctx.ids.push("core", created),
                org_id=self.ctx.org_id,
                name=spec.name,
                cover_image_url=f"{COVER_BASE}{spec.code.lower()}.jpg",
                tasks_enabled=spec.tasks_enabled,
                category=spec.category,
                level=spec.level,
                topic=spec.topic,
                tags=list(spec.tags),
                learning_outcomes=[{"id": f"lo{i + 1}", "description": text} for i, text in enumerate(spec.outcomes)],
                draft_id=None,
                latest_content_id=None,
                created_at=created,
            )
            versions: list[CourseVersion] = []
            for number, days_ago in enumerate(spec.published_days_ago, start=1):
                published = self.at(-days_ago, hours=9 + index)
                content_id = course.id if number == 1 else self.ctx.ids.push("core", published)
                versions.append(
                    CourseVersion(
                        id=content_id,
                        org_id=self.ctx.org_id,
                        course_id=course.id,
                        version=number,
                        name=spec.name,
                        notes="First release" if number == 1 else f"Release {number}: refreshed content",
                        published_at=published,
                    )
                )
            if versions:
                course.latest_content_id = versions[-1].id
            else:
                course.draft_id = course.id
            built[spec.code] = (course, versions)
        return built

    # --- people -------------------------------------------------------------------------------------------

    def person(self, domain: str, created: datetime, *, staff: bool = False) -> User:
        faker = self.ctx.faker
        first, last = faker.first_name(), faker.last_name()
        local = f"{_ascii(first)}.{_ascii(last)}"
        email = f"{local}@{domain}"
        n = 2
        while email.lower() in self.emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.emails.add(email.lower())
        rng = self.rng
        user = User(
            id=self.ctx.ids.push("core", created),
            org_id=self.ctx.org_id,
            email=email,
            email_key=email.lower(),
            first_name=first,
            last_name=last,
            person_id=f"{'STAFF' if staff else 'EMP'}-{rng.randint(10000, 99999)}"
            if staff or rng.random() < 0.7
            else None,
            display_name=f"{first} {last[0]}." if rng.random() < 0.3 else None,
            mobile=f"+64 2{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            if rng.random() < 0.4
            else None,
            avatar_url=f"{AVATAR_BASE}{_ascii(first)}-{_ascii(last)}.png" if rng.random() < 0.25 else None,
            tags=[],
            suspended=False,
            is_builder=False,
            is_manager=False,
            invite_code="".join(rng.choice(INVITE_ALPHABET) for _ in range(22)),
            invite_sent_count=1,
            created_at=created,
        )
        return user

    def staff(self) -> dict[str, list[User]]:
        roles = {"builder": 4, "manager": 2, "facilitator": 8, "marker": 6}
        people: dict[str, list[User]] = {}
        index = 0
        for role, count in roles.items():
            people[role] = []
            for _ in range(count):
                index += 1
                user = self.person(STAFF_DOMAIN, self.at(-500 + index * 3), staff=True)
                user.tags = ["staff", role]
                user.is_builder = role == "builder"
                user.is_manager = role == "manager"
                people[role].append(user)
        # The academy lead authors courses and runs classes; one senior facilitator may activate classes.
        people["builder"][0].is_manager = True
        people["facilitator"][0].is_manager = True
        people["facilitator"][1].is_builder = True
        return people

    def learners(self) -> list[User]:
        departments = ("operations", "sales", "finance", "people-and-culture", "it", "customer-care", "logistics")
        result: list[User] = []
        for i in range(LEARNER_COUNT):
            domain = self.rng.choice(LEARNER_DOMAINS)
            user = self.person(domain, self.at(-self.rng.randint(220, 480), hours=i % 24))
            tags = [self.rng.choice(departments)]
            if domain.startswith("contractors"):
                tags.append("contractor")
            if self.rng.random() < 0.15:
                tags.append("new-starter")
            user.tags = tags
            result.append(user)
        return result

    # --- offerings ----------------------------------------------------------------------------------------

    def offerings(
        self, courses: dict[str, tuple[Course, list[CourseVersion]]]
    ) -> list[tuple[OfferingSpec, Offering, OfferingBadge | None]]:
        built: list[tuple[OfferingSpec, Offering, OfferingBadge | None]] = []
        identifiers: set[str] = set()
        for index, spec in enumerate(OFFERINGS):
            course, versions = courses[spec.course]
            start = self.at(spec.start_days).replace(hour=20)  # 9am in New Zealand (UTC+13 in summer)
            end = start + timedelta(days=spec.length_days) if spec.length_days is not None else None
            # Set up three weeks before it starts, or, for the next intakes, a week or two before the demo's day.
            created = min(start - timedelta(days=21), self.now - timedelta(days=7 + index)) + timedelta(minutes=index)
            # Offerings keep the version that was current when they were created.
            version = next((v for v in reversed(versions) if v.published_at <= created), versions[0])
            identifier = f"{spec.course}-{_term(start)}"
            suffix = ord("B")  # a second intake in the same term
            while identifier in identifiers:
                identifier = f"{spec.course}-{_term(start)}{chr(suffix)}"
                suffix += 1
            identifiers.add(identifier)
            term_name = f"Term {(start.month - 1) // 3 + 1} {start.year}"
            name = f"{course.name} - {spec.label or term_name}"
            if spec.label and spec.length_days is not None:
                name = f"{name} ({term_name})"
            tags = [*course.tags[:2], str(start.year)]
            if spec.label and spec.length_days is not None and not spec.label.startswith("Cohort"):
                tags.append(spec.label.lower())
            if spec.price is not None:
                tags.append("public")
            has_close_off = spec.early_close_off_days is not None and end is not None
            offering = Offering(
                id=self.ctx.ids.push("core", created),
                org_id=self.ctx.org_id,
                content_id=version.id,
                course_id=course.id,
                name=name,
                description=DESCRIPTIONS[spec.course],
                overview=(
                    f"<h2>{course.name}</h2><p>{DESCRIPTIONS[spec.course]}</p>"
                    f"<p>Expect about {self.rng.choice((2, 3, 4))} hours of study a week.</p>"
                ),
                identifier=identifier,
                info=f"{identifier} {name}",
                cover_image_url=course.cover_image_url,
                currency="NZD" if spec.price is not None else None,
                price=spec.price,
                enrollment_limit=spec.learners[1] + 10 if spec.price is not None else None,
                start=start,
                end=end,
                has_early_close_off=has_close_off,
                early_close_off_date=end - timedelta(days=spec.early_close_off_days or 0)
                if has_close_off and end is not None
                else None,
                use_relative_dates=spec.relative_dates,
                is_readonly=spec.readonly,
                trailer_video_url=f"https://videos.demo-academy.example/{spec.course.lower()}-trailer.mp4"
                if index % 3 == 0
                else None,
                category=course.category,
                level=course.level,
                topic=course.topic,
                tags=tags,
                created_at=created,
            )
            built.append((spec, offering, self.badge(spec, offering, course)))
        return built

    def badge(self, spec: OfferingSpec, offering: Offering, course: Course) -> OfferingBadge | None:
        if spec.badge is None:
            return None
        badge = OfferingBadge(
            offering_id=offering.id,
            id=self.ctx.ids.push("core", offering.created_at),
            org_id=self.ctx.org_id,
            title=f"{course.name} - Certified",
            description=f"Awarded for completing {course.name} and passing every assessed quiz ({PASS_MARK}% or more).",
            requires_approval=spec.badge == "approval",
            expires=spec.badge in ("timeframe", "date"),
            expiry_type=spec.badge if spec.badge in ("timeframe", "date") else None,
            expiration_date=self.at(365 * 2).replace(hour=0) if spec.badge == "date" else None,
            timeframe_amount=2.0 if spec.badge == "timeframe" else None,
            timeframe_unit="years" if spec.badge == "timeframe" else None,
            created_at=offering.created_at,
        )
        return badge

    # --- memberships --------------------------------------------------------------------------------------

    def memberships(
        self,
        offerings: list[tuple[OfferingSpec, Offering, OfferingBadge | None]],
        staff: dict[str, list[User]],
        learners: list[User],
        pending: set[str],
    ) -> tuple[list[Membership], list[MarkerAssignment]]:
        rng = self.rng
        members: list[Membership] = []
        assignments: list[MarkerAssignment] = []
        facilitators = staff["facilitator"] + staff["builder"][:1]
        markers = staff["marker"]
        for spec, offering, _ in offerings:
            chosen_facilitators = rng.sample(facilitators, rng.randint(1, 2))
            chosen_markers = rng.sample(markers, rng.randint(1, 2))
            # Suspended accounts (people who left) cannot be enrolled any more and were taken out of the classes
            # still running: only classes that ended list them. (Drawn from the whole pool, then removed, so that
            # the random choices, and with them every other class's members, stay what they were.)
            running = offering.end is None or offering.end > self.now
            pool = learners if offering.start <= self.now else [u for u in learners if not u.suspended]
            drawn = rng.sample(pool, rng.randint(*spec.learners))
            chosen_learners = [u for u in drawn if not (running and u.suspended)]
            staff_members = [self.member(spec, offering, f, pending, facilitator=True) for f in chosen_facilitators]
            staff_members += [self.member(spec, offering, m, pending, marker=True) for m in chosen_markers]
            learner_members = {u.id: self.member(spec, offering, u, pending) for u in drawn}
            members.extend(staff_members)
            members.extend(learner_members[u.id] for u in chosen_learners)
            coach_members = {m.user_id: m for m in staff_members if m.is_marker}
            # Each coach marks a share of the learners, round robin; a few learners are left unassigned.
            for i, learner in enumerate(sorted(drawn, key=lambda u: u.email_key)):
                if rng.random() < 0.1 or learner not in chosen_learners:
                    continue
                coach = chosen_markers[i % len(chosen_markers)]
                # Assigned once both are in the class (and before the demo's day).
                assigned = max(learner_members[learner.id].created_at, coach_members[coach.id].created_at)
                assignments.append(
                    MarkerAssignment(
                        id=self.ctx.ids.push("core", offering.created_at),
                        org_id=self.ctx.org_id,
                        offering_id=offering.id,
                        marker_user_id=coach.id,
                        learner_user_id=learner.id,
                        created_at=min(assigned + timedelta(hours=2), self.now - timedelta(hours=1)),
                    )
                )
        return members, assignments

    def member(
        self,
        spec: OfferingSpec,
        offering: Offering,
        user: User,
        pending: set[str],
        *,
        facilitator: bool = False,
        marker: bool = False,
    ) -> Membership:
        """A membership, enrolled at some moment of the class's history (never at the demo's "now").

        Staff join within three days of the class being set up; learners enrol from then until a week after
        their start (most before it), and never later than two hours before the demo's day. (The random draws
        keep the order and number they have always had, so that the demo's other choices stay the same.)
        """
        rng = self.rng
        learner = not facilitator and not marker
        share = (rng.randint(1, 240) - 1) / 239
        logged_in = None
        if offering.start <= self.now and user.id not in pending and rng.random() < 0.9:
            last_day = min(self.now, offering.end or self.now)
            span = max(1, int((last_day - offering.start).total_seconds() // 3600))
            logged_in = offering.start + timedelta(hours=rng.randint(1, span))
        start_date = offering.start + timedelta(days=rng.randint(0, 21)) if spec.relative_dates and learner else None
        opened = max(offering.created_at, user.created_at) + timedelta(hours=2)
        latest = self.now - timedelta(hours=2)
        if learner:
            until = min((start_date or offering.start) + timedelta(days=7), latest)
        else:
            until = min(opened + timedelta(days=3), latest)
        created = (opened + (until - opened) * share).replace(second=0, microsecond=0)
        return Membership(
            id=self.ctx.ids.push("core", created),
            org_id=self.ctx.org_id,
            offering_id=offering.id,
            user_id=user.id,
            is_facilitator=facilitator,
            is_marker=marker,
            is_readonly=offering.is_readonly or (learner and rng.random() < 0.03),
            start_date=start_date,
            last_logged_in_at=logged_in,  # a first guess: `access` sets it from what the member did
            created_at=created,
        )

    # --- permissions and mappings -------------------------------------------------------------------------

    def permissions(self, courses: list[Course], staff: dict[str, list[User]]) -> list[CoursePermission]:
        rows: list[CoursePermission] = []
        builders = [u for u in staff["builder"] + staff["facilitator"] if u.is_builder]
        reviewers = staff["facilitator"][2:5]
        for course in courses:
            authors = self.rng.sample(builders, 2)
            for author in authors:
                rows.append(self.permission(course, author, builder=True))
            reviewer = self.rng.choice(reviewers)
            rows.append(self.permission(course, reviewer, builder=False))
        return rows

    def permission(self, course: Course, user: User, *, builder: bool) -> CoursePermission:
        return CoursePermission(
            id=self.ctx.ids.push("core", course.created_at),
            org_id=self.ctx.org_id,
            course_id=course.id,
            user_id=user.id,
            is_builder=builder,
            is_reviewer=not builder,
            created_at=course.created_at + timedelta(hours=1),
        )

    def mappings(self, offerings: list[Offering]) -> list[CourseMapping]:
        """Half of the offerings are sold through the e-commerce store or enrolled from the SIS."""
        rows: list[CourseMapping] = []
        for index, offering in enumerate(offerings):
            if index % 2:
                continue
            code = (offering.identifier or "").split("-")[0]
            # Store products span every intake of a course; SIS codes name one intake.
            external = f"SHOP-{code}-101" if offering.price is not None else f"SIS-{offering.identifier}"
            rows.append(
                CourseMapping(
                    offering_id=offering.id,
                    org_id=self.ctx.org_id,
                    external_course_id=external,
                    created_at=offering.created_at + timedelta(hours=2),
                )
            )
        return rows


def seed(ctx: DemoContext) -> None:
    """Add the core rows and fill ctx.courses / versions / offerings / users / memberships."""
    build = _Builder(ctx)
    session = ctx.session

    courses = build.courses()
    staff = build.staff()
    learners = build.learners()
    staff_users = [u for role in staff.values() for u in role]
    users = staff_users + learners
    # A few accounts are suspended (left the organisation); some never accepted their invitation.
    for user in ctx.rng.sample(learners, 6):
        user.suspended = True
    pending = {u.id for u in ctx.rng.sample(learners, 30)}
    course_rows = [course for course, _ in courses.values()]
    version_rows = [v for _, versions in courses.values() for v in versions]
    offerings = build.offerings(courses)
    offering_rows = [offering for _, offering, _ in offerings]
    members, assignments = build.memberships(offerings, staff, learners, pending)

    # Parents before children: the models declare no relationships, so the flush order is ours.
    session.add_all(course_rows)
    session.add_all(users)
    session.flush()
    session.add_all(version_rows)
    session.flush()
    session.add_all(offering_rows)
    session.flush()
    session.add_all([badge for _, _, badge in offerings if badge is not None])
    session.add_all(build.mappings(offering_rows))
    session.add_all(build.permissions(course_rows, staff))
    session.add_all(members)
    session.add_all(assignments)
    session.flush()

    ctx.courses.extend(course_rows)
    ctx.versions.extend(version_rows)
    ctx.offerings.extend(offering_rows)
    ctx.users.extend(users)
    ctx.memberships.extend(members)
    ctx.pending.update(pending)
    ctx.course_codes.update({course.id: code for code, (course, _) in courses.items()})
    ctx.coaches.update({(a.offering_id, a.learner_user_id): a.marker_user_id for a in assignments})
