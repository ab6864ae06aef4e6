"""What each console page shows for the demo organisation, checked against the `/v1` API's own answers, and the
console's scope: another organisation's ids are not found, as through the API."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from openqualify.server.console.views.assessments import assessments_view
from openqualify.server.console.views.common import COMPLETION_BINS, completion_bin
from openqualify.server.console.views.engagement import badges_view, channels_view, pulses_view, reactions_view
from openqualify.server.console.views.learner import learner_view
from openqualify.server.console.views.offering import learners_table, offering_page
from openqualify.server.console.views.overview import overview
from openqualify.server.console.views.sandbox import sandbox_view
from openqualify.server.console.views.search import SearchView, search_view
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from tests.fixtures.api import Api
from tests.fixtures.console import NOW, run_view


def _ids(api: Api, bucket: str) -> list[str]:
    return [o["id"] for o in api.get(f"/offerings/{bucket}").json()]


def _biggest_current(api: Api) -> str:
    summary = {o["id"]: o["learnersCount"] for o in api.get("/offerings/summary", params={"$top": "100"}).json()}
    return max(_ids(api, "current"), key=lambda i: summary[i])


def test_overview_matches_the_api(http: TestClient, demo: Api) -> None:
    v = run_view(http, demo, overview)
    assert v.org.now == NOW and v.org.frozen
    assert {b.key: b.total for b in v.buckets} == {k: len(_ids(demo, k)) for k in ("current", "past", "future")}
    summary = {o["id"]: o["learnersCount"] for o in demo.get("/offerings/summary", params={"$top": "100"}).json()}
    current = v.buckets[0]
    assert {line.id: line.learners for line in current.lines} == {i: summary[i] for i in _ids(demo, "current")}
    # The completion histogram counts every learner of every current offering, from their stored completion.
    completions = [int(row["completion"]) for i in _ids(demo, "current")
                   for row in demo.get(f"/offerings/{i}/analytics/learners-progress").json()]
    bins = Counter(completion_bin(c) for c in completions)
    assert [int(row[1]) for row in v.completion.table.rows] == [bins.get(i, 0) for i in range(len(COMPLETION_BINS))]
    # Enrolments (learner places) and people: someone in two current offerings is one person, two enrolments.
    assert v.current_enrolments == len(completions) == sum(line.learners for line in current.lines)
    people = {row["email"] for i in _ids(demo, "current")
              for row in demo.get(f"/offerings/{i}/analytics/learners-progress").json()}
    assert v.current_people == len(people) < v.current_enrolments
    assert v.current_completed == sum(1 for c in completions if c == 100)
    assert v.completion.marks > 0 and v.by_offering.marks == len([line for line in current.lines if line.learners])
    assert v.recent and [e.at for e in v.recent] == sorted((e.at for e in v.recent), reverse=True)
    assert sum(int(row[1]) for row in v.enrolments.table.rows) == v.enrolments_total > 0


def test_past_offerings_have_their_outcome(http: TestClient, demo: Api) -> None:
    v = run_view(http, demo, overview)
    past = next(b for b in v.buckets if b.key == "past")
    assert past.outcome and past.lines
    for line in past.lines:
        rows = demo.get(f"/offerings/{line.id}/analytics/learners-progress").json()
        completions = [int(r["completion"]) for r in rows]
        assert line.learners == len(rows)
        assert line.completed == sum(1 for c in completions if c == 100)
        if rows:
            assert line.mean_completion == pytest.approx(sum(completions) / len(rows))
    future = next(b for b in v.buckets if b.key == "future")
    assert not future.outcome and all(line.mean_completion is None for line in future.lines)


def test_the_mean_completion_axis_runs_from_0_to_100(http: TestClient, demo: Api) -> None:
    chart = run_view(http, demo, overview).by_offering.layout()
    assert [t.label for t in chart.x_ticks] == ["0", "25", "50", "75", "100"]


def test_a_period_selects_offerings_and_enrolments(http: TestClient, demo: Api) -> None:
    every = run_view(http, demo, overview)
    assert every.period.all_time
    # The enrolments of the last four weeks by the organisation's clock (NOW), as the API's memberships date them.
    recent = run_view(http, demo, lambda ctx: overview(ctx, {"period": "4w"}))
    first = (NOW - timedelta(days=27)).date()
    assert recent.period.first == first and recent.period.last == NOW.date()
    assert all(first <= e.at.date() <= NOW.date() for e in recent.recent)
    assert 0 < recent.enrolments_total < every.enrolments_total
    # Offerings running in the period: a past offering that ended before it is left out.
    past = next(b for b in every.buckets if b.key == "past")
    ended_long_ago = [line for line in past.lines if line.end is not None and line.end.date() < first]
    kept = {line.id for b in recent.buckets for line in b.lines}
    assert ended_long_ago and not kept & {line.id for line in ended_long_ago}
    assert sum(b.total for b in recent.buckets) == len(kept) < sum(b.total for b in every.buckets)
    # A range given by hand, either way round; what is not a date is said, and ignored.
    explicit = run_view(http, demo, lambda ctx: overview(ctx, {"from": NOW.date().isoformat(),
                                                                 "to": first.isoformat()}))
    assert (explicit.period.first, explicit.period.last) == (first, NOW.date())
    assert explicit.enrolments_total == recent.enrolments_total
    wrong = run_view(http, demo, lambda ctx: overview(ctx, {"from": "10/03/2026"}))
    assert wrong.period.all_time and "10/03/2026" in wrong.period.refused


def test_offering_page_and_its_table(http: TestClient, demo: Api) -> None:
    offering_id = _biggest_current(demo)
    api_rows = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()
    v = run_view(http, demo, lambda ctx: offering_page(ctx, offering_id, {"sort": "completion", "dir": "desc"}))
    assert v.head.offering.id == offering_id and v.head.bucket == "current" and v.head.course
    assert v.learners == len(api_rows) == v.table.total
    assert v.completed == sum(1 for r in api_rows if r["completion"] == "100")
    assert [r.completion for r in v.table.rows] == sorted((int(r["completion"]) for r in api_rows), reverse=True)[:50]
    assert sum(int(row[1]) for row in v.completion.table.rows) == len(api_rows)
    assert v.completion.layout().rects[0].href == f"/console/offerings/{offering_id}?band=0#learners"

    someone = api_rows[3]
    found = run_view(http, demo, lambda ctx: learners_table(ctx, offering_id, {"q": someone["email"].upper()}))
    assert [r.email for r in found.rows] == [someone["email"]]
    band = completion_bin(int(someone["completion"]))
    in_band = run_view(http, demo, lambda ctx: learners_table(ctx, offering_id, {"band": str(band), "size": "25"}))
    assert in_band.matched == sum(1 for r in api_rows if completion_bin(int(r["completion"])) == band)


def test_completion_ties_sort_by_name_from_a_to_z_either_way(http: TestClient, demo: Api) -> None:
    offering_id = _biggest_current(demo)
    for direction in ("desc", "asc"):
        v = run_view(http, demo, lambda ctx, d=direction: learners_table(
            ctx, offering_id, {"sort": "completion", "dir": d, "size": "200"}))
        rows = v.found
        assert len({r.completion for r in rows}) < len(rows), "the demo has ties"
        for completion in {r.completion for r in rows}:
            tied = [(r.name.casefold(), r.email) for r in rows if r.completion == completion]
            assert tied == sorted(tied), (direction, completion)
        completions = [r.completion for r in rows]
        assert completions == sorted(completions, reverse=direction == "desc")


def test_assessments_count_what_the_api_lists(http: TestClient, demo: Api) -> None:
    offering_id = _biggest_current(demo)
    v = run_view(http, demo, lambda ctx: assessments_view(ctx, offering_id))
    handed_in = demo.get(f"/offerings/{offering_id}/analytics/submissions/assignments").json()
    marked = demo.get(f"/offerings/{offering_id}/analytics/marks/assignments").json()
    learners = {r["email"] for r in demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()}
    listed = [a for a in demo.get(f"/offerings/{offering_id}/assessments").json() if a["type"] != "quiz"]
    assert [p.id for p in v.assessments] == [a["id"] for a in listed]
    for panel in v.assessments:
        mine = [r for r in handed_in if r["assessmentId"] == panel.id]
        assert panel.marked == sum(1 for r in marked if r["assessmentId"] == panel.id)
        assert panel.submitted + panel.marked == len(mine)
        assert panel.pending == len(learners - {r["learnerEmail"] for r in mine})
        assert sum(int(row[1]) for row in panel.marks.table.rows) == panel.marked
    assert sum(p.marked for p in v.assessments) > 0, "the demo marks work in its current offerings"
    quiz_rows = demo.get(f"/offerings/{offering_id}/analytics/marks/quizzes").json()
    assert {q.id: q.learners for q in v.quizzes} == Counter(r["quizId"] for r in quiz_rows)
    # One row per learner (their last attempt): the axis counts learners, in the bins completion uses.
    for quiz in v.quizzes:
        assert quiz.marks.y_label == "Learners" and quiz.attempts_chart.y_label == "Learners"
        assert [row[0] for row in quiz.marks.table.rows] == COMPLETION_BINS
        assert sum(int(row[1]) for row in quiz.marks.table.rows) == sum(
            1 for r in quiz_rows if r["quizId"] == quiz.id and r.get("mark") is not None)
    assert {q.id: q.attempts for q in v.quizzes} == {
        q: sum(r["attempts"] for r in quiz_rows if r["quizId"] == q) for q in {r["quizId"] for r in quiz_rows}
    }


def test_engagement_sections_match_the_api(http: TestClient, demo: Api) -> None:
    offering_id = _biggest_current(demo)
    pulses = run_view(http, demo, lambda ctx: pulses_view(ctx, offering_id))
    responses = demo.get(f"/offerings/{offering_id}/analytics/pulses/responses").json()
    assert pulses.responses == len(responses) > 0
    assert {p.id: p.responses for p in pulses.pulses} == Counter(r["pulseBaseId"] for r in responses)
    assert pulses.over_time.marks > 0
    assert sum(float(cell) for row in pulses.over_time.table.rows for cell in row[1:]) == len(responses)
    spatial = [p for p in pulses.pulses if p.type.startswith("spatial")]
    assert spatial, "the demo has spatial pulses"
    for pulse in spatial:  # the mean of each option says on which scale it is read
        assert pulse.answers is not None and "0 to 1" in pulse.answers.y_label and "from 0" in pulse.answers.note
        assert [t.label for t in pulse.answers.layout().x_ticks][-1] == "1"

    channels = run_view(http, demo, lambda ctx: channels_view(ctx, offering_id))
    assert [c.id for c in channels.channels] == [c["id"] for c in demo.get(f"/offerings/{offering_id}/channels").json()]
    for line in channels.channels:
        base = f"/offerings/{offering_id}/analytics/channels/{line.id}"
        assert line.posts == len(demo.get(f"{base}/posts").json())
        assert line.comments == len(demo.get(f"{base}/comments").json())
        assert line.replies == len(demo.get(f"{base}/replies").json())
    assert channels.total > 0 and channels.activity.marks > 0

    reactions = run_view(http, demo, lambda ctx: reactions_view(ctx, offering_id))
    api_reactions = demo.get(f"/offerings/{offering_id}/analytics/unit-reactions").json()
    assert reactions.up == sum(r["feedback"]["thumbs-up"] for r in api_reactions)
    assert reactions.down == sum(r["feedback"]["thumbs-down"] for r in api_reactions)
    assert reactions.pages == len(api_reactions) and reactions.chart.marks > 0


def test_badges_of_an_offering(http: TestClient, demo: Api) -> None:
    with_badge = [i for i in _ids(demo, "current")
                  if demo.get(f"/offerings/{i}/badges").status_code == 200]
    offering_id = with_badge[0]
    v = run_view(http, demo, lambda ctx: badges_view(ctx, offering_id))
    assert v.badge is not None and v.badge.title == demo.get(f"/offerings/{offering_id}/badges").json()["title"]
    learners = [r["email"] for r in demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()]
    awarded = [e for e in learners
               if any(b["offeringId"] == offering_id for b in demo.get(f"/users/{e}/badges").json())]
    assert v.awarded == len(awarded) > 0
    assert {a.email for a in v.recent} <= set(awarded)
    assert v.over_time is not None and v.over_time.marks > 0
    without = next(i for i in _ids(demo, "future") if demo.get(f"/offerings/{i}/badges").status_code == 404)
    assert run_view(http, demo, lambda ctx: badges_view(ctx, without)).badge is None


def test_learner_page_matches_the_api(http: TestClient, demo: Api) -> None:
    # A learner with a badge and marked work (chosen from the data, not by its position in the demo).
    marked = {
        r["learnerEmail"] for i in _ids(demo, "current") + _ids(demo, "past")
        for r in demo.get(f"/offerings/{i}/analytics/marks/assignments").json() if r.get("mark") is not None
    }
    email = next(e for e in sorted(marked) if demo.get(f"/users/{e}/badges").json())
    v = run_view(http, demo, lambda ctx: learner_view(ctx, email.upper()))
    assert v.email == email
    assert {m.offering_id for m in v.memberships} == {o["id"] for o in demo.get(f"/users/{email}/offerings").json()}
    progress = {o["id"]: int(o["completion"]) for o in demo.get(f"/users/{email}/progress").json()["offerings"]}
    assert {m.offering_id: m.completion for m in v.memberships if m.completion is not None} == progress
    badges = demo.get(f"/users/{email}/badges").json()
    assert [(b.offering_id, b.title) for b in v.badges] == [(b["offeringId"], b["title"]) for b in badges]
    assert all(b.status in ("active", "expired", "no expiry") for b in v.badges)
    marked = [w for w in v.work if w.mark is not None]
    for line in marked:
        assert line.status == "marked"
    # Marks and feedback as the offerings' mark lists give them.
    api_marks = sorted(
        (o, r.get("mark"), r.get("markFeedback")) for o in {m.offering_id for m in v.memberships}
        for r in demo.get(f"/offerings/{o}/analytics/marks/assignments").json() if r["learnerEmail"] == email
    )
    assert sorted((w.offering_id, w.mark, w.feedback) for w in v.work if w.marked) == api_marks
    assert api_marks, "the chosen learner has marked work"
    started = [m for m in v.memberships if m.completion is not None and m.bucket != "future"]
    assert v.progress.marks == sum(1 for m in started if m.completion)


def test_a_learners_mean_completion_leaves_out_offerings_not_started(http: TestClient, demo: Api) -> None:
    future = _ids(demo, "future")
    learners = [r["email"] for r in demo.get(f"/offerings/{future[0]}/analytics/learners-progress").json()]
    email = next(e for e in learners
                 if any(o["id"] not in future for o in demo.get(f"/users/{e}/progress").json()["offerings"]))
    v = run_view(http, demo, lambda ctx: learner_view(ctx, email))
    progress = demo.get(f"/users/{email}/progress").json()["offerings"]
    started = [int(o["completion"]) for o in progress if o["id"] not in future]
    assert any(o["id"] in future for o in progress)
    assert v.mean_completion == pytest.approx(sum(started) / len(started))


def test_sandbox_view(http: TestClient, demo: Api) -> None:
    v = run_view(http, demo, lambda ctx: sandbox_view(ctx, True))
    assert v.org.frozen and v.org.clock_state == "frozen" and v.journal
    assert v.offerings == {"Current": len(_ids(demo, "current")), "Past": len(_ids(demo, "past")),
                           "Future": len(_ids(demo, "future"))}
    assert [e.id for e in v.emails] == [e["id"] for e in demo.sandbox.get("/emails", params={"limit": 25}).json()]


def test_search_finds_learners_by_name_or_email_and_offerings_by_name(http: TestClient, demo: Api) -> None:
    offering_id = _biggest_current(demo)
    someone = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[5]
    first, last = someone["firstName"], someone["lastName"]

    def search(text: str) -> SearchView:
        return run_view(http, demo, lambda ctx: search_view(ctx, {"q": text}))

    by_name = search(f"{last.upper()} {first[:3].lower()}")  # every word, any case, any order
    assert someone["email"] in [r.email for r in by_name.learners]
    for row in by_name.learners:
        assert last.casefold() in f"{row.name} {row.email}".casefold()
    found = next(r for r in by_name.learners if r.email == someone["email"])
    assert offering_id in [o.id for o in found.offerings]
    assert [r.email for r in search(someone["email"]).learners] == [someone["email"]]
    name = demo.get(f"/offerings/{offering_id}").json()["name"]
    assert offering_id in [o.id for o in search(name.split()[0]).offerings]
    assert search("").learners == [] and search("zz-nobody-zz").learners == []
    assert search("o'brien").learners is not None  # a quote is a literal, not OData syntax
    facilitator = next(r["email"] for r in demo.get(f"/offerings/{offering_id}/users").json()
                       if r.get("isFacilitator"))
    assert search(facilitator).member == facilitator  # not a learner: a link to their page all the same


def test_another_organisation_finds_none_of_it(http: TestClient, demo: Api, other_api: Api) -> None:
    offering_id = _ids(demo, "current")[0]
    email = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    for build in (
        lambda ctx: offering_page(ctx, offering_id, {}),
        lambda ctx: learners_table(ctx, offering_id, {}),
        lambda ctx: assessments_view(ctx, offering_id),
        lambda ctx: pulses_view(ctx, offering_id),
        lambda ctx: channels_view(ctx, offering_id),
        lambda ctx: reactions_view(ctx, offering_id),
        lambda ctx: badges_view(ctx, offering_id),
        lambda ctx: learner_view(ctx, email),
    ):
        with pytest.raises(ObjectNotFoundError):
            run_view(http, other_api, build)
    with pytest.raises(SchemaValidationError):
        run_view(http, other_api, lambda ctx: learner_view(ctx, "not-an-email"))
    empty = run_view(http, other_api, overview)
    assert all(b.total == 0 for b in empty.buckets) and empty.recent == [] and empty.completion.empty
    nobody = run_view(http, other_api, lambda ctx: search_view(ctx, {"q": email}))
    assert nobody.learners == [] and nobody.member is None
