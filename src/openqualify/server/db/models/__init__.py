"""Every model, imported so that `Base.metadata` knows all tables (Alembic autogenerate reads it)."""

from openqualify.server.db.models.assessments import *  # noqa: F403 (assessments, submissions, marks, attempts)
from openqualify.server.db.models.courses import Course, CoursePermission, CourseVersion
from openqualify.server.db.models.learning import *  # noqa: F403 (progress, pulses, badge awards)
from openqualify.server.db.models.limits import RateLimitWindow
from openqualify.server.db.models.memberships import MarkerAssignment, Membership
from openqualify.server.db.models.offerings import CourseMapping, Offering, OfferingBadge
from openqualify.server.db.models.org import ApiToken, EmailOutbox, Organisation, OrgDataVersion
from openqualify.server.db.models.sandbox_faults import SandboxFaultRule
from openqualify.server.db.models.social import *  # noqa: F403 (channels, posts, assessment groups)
from openqualify.server.db.models.users import User
from openqualify.server.event_hub.models import *  # noqa: F403 (the Event hub's tables)

__all__ = [
    "ApiToken",
    "Course",
    "CourseMapping",
    "CoursePermission",
    "CourseVersion",
    "EmailOutbox",
    "MarkerAssignment",
    "Membership",
    "Offering",
    "OfferingBadge",
    "OrgDataVersion",
    "Organisation",
    "RateLimitWindow",
    "SandboxFaultRule",
    "User",
]
