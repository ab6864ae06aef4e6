"""Summaries and descriptions of the `/v1` operations (and `/health`, `/ready`), the tags and the introduction.

Written for this server, in our own words (the official contract's prose is reference data and is not copied:
`tests/contract/test_reference.py` checks). Markdown, as Swagger UI renders it. A description says what the
operation answers or changes, the rules a caller meets, and the named errors worth knowing beyond the ones every
operation shares (401 without a valid token, 400 `SchemaValidationError` for malformed input, 404 for ids the
organisation does not have).
"""

from __future__ import annotations

from typing import NamedTuple


class Doc(NamedTuple):
    summary: str
    description: str


INTRODUCTION = """\
OpenQualify serves the iQualify Management API v1: the same paths, bodies, status codes and named errors, backed
by a database of its own. A client written for `https://api.iqualify.com/v1` works against this server's `/v1`.

**Authentication.** Send the organisation's API token as `Authorization: Bearer <token>` (choose *Authorize*
above). `openqualify serve --demo` prints the demo organisation's token and keeps it in
`openqualify.db.demo-token`; `openqualify org create NAME` makes a new organisation and its token.

**Errors.** Every failure answers a flat JSON body `{"name": "...", "details": "..."}`: `name` is the contract's
error name (`ObjectNotFoundError`, `SchemaValidationError`, ...), `details` says what went wrong in words.
Malformed input is a 400 before anything is looked up; ids the organisation does not have are 404. Past the
rate limit the answer is 429 with `Retry-After`; when the database stays busy too long, 503 (nothing was
changed: try again).

**Dates** are sent and received as RFC 3339 date-times; answers use UTC with milliseconds
(`2026-03-10T14:37:00.000Z`). "Now" is the organisation's clock, which the sandbox can move
(`PUT /_sandbox/clock`).

**Lists.** Most lists answer everything at once. The two large ones, `GET /v1/offerings/summary` and
`GET /v1/users/all/progress`, take `$top` (a page of 1 to 1000 rows, 50 by default), `$orderby` and `$filter`, a
subset of OData described on their parameters. There is no `$skip`: to read every row, sort on the id and ask
for the rows after the last one you have (`$orderby=id&$filter=id gt '<last id>'`).

**Sandbox.** Outside production mode, `/_sandbox` creates what the API cannot (courses, learners' work,
progress, posts, pulses), sets the clock, resets, exports and imports the organisation's data, and lists the
requests it served.
"""

# The error answers every `/v1` and `/_sandbox` operation may give (their body: `{name, details}`).
ERRORS: dict[str, str] = {
    "400": "Refused: malformed input (`SchemaValidationError`) or a rule of the operation (its own error name).",
    "401": "No token, or a token this server does not know (`NotAuthorizedError`).",
    "403": "The organisation's API access is turned off (`AccessDeniedError`).",
    "404": "Something the request names does not exist in this organisation (`ObjectNotFoundError`).",
}

TAGS: dict[str, str] = {
    "API info": "What this server serves.",
    "Organisation": "The organisation the token belongs to.",
    "Offerings": "Classes: a course version taught over a period, with its dates, settings and badge.",
    "Offering metadata": "An offering's category, level, tags and topic, one field at a time.",
    "Offering learners": "Who takes part in an offering (learners, facilitators, markers) and who marks whom.",
    "Users in iQualify": "The organisation's accounts: create, read, change, suspend, invite, grant permissions.",
    "Courses": "Courses and their published versions (content ids), who may build or review them.",
    "Course metadata": "A course's category, level, tags and topic, shared by all its versions.",
    "Course mappings": "Links between offerings and the ids of an outside system (a shop, a student system).",
    "Assessment management": "The tasks of an offering and their dates, learners' due dates, documents, drafts.",
    "Assessment data": "Learners' submissions, marks and quiz results, and their answers to activities.",
    "Assessment groups": "Groups of learners inside an offering, for group work.",
    "Channels": "An offering's talk channels, group channels' learners, and the posts, comments and replies.",
    "Learner activity": "Completion and progress, log-ins, reactions to pages and shared notes.",
    "Pulses": "Quick check-in questions sent to an offering's learners, and their answers.",
    "Badges": "An offering's badge and the learners who earned it.",
    "Sandbox": "The sandbox control plane (not in production mode): what the API cannot create, the clock, data.",
    "Health": "Liveness and readiness, without a token, for load balancers and orchestrators.",
}

