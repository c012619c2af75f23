"""Settings for the test suite: the development defaults (DEBUG on, a throw-away key),
so that a bare `pytest` runs; the production settings are checked in subprocesses by
tests/hardening/test_deploy_check.py. Subprocesses the tests start inherit DEBUG=1."""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

# Tests post hundreds of requests from one address with one token: no throttling by
# accident (tests/hardening/test_api_throttling.py sets low rates on purpose).
API_THROTTLE_RATES = {"token": "", "address": ""}
