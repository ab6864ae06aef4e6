"""Operations grouped by resource; `OPERATIONS` maps each contract operation to its SDK method."""

from ._resource import OPERATIONS, Resource
from .analytics import AnalyticsResource
from .assessments import AssessmentsResource
from .badges import BadgesResource
from .channels import ChannelsResource
from .course_mappings import CourseMappingsResource
from .courses import CoursesResource
from .groups import GroupsResource
from .offerings import OfferingsResource
from .org import OrgResource
from .progress import ProgressResource
from .pulses import PulsesResource
from .users import UsersResource

__all__ = [
    "OPERATIONS",
    "AnalyticsResource",
    "AssessmentsResource",
    "BadgesResource",
    "ChannelsResource",
    "CourseMappingsResource",
    "CoursesResource",
    "GroupsResource",
    "OfferingsResource",
    "OrgResource",
    "ProgressResource",
    "PulsesResource",
    "Resource",
    "UsersResource",
]
