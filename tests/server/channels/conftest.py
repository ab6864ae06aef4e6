"""The channel tests' setup: an offering with a facilitator and three learners (`tests.fixtures.channels`)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.fixtures.api import Api
from tests.fixtures.channels import Setup, build_setup


@pytest.fixture
def setup(api: Api, sync_engine: Engine) -> Setup:
    return build_setup(api, sync_engine)