HEALTH: dict[str, Doc] = {
    "GET /health": Doc(
        "Is the process up?",
        'Answers `{"status": "ok"}` as long as the process serves requests. It checks nothing else: use it '
        "as a liveness probe. No token needed.",
    ),
    "GET /ready": Doc(
        "Can it serve the API?",
        "200 when the database answers and its schema is at the migration this code expects; otherwise 503 "
        "with the check that failed. Use it as a readiness probe. No token needed.",
    ),
}

API: dict[str, Doc] = {
    "GET /v1/": Doc(
        "List the operations served",
        'An object whose keys are `"METHOD /path"` and whose values are absolute URLs, one per operation this '
        "server answers. In the sandbox the URLs use the host you called (so a client following them stays "
        "here); `OPENQUALIFY_PUBLIC_BASE_URL` overrides them.",
    ),
    "GET /v1/org": Doc(
        "The organisation of the token",
        "The `id` and `name` of the organisation the bearer token belongs to: a cheap way to check a token.",
    ),
    # --- offerings ------------------------------------------------------------------------------------
    "GET /v1/offerings": Doc(
        "Every offering",
        "Every offering of the organisation, whatever its dates, each with its settings and metadata (its badge: "
        "`GET /v1/offerings/{offeringId}/badges`).",
    ),
    "POST /v1/offerings": Doc(
        "Create an offering",
        "Starts a class of a course. Name the content with `contentId` (that version) or `rootContentId` (the "
        "course's latest published version); giving both requires them to agree (`IncompatibleParametersError`), "
        "giving neither, or naming a course never published, is `InvalidContentError`. `start` is required; "
        "`end`, an early close-off within start…end, relative dates and a badge are optional (a badge needs a "
        "title: `MissingInfoError`). `createDefaultChannels: true` adds a *General* channel and a private "
        "*Facilitator support* channel. Answers the new offering (201).",
    ),
    "GET /v1/offerings/current": Doc(
        "Offerings running now",
        "Offerings that have started and have not ended, by the organisation's clock. An offering without an "
        "end date stays here once started. An early close-off does not move an offering out of this list.",
    ),
    "GET /v1/offerings/past": Doc(
        "Offerings that have ended",
        "Offerings whose end date has gone by, by the organisation's clock.",
    ),
    "GET /v1/offerings/future": Doc(
        "Offerings not started yet",
        "Offerings whose start is still ahead, by the organisation's clock.",
    ),
    "GET /v1/offerings/info/{textPattern}": Doc(
        "Search offerings by text",
        "Offerings whose `info` (the identifier and the name, e.g. `SAF-2026-T4 Workplace Health and Safety "
        "Essentials - Auckland`) contains `textPattern`, ignoring case; `%` and `_` are plain characters. The "
        "pattern needs at least 3 characters (`TextPatternError`); no match is a 404 `ObjectNotFoundError`. "
        "Rows have the shape of the summary list.",
    ),
    "GET /v1/offerings/summary": Doc(
        "Offerings in brief, filtered and sorted",
        "One row per offering: id, name, content ids, dates, `info` and the number of learners. Pages of `$top` "
        "rows (50 by default, at most 1000), sorted by `$orderby` (by default by `start`, then id) and narrowed "
        "by `$filter`; see the parameters for the fields and operators. Any other query parameter is refused "
        "(`SchemaValidationError`).",
    ),
    "GET /v1/offerings/{offeringId}": Doc(
        "One offering",
        "The offering with its dates, settings (relative dates, early close-off, read-only) and metadata. Absent "
        "values are left out rather than sent as `null`.",
    ),
    "PATCH /v1/offerings/{offeringId}": Doc(
        "Change an offering",
        "Changes only the fields sent; `null` clears an optional one (`end`, texts, metadata fields). The "
        "content may move to another version of the same course only. Once learners are enrolled, relative "
        "dates cannot be switched on or off (`IncompatibleParametersError`); a badge can be added only before "
        "the start and only if there is none yet (`ObjectExistsError`).",
    ),
    "PUT /v1/offerings/{offeringId}/metadata/category": Doc(
        "Set an offering's category",
        'Replaces the category with the body\'s `{"category": "..."}` and answers the offering.',
    ),
    "PUT /v1/offerings/{offeringId}/metadata/level": Doc(
        "Set an offering's level",
        'Replaces the level with the body\'s `{"level": "..."}` and answers the offering.',
    ),
    "PUT /v1/offerings/{offeringId}/metadata/tags": Doc(
        "Set an offering's tags",
        'Replaces the whole list of tags with the body\'s `{"tags": [...]}` and answers the offering.',
    ),
    "PUT /v1/offerings/{offeringId}/metadata/topic": Doc(
        "Set an offering's topic",
        'Replaces the topic with the body\'s `{"topic": "..."}` and answers the offering.',
    ),
    # --- progress -------------------------------------------------------------------------------------
    "GET /v1/users/all/progress": Doc(
        "Every learner's completion, filtered and sorted",
        "A page of learners (accounts that are learners in at least one offering), each with the offerings "
        "they learn in and their completion there, plus the names of those offerings and the `top` that was "
        "applied. Pages of `$top` learners (50 by default, at most 1000), sorted by `$orderby` (by default by "
        "e-mail) and narrowed by `$filter`, which can also test the offerings "
        "(`offerings/any(o: o/completion ge 50)`); see the parameters. To read everyone, page by id "
        "(`$orderby=id&$filter=id gt '<last id>'`).",
    ),
    "GET /v1/users/{userEmail}/progress": Doc(
        "One learner's completion everywhere",
        "The account with every offering it learns in and its completion there (a whole percent, as a string).",
    ),
    "GET /v1/users/{userEmail}/offerings/{offeringId}/progress": Doc(
        "One learner's completion in one offering",
        "The learner's completion in that offering. Someone who is not a learner there (a facilitator, a marker, "
        "a non-member) is refused with `UserNotInOfferingError`.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/learners-progress": Doc(
        "Completion of every learner of an offering",
        "One row per learner: who they are, their completion (pages weigh the same; a page with tasks counts the "
        "share done) and when they last logged in to the offering, when they have.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/social-notes": Doc(
        "Shared notes in an offering",
        "Notes learners attached to paragraphs of the offering's pages and chose to share, with their author. "
        "Private notes are not listed.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/unit-reactions": Doc(
        "Thumbs up and down per page",
        "For each page of the offering that got a reaction, how many learners gave it a thumbs-up and how many a "
        "thumbs-down.",
    ),
    # --- users ----------------------------------------------------------------------------------------
    "POST /v1/users": Doc(
        "Create an account",
        "Adds a person to the organisation. `email` is required and must be new (`ObjectExistsError`, or "
        "`UserSuspendedError` when the account exists but is suspended). With `sendInvite: false` the answer "
        "carries the invitation link (`invite.url`) for you to deliver; otherwise an invitation e-mail is "
        "recorded (`GET /_sandbox/emails` lists them in the sandbox).",
    ),
    "GET /v1/users/{userEmail}": Doc(
        "One account",
        "The person's names, person id, tags, profile, suspension and when they first and last signed in. "
        "E-mails match whatever their case.",
    ),
    "PATCH /v1/users/{userEmail}": Doc(
        "Change an account",
        "Changes only the fields sent; `metadata.tags` replaces the whole list. A new `email` must not belong "
        "to another account (`ObjectExistsError`). `sendInvite` is ignored here.",
    ),
    "PUT /v1/users/{userEmail}/suspend": Doc(
        "Suspend or reinstate an account",
        '`{"suspended": true}` suspends, `false` reinstates; asking for the state the account already has is '
        "`ObjectExistsError`, leaving `suspended` out is `InvalidParameterError`. A suspended person stays "
        "listed but cannot be added to offerings. Answers 204.",
    ),
    "POST /v1/users/{userEmail}/invite-email": Doc(
        "Send the invitation again",
        "Records a new invitation e-mail for the account (suspended accounts included). Answers 204.",
    ),
    "POST /v1/users/{userEmail}/permissions/{permissionName}": Doc(
        "Grant an organisation permission",
        "Makes the person a `builder` (may author courses) or a `manager`. They need a first and a last name "
        "(`MissingInfoError`); granting a permission they hold is `ObjectAlreadyIsError`. Permissions cannot be "
        "taken back through the API.",
    ),
    # --- courses --------------------------------------------------------------------------------------
    "GET /v1/courses": Doc(
        "All courses",
        "One entry per course: its latest published version's id (or its draft id if it was never published), "
        "name, cover and metadata, including its learning outcomes.",
    ),
    "GET /v1/courses/{contentId}": Doc(
        "One course version",
        "The course as of that version: any published version's id, or the draft id, works. Metadata is the "
        "course's, shared by its versions.",
    ),
    "GET /v1/courses/{contentId}/activations": Doc(
        "Offerings of one course version",
        "The offerings built on exactly that version, with their dates and learner counts (a list; the count "
        "is a string).",
    ),
    "PUT /v1/courses/{contentId}/metadata/category": Doc(
        "Set a course's category",
        'Replaces the category (`{"category": "..."}`, required) of the course the version belongs to; every '
        "version shows it.",
    ),
    "PUT /v1/courses/{contentId}/metadata/level": Doc(
        "Set a course's level",
        'Replaces the level (`{"level": "..."}`, required) of the course the version belongs to.',
    ),
    "PUT /v1/courses/{contentId}/metadata/tags": Doc(
        "Set a course's tags",
        'Replaces the whole list of tags (`{"tags": [...]}`, required) of the course the version belongs to.',
    ),
    "PUT /v1/courses/{contentId}/metadata/topic": Doc(
        "Set a course's topic",
        'Replaces the topic (`{"topic": "..."}`, required) of the course the version belongs to.',
    ),
    "GET /v1/courses/{contentId}/permissions": Doc(
        "Who may build or review a course",
        "The people with access to the course, each flagged builder or reviewer (a list).",
    ),
    "POST /v1/courses/{rootContentId}/permissions/{userEmail}": Doc(
        "Give someone access to a course",
        '`{"isBuilder": true}` or `{"isReviewer": true}`: exactly one of them. Both true is '
        "`ObjectIsNotError`, both false `IncompatibleParametersError`; a builder must hold the organisation's "
        "`builder` permission. A second grant replaces the first. Answers 201 with the course's content id.",
    ),
    # --- course mappings ------------------------------------------------------------------------------
    "GET /v1/course-mappings": Doc(
        "All mappings",
        "An object from offering id to the external course id it is mapped to.",
    ),
    "GET /v1/course-mappings/externalcourse/{externalCourseId}": Doc(
        "Offerings mapped to an external id",
        "The ids of the offerings mapped to that external course (one external id may serve several "
        "offerings); none is a 404.",
    ),
    "GET /v1/course-mappings/{offeringId}": Doc(
        "The external id of an offering",
        "A list holding the offering's external course id, or an empty list when it has none.",
    ),
    "PUT /v1/course-mappings/{offeringId}/{externalCourseId}": Doc(
        "Map an offering to an external id",
        "An offering has at most one external id: this replaces any previous one. Sending the same pair again "
        "changes nothing. Answers the offering's external ids.",
    ),
    "DELETE /v1/course-mappings/{offeringId}/{externalCourseId}": Doc(
        "Remove a mapping",
        "Removes that link; a pair that is not mapped is a 404. Answers the offering's remaining external ids "
        "(an empty list).",
    ),
    # --- members --------------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/users": Doc(
        "Members of an offering",
        "Everyone in the offering in the roles asked for (all three by default), ordered by e-mail, with who "
        "each marker marks and who marks each learner. A learner is a member who is neither facilitator nor "
        "marker.",
    ),
    "POST /v1/offerings/{offeringId}/users": Doc(
        "Add people to an offering",
        "A list of people (up to 10,000), each checked on its own, in order: valid, not already a member "
        "(earlier in the same list included), not suspended, and, for someone without an account, with a first "
        "and a last name (the account is then created). All added: 201. Some refused: 207, one item per person, "
        "either the member added or `{name, details, email}`. All refused: 400 with the first refusal, and "
        "nothing changes. Existing accounts are not modified. New learners join channels that auto-assign.",
    ),
    "DELETE /v1/offerings/{offeringId}/users/{userEmail}": Doc(
        "Remove someone from an offering",
        "Takes the member out, whatever their role, with their marker links, groups and group channels. Their "
        "submissions, marks and progress are kept. Answers 204.",
    ),
    "GET /v1/offerings/{offeringId}/users/{markerEmail}/marks": Doc(
        "Learners a marker marks",
        "The learners on that marker's list in the offering. A marker who is not a member is a 404.",
    ),
    "POST /v1/offerings/{offeringId}/users/{markerEmail}/marks": Doc(
        "Add learners to a marker's list",
        "Adds the e-mails of the body (a list) to the marker's list; those already there stay. The marker "
        "must be a marker of the offering and every e-mail one of its learners (`ObjectIsNotError` otherwise). "
        "Answers the whole list after the change.",
    ),
    "DELETE /v1/offerings/{offeringId}/users/{markerEmail}/marks": Doc(
        "Take learners off a marker's list",
        "Removes the e-mails of the body (a list); e-mails that were not on it are ignored. Answers the list "
        "after the change.",
    ),
    "PATCH /v1/users/{userEmail}/transfer": Doc(
        "Move a learner to another offering",
        "Moves the membership from `fromOfferingId` to `toOfferingId`, which must be built on the same content "
        "(`ContentDoNotMatchError`). Work, marks, quiz and activity attempts, due dates, page progress and "
        "completion go along; marker links, groups and group channels of the old offering do not; the badge "
        "goes along when the new offering has one. Same ids: `InvalidSourceAndTargetError`; already in the "
        "target: `ObjectExistsError`. `sendInvite: true` records a notification.",
    ),
    "GET /v1/users/{userEmail}/offerings": Doc(
        "Offerings of one person",
        "Every offering the account is a member of, in any role.",
    ),
    "POST /v1/users/{userEmail}/offerings": Doc(
        "Enrol one person in several offerings",
        "Enrols the account as a learner in each offering id of the body (a non-empty list; empty is "
        "`MissingInfoError`). All ids are checked first: an unknown one is a 404 and nothing is enrolled. "
        "Existing memberships are left as they are. Answers all the person's offerings.",
    ),
    # --- assessments ----------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/assessments": Doc(
        "Tasks of an offering",
        "The quizzes, assignments and open-response tasks of the offering's content, with the dates that apply "
        "in this offering (its own changes first, then the course's; with relative dates, counted from the "
        "offering's start), marking scheme and documents.",
    ),
    "PATCH /v1/offerings/{offeringId}/assessments/{assessmentId}": Doc(
        "Change a task for this offering",
        "Changes a task's text, dates or marking in this offering only; other offerings of the content keep "
        "theirs. A due date before the open date is a `ValidationError`; absolute dates on an offering with "
        "relative dates are `OfferingIncompatibleDatesError`. Answers the task.",
    ),
    "PATCH /v1/offerings/{offeringId}/assessments/{assessmentId}/{userEmail}": Doc(
        "Give one learner another quiz due date",
        'Sets the learner\'s own due date for a quiz (`{"dueDate": ...}`), e.g. an extension. Only quizzes '
        "(`ObjectInvalidPropertyError` otherwise) and only learners. Answers 204.",
    ),
    "DELETE /v1/offerings/{offeringId}/assessments/{assessmentId}/documents/{documentId}": Doc(
        "Remove a task document in this offering",
        "Hides one of the task's documents (a brief, a template) in this offering; other offerings keep it. "
        "Answers 204.",
    ),
    "GET /v1/offerings/{offeringId}/learners/pending-submission": Doc(
        "Work due soon and not handed in",
        "Visible tasks due between now and now + `days` (3 by default), by each learner's own due date, each "
        "with the current learners who have not handed it in yet (for a quiz: not attempted). Useful for "
        "reminders.",
    ),
    "DELETE /v1/offerings/{offeringId}/users/{userEmail}/assessments/{assessmentId}": Doc(
        "Send a submission back to draft",
        "Turns a learner's submitted or marked work back into a draft they can change; marks are kept. Work that "
        "was never submitted is `AssessmentNotSubmittedError`; quizzes cannot be reset. Answers 204.",
    ),
    "GET /v1/offerings/{offeringId}/users/{userEmail}/submissions/open-response": Doc(
        "One learner's open-response work",
        "The learner's submissions to the offering's open-response tasks, with their marks and feedback.",
    ),
    "GET /v1/offerings/{offeringId}/activities/openresponse": Doc(
        "Open-response activities of an offering",
        "The activities (questions learners answer in the pages, not marked) of the offering's content, with the "
        "minutes they are expected to take.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/marks/assignments": Doc(
        "Marks of assignments",
        "One row per marked submission (assignments and open-response tasks): the learner, the task, the latest "
        "mark and its latest feedback, who marked it (an e-mail) and when.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/marks/quizzes": Doc(
        "Quiz results",
        "One row per learner and quiz attempted: the mark of the last attempt (a percentage), the number of "
        "attempts and when the last one was made.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/submissions/assignments": Doc(
        "Handed-in assignments, marked or not",
        "One row per handed-in submission (assignments and open-response tasks), with its latest mark and "
        "feedback when it has been marked. Drafts are not listed.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}": Doc(
        "Work handed in to one open-response task",
        "Every learner's submission to that task, with the text, files, status and the marking history.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}": Doc(
        "One learner's work on one task",
        "The learner's submission to that task (a list of at most one), with its marking history.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/activities/responses": Doc(
        "Answers to open-response activities",
        "Every learner's answer to the offering's activities: the text, uploaded files (a list) and a "
        "facilitator's feedback when there is one.",
    ),
    # --- groups ---------------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/groups": Doc(
        "Groups of an offering",
        "The offering's assessment groups (ids are 24 hexadecimal characters).",
    ),
    "POST /v1/offerings/{offeringId}/groups": Doc(
        "Create a group",
        "A new, empty group with the body's `title`. Answers it (201).",
    ),
    "GET /v1/offerings/{offeringId}/groups/{groupId}/learners": Doc(
        "Learners in a group",
        "The accounts of the group's learners. A malformed `groupId` is a 400 before any lookup.",
    ),
    "POST /v1/offerings/{offeringId}/groups/{groupId}/learners": Doc(
        "Put a learner in a group",
        "Adds the learner of the body's `email`; a learner may belong to several groups. Someone who is not a "
        "learner of the offering, or is in the group already, is an `ApiValidationError`. Answers the account "
        "(201).",
    ),
    "DELETE /v1/offerings/{offeringId}/groups/{groupId}/learners/{userEmail}": Doc(
        "Take a learner out of a group",
        "Someone who is not in the group is an `ApiValidationError`. Answers 204.",
    ),
    # --- channels -------------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/channels": Doc(
        "Channels of an offering",
        "The offering's talk channels, the private support channel first. A channel is at most one of: a group "
        "discussion, broadcast-only (only facilitators post), private support.",
    ),
    "POST /v1/offerings/{offeringId}/channels": Doc(
        "Create a channel",
        "A channel with the body's `title` and at most one of `groupDiscussion`, `isBroadcastOnly`, "
        "`privateSupport` (`InvalidChannelPropertiesError` otherwise); an offering has one private support "
        "channel at most (`ObjectExistsError`). A group discussion with `group.autoAssign` takes in every "
        "current and future learner. Answers it (201).",
    ),
    "PATCH /v1/offerings/{offeringId}/channels/{channelId}": Doc(
        "Change a channel",
        "Changes only the fields sent, with the same rules as creating one. Answers the channel.",
    ),
    "GET /v1/offerings/{offeringId}/channels/{channelId}/learners": Doc(
        "A group channel and its learners",
        "The channel with the list of learners in it. Only group-discussion channels have learners "
        "(`InvalidGroupChannelError`).",
    ),
    "POST /v1/offerings/{offeringId}/channels/{channelId}/learners": Doc(
        "Put a learner in a group channel",
        "Adds the learner of the body's `email` to a group-discussion channel; someone who is not a learner "
        "of the offering is `UserNotInOfferingError`. Answers 204.",
    ),
    "DELETE /v1/offerings/{offeringId}/channels/{channelId}/learners": Doc(
        "Take a learner out of a group channel",
        "Removes the learner of the body's `email`; someone not in the channel is `UserNotInChannelError`. "
        "Answers 204.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/channels/{channelId}/posts": Doc(
        "Posts of a channel",
        "The threads started in the channel, with their author, text, attachments and, when it was moderated, "
        "the moderation.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/channels/{channelId}/comments": Doc(
        "Comments in a channel",
        "Every comment made on the channel's posts, with the post it belongs to.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/channels/{channelId}/replies": Doc(
        "Replies in a channel",
        "Every reply to a comment in the channel, with the comment and post it belongs to.",
    ),
    # --- pulses ---------------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/analytics/pulses": Doc(
        "Pulses that got answers",
        "The ids of the offering's pulses that at least one learner answered.",
    ),
    "GET /v1/offerings/{offeringId}/analytics/pulses/responses": Doc(
        "Answers to the offering's pulses",
        "Every answer to every pulse run of the offering, with the question, the run and the learner. Narrow "
        "them by `pulseType` and by `responseTime` (see the parameters).",
    ),
    "GET /v1/offerings/{offeringId}/analytics/pulses/{pulseId}/responses": Doc(
        "Answers to one pulse",
        "Every answer to the runs of that pulse; an unknown pulse is a 404.",
    ),
    # --- badges ---------------------------------------------------------------------------------------
    "GET /v1/offerings/{offeringId}/badges": Doc(
        "The badge of an offering",
        "Its title, description, criteria, expiry and Open Badges class. An offering without a badge is a 404.",
    ),
    "POST /v1/offerings/{offeringId}/users/{userEmail}/badges/award": Doc(
        "Award the badge to a learner",
        "Gives the offering's badge to one of its learners (`UserNotInOfferingError` for anyone else; "
        "`MissingInfoError` when the offering has no badge). Awarding it again answers the same award. Answers "
        "201 with the badge id and URL.",
    ),
    "GET /v1/users/{userEmail}/badges": Doc(
        "Badges a person holds",
        "Every badge awarded to the account, with when it was awarded and when it expires (by date, or by a "
        "period after the award).",
    ),
}
