"""The sandbox page: the organisation's clock, what it holds, and the e-mails the API would have sent.

Its actions (set, advance or freeze the clock, reset, demo, export, import) are the control plane's own
`/_sandbox` operations, called by the page with the signed-in token; this view only shows the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import BUCKET_TITLES, OrgBar, org_bar
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.views import bucket_counts
from openqualify.server.sandbox.core import service as sandbox_core
from openqualify.server.sandbox.core.schemas import EmailOut

EMAILS_SHOWN = 25


@dataclass(frozen=True, slots=True)
class SandboxView:
    org: OrgBar
    offerings: dict[str, int]  # bucket title -> count
    emails: list[EmailOut]
    journal: bool  # the server keeps a request journal (`OPENQUALIFY_JOURNAL_SIZE` above 0)

    def sheets(self) -> list[Sheet]:
        return [Sheet("emails", ["Id", "Sent at", "To", "Kind", "Subject"],
                      lambda: [[e.id, e.createdAt, e.to, e.kind, e.subject] for e in self.emails])]


async def sandbox_view(ctx: ReadContext, journal: bool) -> SandboxView:
    session = await ctx.session()
    counts = {BUCKET_TITLES[key]: count for key, count in (await bucket_counts(session, ctx.principal.now())).items()}
    emails = await sandbox_core.list_emails(session, limit=EMAILS_SHOWN)
    return SandboxView(org_bar(ctx.principal), counts, emails, journal)
