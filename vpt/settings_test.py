"""Test settings: the production settings with VPT_ENV=test defaults, nothing else."""

import os

os.environ.setdefault("VPT_ENV", "test")

from vpt.settings import *  # noqa: E402, F403
