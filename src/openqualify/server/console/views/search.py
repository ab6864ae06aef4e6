"""Search from any page: learners by name or e-mail, offerings by name.

It asks the API's own lists, as a client would: `/users/all/progress` with a `$filter` of `contains()` terms
(every word must be in the e-mail, the first or the last name) and `/offerings/summary` with `contains(name, …)`:
the same scope, the same case-insensitive matching, the same limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import OrgBar, org_bar
from openqualify.server.kit.errors import ApiError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.views import summary
from openqualify.server.progress.service import all_progress
from openqualify.server.users.repository import UserRepository
from openqualify.server.users.schemas import full_name

MAX_LEARNERS = 50
MAX_OFFERINGS = 20
MAX_WORDS = 4
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class FoundOffering:
    id: str
    name: str
    completion: int | None = None  # the learner's, in a learner's list


@dataclass(frozen=True, slots=True)
class FoundLearner:
    email: str
    name: str
    offerings: list[FoundOffering]


@dataclass(frozen=True, slots=True)
class SearchView:
    org: OrgBar
    query: str
    words: list[str]
    learners: list[FoundLearner]
    more_learners: bool
    offerings: list[FoundOffering]
    more_offerings: bool
    member: str | None  # an e-mail typed whole, of someone who is not a learner (a facilitator, a marker)

    def sheets(self) -> list[Sheet]:
        return [Sheet("search-learners", ["E-mail", "Name", "Offerings"],
                      lambda: [[r.email, r.name, "; ".join(o.name for o in r.offerings)] for r in self.learners])]


def _literal(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def words_of(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


def learner_filter(words: list[str]) -> str:
    """Every word in the e-mail, the first or the last name (ignoring case)."""
    return " and ".join(
        f"(contains(email,{w}) or contains(firstName,{w}) or contains(lastName,{w}))" for w in map(_literal, words)
    )


async def search_view(ctx: ReadContext, params: Mapping[str, str]) -> SearchView:
    query = params.get("q", "").strip()[:MAX_QUERY]
    words = words_of(query)
    org = org_bar(ctx.principal)
    if not words:
        return SearchView(org, query, [], [], False, [], False, None)
    session = await ctx.session()
    found = await all_progress(session, str(MAX_LEARNERS + 1), "lastName asc,firstName asc,email asc",
                               learner_filter(words))
    names = found["data"]["offerings"]
    learners = [
        FoundLearner(row["email"], full_name(row.get("firstName"), row.get("lastName")) or "",
                     [FoundOffering(o["id"], names[o["id"]]["name"], int(o["completion"])) for o in row["offerings"]])
        for row in found["data"]["progress"]
    ]
    name_filter = " and ".join(f"contains(name,{_literal(w)})" for w in words)
    offerings = [FoundOffering(o.id, o.name or "") for o in await summary(session, str(MAX_OFFERINGS + 1), "name asc",
                                                                       name_filter)]
    member = None
    if len(words) == 1 and "@" in query and not any(r.email.casefold() == query.casefold() for r in learners):
        try:
            user = await UserRepository(session).find_by_email(query)
        except ApiError:
            user = None
        member = user.email if user is not None else None
    return SearchView(org, query, words, learners[:MAX_LEARNERS], len(learners) > MAX_LEARNERS,
                      offerings[:MAX_OFFERINGS], len(offerings) > MAX_OFFERINGS, member)
