"""Learner activity: progress (per offering, per user, across the organisation with OData), social notes, unit
reactions, pulses with their filters, and badges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openqualify.client import (
    ApiValidationError,
    Client,
    MissingInfoError,
    ObjectNotFoundError,
    OfferingUser,
    SchemaValidationError,
    UserNotInOfferingError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Sandbox

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)

ANA = "ana.moana@kiwi.example"
BEN = "ben.rangi@kiwi.example"
CY = "cy.walsh@example.com"
FAC = "fac.tui@example.com"


def iso(days: float) -> str:
    return (NOW + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def _people(client: Client, offering: str, *emails: str) -> None:
    names = {ANA: ("Ana", "Moana"), BEN: ("Ben", "Rangi"), CY: ("Cy", "Walsh")}
    users = [OfferingUser(email=e, first_name=names[e][0], last_name=names[e][1], send_invite=False) for e in emails]
    users.append(OfferingUser(email=FAC, first_name="Tui", last_name="Fac", is_facilitator=True, send_invite=False))
    result = client.offerings.add_users(offering, users)
    assert result.ok, [item.error for item in result.failed]


def test_progress_notes_and_reactions(client: Client, sandbox: Sandbox) -> None:
    course = sandbox.course("Te Reo Basics")
    content = course["contentId"]
    intro = sandbox.page(content, "Mihi", task_count=2)["id"]
    vocab = sandbox.page(content, "Kupu hou", task_count=0)["id"]
    other = sandbox.course("Numeracy")
    term = client.offerings.create(start=NOW - 20 * DAY, end=NOW + 20 * DAY, content_id=content, name="Te Reo T1")
    numeracy = client.offerings.create(start=NOW - 5 * DAY, root_content_id=other["rootContentId"], name="Numeracy")
    _people(client, term.id, ANA, BEN, CY)
    _people(client, numeracy.id, ANA)

    sandbox.page_progress(term.id, ANA, intro, tasks_done=2)
    sandbox.page_progress(term.id, ANA, vocab)
    sandbox.page_progress(term.id, BEN, intro, tasks_done=1)  # viewed, half the tasks: a quarter of the course
    sandbox.login(term.id, ANA, iso(-1))
    sandbox.login(term.id, BEN, iso(-3))

    rows = {r.email: r for r in client.progress.offering(term.id)}
    assert set(rows) == {ANA, BEN, CY}  # learners only
    assert isinstance(rows[ANA], m.LearnerProgressResponse)
    assert {e: r.completion for e, r in rows.items()} == {ANA: "100", BEN: "25", CY: "0"}
    assert (rows[ANA].last_logged_in_at, rows[BEN].last_logged_in_at, rows[CY].last_logged_in_at) == (
        NOW - DAY, NOW - 3 * DAY, None,
    )  # fmt: skip
    assert rows[ANA].first_name == "Ana" and rows[ANA].course_id

    ana = client.progress.user(ANA)
    assert isinstance(ana, m.LearnerResponse) and ana.first_name == "Ana"
    assert sorted((o.id, o.completion) for o in ana.offerings or []) == sorted([(term.id, "100"), (numeracy.id, "0")])
    one = client.progress.user_offering(BEN, term.id)
    assert isinstance(one, m.UserOfferingProgress)
    assert (one.email, one.first_name, one.completion) == (BEN, "Ben", "25")
    with pytest.raises(UserNotInOfferingError):
        client.progress.user_offering(BEN, numeracy.id)

    everyone = client.progress.all()
    assert isinstance(everyone, m.AllProgressResponse) and everyone.top == 50
    assert [learner.email for learner in everyone.learners] == [ANA, BEN, CY]  # default order: e-mail
    kiwis = client.progress.all(filter="endswith(email,'@kiwi.example')", orderby="lastName desc", top=1)
    assert kiwis.top == 1 and [learner.email for learner in kiwis.learners] == [BEN]  # Rangi before Moana
    in_numeracy = client.progress.all(filter=f"offerings/any(o: o/id eq '{numeracy.id}')")
    assert [learner.email for learner in in_numeracy.learners] == [ANA]
    finished = client.progress.all(filter="offerings/any(o: o/completion eq '100')")
    assert [learner.email for learner in finished.learners] == [ANA]
    with pytest.raises(ApiValidationError):
        client.progress.all(filter="shoeSize gt 9")
    with pytest.raises(SchemaValidationError):
        client.progress.all(top=0)

    sandbox.note(term.id, ANA, intro, "p-3", "Kia ora = hello and thank you", createdAt=iso(-2))
    sandbox.note(term.id, BEN, intro, "p-1", "private reminder", shared=False)
    (note,) = client.analytics.social_notes(term.id)
    assert isinstance(note, m.SocialNotesResponse)
    assert (note.email, note.first_name, note.page_id) == (ANA, "Ana", intro)
    assert (note.social_note_paragraph_id, note.social_note_content) == ("p-3", "Kia ora = hello and thank you")

    sandbox.reaction(term.id, ANA, intro, "thumbs-up")
    sandbox.reaction(term.id, BEN, intro, "thumbs-up")
    sandbox.reaction(term.id, BEN, intro, "thumbs-down")  # changes Ben's mind
    sandbox.reaction(term.id, CY, vocab, "thumbs-up")
    reactions = {r.page_id: r.feedback for r in client.analytics.unit_reactions(term.id)}
    assert all(isinstance(r, m.UnitReactionsFeedback) for r in reactions.values())
    assert {page: (f.thumbs_up, f.thumbs_down) for page, f in reactions.items() if f} == {
        intro: (1, 1), vocab: (1, 0),
    }  # fmt: skip


def test_pulses_and_their_filters(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Wellbeing at Work")["rootContentId"]
    offering = client.offerings.create(start=NOW - 10 * DAY, root_content_id=root).id
    _people(client, offering, ANA, BEN)
    mood = sandbox.pulse(offering, "How are you feeling this week?", "MCQ", ["Great", "OK", "Struggling"])
    learned = sandbox.pulse(offering, "One thing you learned?", "submit_text")
    energy = sandbox.pulse(offering, "Energy vs focus", "spatial_planar", ["energy", "focus"])
    sandbox.pulse(offering, "Nobody answers this", "submit_text")
    monday = sandbox.run(offering, mood["id"], iso(-7), minutes=120)
    tuesday = sandbox.run(offering, learned["id"], iso(-1))
    spatial = sandbox.run(offering, energy["id"], iso(-0.5))
    great = {"multiChoiceAnswer": [{"option": "Great", "value": True}, {"option": "OK", "value": False}]}
    ok = {"multiChoiceAnswer": [{"option": "OK", "value": True}]}
    sandbox.answer(offering, mood["id"], monday["id"], ANA, iso(-6.9), great)
    sandbox.answer(offering, mood["id"], monday["id"], BEN, iso(-6.8), ok)
    sandbox.answer(offering, learned["id"], tuesday["id"], ANA, iso(-0.9), {"textAnswer": "Take breaks"})
    sandbox.answer(
        offering,
        energy["id"],
        spatial["id"],
        BEN,
        iso(-0.4),
        {"spatialAnswer": [{"option": "energy", "value": 0.25}, {"option": "focus", "value": 0.75}]},
    )

    assert sorted(client.pulses.list(offering)) == sorted([mood["id"], learned["id"], energy["id"]])
    every = client.pulses.responses(offering)
    assert len(every) == 4 and all(isinstance(r, m.PulseResponse) for r in every)

    mcq = client.pulses.responses(offering, pulse_type="MCQ")
    assert sorted(r.learner_first_name or "" for r in mcq) == ["Ana", "Ben"]
    ana_mood = next(r for r in mcq if r.learner_first_name == "Ana")
    assert (ana_mood.pulse_base_id, ana_mood.pulse_instance_id, ana_mood.pulse_question) == (
        mood["id"], monday["id"], "How are you feeling this week?",
    )  # fmt: skip
    assert (ana_mood.pulse_run_start, ana_mood.pulse_run_duration_minutes) == (NOW - 7 * DAY, 120)
    assert [(o.option, o.value) for o in ana_mood.response.multi_choice_answer or []] == [
        ("Great", True), ("OK", False),
    ]  # fmt: skip

    recent = client.pulses.responses(offering, response_time=[f"gte__{iso(-2)}", f"lt__{iso(-0.5)}"])
    assert [(r.pulse_base_id, r.response.text_answer) for r in recent] == [(learned["id"], "Take breaks")]
    before = client.pulses.responses(offering, response_time=f"lte__{iso(-6.85)}")
    assert [r.learner_last_name for r in before] == ["Moana"]
    (planar,) = client.pulses.responses(offering, pulse_type="spatial_planar")
    assert [(o.option, o.value) for o in planar.response.spatial_answer or []] == [("energy", 0.25), ("focus", 0.75)]
    with pytest.raises(SchemaValidationError):
        client.pulses.responses(offering, pulse_type="emoji")
    with pytest.raises(SchemaValidationError):
        client.pulses.responses(offering, response_time="soon__2026-01-01T00:00:00Z")

    for_mood = client.pulses.responses_for(offering, mood["id"])
    assert sorted(r.learner_first_name or "" for r in for_mood) == ["Ana", "Ben"]
    assert {r.pulse_type for r in for_mood} == {"MCQ"}
    with pytest.raises(ObjectNotFoundError):
        client.pulses.responses_for(offering, "-NoSuchPulse0000000")


def test_badges_award_and_user_badges(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Forklift Safety")["rootContentId"]
    badge = {
        "title": "Forklift Operator", "description": "Passed the forklift safety course",
        "badgeExpiry": {"expires": True, "expiryType": "timeframe", "timeframeAmount": 2, "timeframeUnit": "years"},
    }  # fmt: skip
    offering = client.offerings.create(start=NOW - 30 * DAY, end=NOW + DAY, root_content_id=root, badge=badge).id
    plain = client.offerings.create(start=NOW - 30 * DAY, root_content_id=root).id
    _people(client, offering, ANA, BEN)
    _people(client, plain, ANA)

    got = client.badges.get(offering)
    assert isinstance(got, m.Badge)
    assert (got.title, got.description) == ("Forklift Operator", "Passed the forklift safety course")
    assert got.criterias is not None and got.criterias.has_completed_course is True
    assert got.open_badge is not None and got.open_badge.name == "Forklift Operator"
    assert got.badge_expiry is not None and (got.badge_expiry.timeframe_amount, got.badge_expiry.timeframe_unit) == (
        2, "years",
    )  # fmt: skip

    assert client.badges.for_user(ANA) == []
    awarded = client.badges.award(offering, ANA)
    assert isinstance(awarded, m.AwardedResponse) and awarded.awarded is True
    assert awarded.badge_id and awarded.badge_url and awarded.badge_url.startswith("https://")
    assert client.badges.award(offering, ANA).badge_id == awarded.badge_id  # awarding again changes nothing

    (mine,) = client.badges.for_user(ANA)
    assert isinstance(mine, m.UserBadge)
    assert (mine.offering_id, mine.title, mine.badge_url, mine.awarded_at) == (
        offering, "Forklift Operator", awarded.badge_url, NOW,
    )  # fmt: skip
    assert mine.badge_expiry is not None and mine.badge_expiry.expires is True
    assert mine.badge_expiry.expiration_date == NOW.replace(year=NOW.year + 2)
    assert client.badges.for_user(BEN) == []

    with pytest.raises(ObjectNotFoundError):
        client.badges.get(plain)  # no badge
    with pytest.raises(MissingInfoError) as missing:
        client.badges.award(plain, ANA)
    assert missing.value.details == "The field 'Offering Badge' is missing or invalid."
    client.users.create(CY, first_name="Cy", last_name="Walsh", send_invite=False)
    with pytest.raises(UserNotInOfferingError):
        client.badges.award(offering, CY)
