"""Operations grouped by resource (`XResource` for `Client`, generated `AsyncXResource` twins for `AsyncClient`);
`OPERATIONS` maps each contract operation to its SDK method."""

from ._async import (
    AsyncAnalyticsResource,
    AsyncAssessmentsResource,
    AsyncBadgesResource,
    AsyncChannelsResource,
    AsyncCourseMappingsResource,
    AsyncCoursesResource,
    AsyncGroupsResource,
    AsyncOfferingsResource,
    AsyncOrgResource,
    AsyncProgressResource,
    AsyncPulsesResource,
    AsyncUsersResource,
)
from ._resource import OPERATIONS, AsyncResource, Resource
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
    "AsyncAnalyticsResource",
    "AsyncAssessmentsResource",
    "AsyncBadgesResource",
    "AsyncChannelsResource",
    "AsyncCourseMappingsResource",
    "AsyncCoursesResource",
    "AsyncGroupsResource",
    "AsyncOfferingsResource",
    "AsyncOrgResource",
    "AsyncProgressResource",
    "AsyncPulsesResource",
    "AsyncResource",
    "AsyncUsersResource",
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
