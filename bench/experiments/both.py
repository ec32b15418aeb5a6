"""Experiment: the shared Redis pool and the sync middleware chain together."""

from bench.experiments.shared_redis_pool import *  # noqa: F403
from bench.experiments.sync_middleware_chain import *  # noqa: F403
from bench.experiments.sync_middleware_chain import MIDDLEWARE  # noqa: F401
