"""The app's settings, plus the bare view the served benchmark compares against (bench/served.py)."""

from cutover.settings import *  # noqa: F403

ROOT_URLCONF = "_urls"
