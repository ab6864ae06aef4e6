"""Summaries and descriptions of the sandbox control plane (`/_sandbox`), which the official contract does not have.

The sandbox creates what the API only reads (courses, learners' work, progress, posts, pulses), sets the
organisation's clock, and resets, exports and imports its data. Same token, same organisation isolation and same
error bodies as `/v1`; absent in production mode. docs/sandbox.md has worked examples.
"""

from __future__ import annotations

from openqualify.server.reference.operations import Doc

_LEARNER = (
    " The learner is named by e-mail: an unknown account is a 404, anyone who is not a learner of the offering "
    "(a facilitator, a marker, a non-member) is `UserNotInOfferingError`."
)

SANDBOX: dict[str, Doc] = {
    # --- courses and versions -------------------------------------------------------------------------
    "GET /_sandbox/courses": Doc(
        "Courses with their versions",
        "Every course of the organisation with its published versions (content ids), draft id and metadata: "
        "what `POST /v1/offerings` can be built on.",
    ),
    "POST /_sandbox/courses": Doc(
        "Create a course",
        "A course with its name, cover, metadata and learning outcomes. Unless `publish` is false it is "
        "published at once as version 1, whose content id is also the course's root content id; with "
        "`publish: false` it stays a draft, which offerings cannot use.",
    ),
    "POST /_sandbox/courses/{rootContentId}/versions": Doc(
        "Publish a new version",
        "Publishes the course again: a new content id under the same root content id. New offerings built from "
        "the root use it; existing ones keep their version.",
    ),
    "POST /_sandbox/courses/{rootContentId}/draft": Doc(
        "Put a course back in draft",
        "The course gets a draft id, as when an author starts changing it; its published versions and their "
        "offerings stay as they are.",
    ),
    "POST /_sandbox/content/{contentId}/pages": Doc(
        "Add a page to a course version",
        "A page with its title, number of tasks and position. Completion is computed over a version's pages, "
        "so every learner's completion in the offerings of that version is computed again (a new page lowers "
        "it).",
    ),
    "GET /_sandbox/content/{contentId}/pages": Doc(
        "Pages of a course version",
        "The version's pages in order, with their ids (for page progress, reactions and notes) and task counts.",
    ),
    # --- time -----------------------------------------------------------------------------------------
    "GET /_sandbox/clock": Doc(
        "The organisation's clock",
        'What "now" is for this organisation (`now`), whether it stands still (`frozen`) and how far it is '
        "from real time (`offsetSeconds`).",
    ),
    "PUT /_sandbox/clock": Doc(
        "Set the clock",
        'Moves the organisation\'s "now" to `now`: frozen there by default, or running on from it with '
        '`frozen: false`. `{"now": null}` goes back to real time. Which offerings are current, past or '
        "to come, due dates and badge expiry all follow this clock.",
    ),
    "POST /_sandbox/clock/advance": Doc(
        "Move the clock by an amount",
        "Adds `days`, `hours`, `minutes` and `seconds` (negative amounts go back) to the organisation's clock, "
        "frozen or running.",
    ),
    # --- e-mails and data -----------------------------------------------------------------------------
    "GET /_sandbox/emails": Doc(
        "E-mails that would have been sent",
        "Invitations and notifications the API recorded instead of sending, newest first (`limit`, 1 to 1000). "
        "An invitation carries its link.",
    ),
    "POST /_sandbox/reset": Doc(
        "Delete the organisation's data",
        "Removes every course, offering, account and everything learners did, and answers how many rows of each "
        "kind went. The organisation, its tokens and its clock stay.",
    ),
    "POST /_sandbox/demo": Doc(
        "Load the demo data",
        "Fills an empty organisation (`ObjectExistsError` otherwise) with the demo of `openqualify serve --demo`: "
        "courses, past, current and future offerings, about two hundred people and what they did; answers the "
        "rows created, by table (201). Built from a fixed seed as of the start of the organisation's day: "
        "after a reset, the same ids come back.",
    ),
    "GET /_sandbox/export": Doc(
        "Export the organisation's data",
        "Everything the organisation owns except its tokens, table by table, as one JSON document that "
        "`POST /_sandbox/import` takes back (a fixture, a backup, a move to another database).",
    ),
    "POST /_sandbox/import": Doc(
        "Import an export",
        "Replaces the organisation's data with an export, all or nothing, keeping its ids. Rows are always "
        "written to the calling organisation; a row pointing outside the document, or an id another "
        "organisation of the database already has, refuses the whole import and changes nothing.",
    ),
    "GET /_sandbox/requests": Doc(
        "Recent requests (the journal)",
        "The organisation's last requests to `/v1` and `/_sandbox` served by this process, newest first "
        "(`limit` for fewer): method, path, query, status, duration, request headers (never `Authorization` or "
        "cookies) and both bodies, cut at `OPENQUALIFY_JOURNAL_BODY_BYTES`. `OPENQUALIFY_JOURNAL_SIZE` are kept; "
        "the journal starts empty when the server starts.",
    ),
    "DELETE /_sandbox/requests": Doc(
        "Clear the journal",
        "Forgets the organisation's recorded requests in this process. Answers 204.",
    ),
    # --- assessments and learners' work ---------------------------------------------------------------
    "POST /_sandbox/assessments": Doc(
        "Create a task",
        "A quiz, assignment or open-response task on a course version (`contentId`, every offering of it has the "
        "task) or on the version of an offering (`offeringId`). Dates are absolute (`openDate`, `dueDate`) or "
        "days from the offering's start (`openOffsetDays`, `dueOffsetDays`; from the learner's own start on "
        "offerings with relative dates).",
    ),
    "POST /_sandbox/assessments/{assessmentId}/documents": Doc(
        "Attach a document to a task",
        "A brief or template, for every offering of the task's content, or for one offering with `offeringId`.",
    ),
    "POST /_sandbox/offerings/{offeringId}/assessments/{assessmentId}/submissions": Doc(
        "Record a learner's work",
        "A learner's work on an assignment or open-response task, as a `draft`, `submitted` or `marked`; one per "
        "learner and task (a second is `ObjectExistsError`). Marks are added with "
        "`POST /_sandbox/submissions/{submissionId}/marks`." + _LEARNER,
    ),
    "POST /_sandbox/submissions/{submissionId}/marks": Doc(
        "Mark a submission",
        "Marks handed-in work (it becomes `marked`): the mark as a string, who marked it (an e-mail) and "
        "feedback. `role` says in which capacity; left out, it follows the marker's membership of the offering "
        "(facilitator first, then marker).",
    ),
    "POST /_sandbox/marks/{markId}/feedback": Doc(
        "Add feedback to a mark",
        "Appends an entry to the mark's history; with `mark` it is a re-mark, and the latest non-empty feedback "
        "becomes the mark's feedback.",
    ),
    "POST /_sandbox/offerings/{offeringId}/assessments/{assessmentId}/attempts": Doc(
        "Record a quiz attempt",
        "One attempt at a quiz with its mark (a percentage, as a string) and when it was made." + _LEARNER,
    ),
    "POST /_sandbox/activities": Doc(
        "Create an open-response activity",
        "An activity (a question in the pages, not marked) on a course version or on the version of an "
        "offering, with the minutes it should take (`time`).",
    ),
    "POST /_sandbox/offerings/{offeringId}/activities/{activityId}/attempts": Doc(
        "Record an answer to an activity",
        "A learner's answer (text and uploaded files), with a facilitator's feedback if you give one." + _LEARNER,
    ),
    "PUT /_sandbox/offerings/{offeringId}/users/{userEmail}/start": Doc(
        "Set a learner's own start",
        "The date from which this learner's relative due dates count; `null` goes back to the offering's start.",
    ),
    # --- progress, reactions, notes, pulses ------------------------------------------------------------
    "PUT /_sandbox/offerings/{offeringId}/users/{userEmail}/pages/{pageId}/progress": Doc(
        "Record what a learner did on a page",
        "Whether they viewed the page and how many of its tasks they did; their completion in the offering is "
        "computed again at once." + _LEARNER,
    ),
    "POST /_sandbox/offerings/{offeringId}/users/{userEmail}/logins": Doc(
        "Record a log-in",
        "A member opened the offering, now or `at`: sets the membership's last log-in and the account's first "
        "and last access.",
    ),
    "POST /_sandbox/offerings/{offeringId}/unit-reactions": Doc(
        "Record a reaction to a page",
        "A learner's thumbs-up or thumbs-down on a page; reacting again replaces the earlier reaction." + _LEARNER,
    ),
    "POST /_sandbox/offerings/{offeringId}/social-notes": Doc(
        "Record a note on a page",
        "A learner's note on a paragraph of a page; only notes with `shared: true` appear in "
        "`GET /v1/offerings/{offeringId}/analytics/social-notes`." + _LEARNER,
    ),
    "POST /_sandbox/offerings/{offeringId}/pulses": Doc(
        "Create a pulse",
        "A check-in question of one of the five pulse types; multiple-choice and spatial pulses name their "
        "options. Its id is what the analytics call the pulse base id.",
    ),
    "POST /_sandbox/offerings/{offeringId}/pulses/{pulseId}/runs": Doc(
        "Send a pulse",
        "One run of the pulse, starting now or at `start` and open for `durationMinutes`. Its id is the pulse "
        "instance id of the analytics.",
    ),
    "POST /_sandbox/offerings/{offeringId}/pulses/{pulseId}/runs/{runId}/responses": Doc(
        "Record an answer to a pulse",
        "A learner's answer to a run, in the form the pulse type takes: `textAnswer`, `multiChoiceAnswer` or "
        "`spatialAnswer`." + _LEARNER,
    ),
    # --- channels -------------------------------------------------------------------------------------
    "POST /_sandbox/offerings/{offeringId}/channels/{channelId}/posts": Doc(
        "Start a thread in a channel",
        "A post by a member of the offering, with a title, text and attachments. `isFacilitatorPost` follows "
        "the author's role unless given; `createdAt` defaults to the organisation's now.",
    ),
    "POST /_sandbox/posts/{postId}/comments": Doc(
        "Comment on a post",
        "A member's comment on a post; the channel's comments list shows it.",
    ),
    "POST /_sandbox/comments/{commentId}/replies": Doc(
        "Reply to a comment",
        "A member's reply to a comment; the channel's replies list shows it.",
    ),
    "PUT /_sandbox/posts/{postId}/moderation": Doc(
        "Moderate a post",
        "Mutes a post or not, with a reason and the moderator's e-mail; sending no body (or `null`) lifts the "
        "moderation.",
    ),
    "PUT /_sandbox/comments/{commentId}/moderation": Doc(
        "Moderate a comment or reply",
        "The same as for posts, for a comment or a reply.",
    ),
    # --- faults and latency ------------------------------------------------------------------------------
    "POST /_sandbox/faults": Doc(
        "Add a fault or latency rule",
        "Requests to `/v1` that match the rule (a method or `*`; a contract route template, a prefix ending in "
        "`/*`, or `*`) get an error answer with the contract's name for its status (the request is not run), a "
        "dropped or truncated answer, or a delay, with an optional probability (reproducible with a seed), a "
        "number of times and every n-th match. Only this organisation's requests are touched.",
    ),
    "GET /_sandbox/faults": Doc(
        "Fault and latency rules",
        "The organisation's rules in the order they apply, with how often each matched and fired.",
    ),
    "DELETE /_sandbox/faults/{faultId}": Doc(
        "Remove a rule", "The rule stops applying to the requests that follow (204); the others keep counting."
    ),
    "DELETE /_sandbox/faults": Doc(
        "Remove every rule", "Every fault and latency rule of the organisation goes; `POST /_sandbox/reset` does too."
    ),
}
