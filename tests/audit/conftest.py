"""The audit tests use the re-entry tests' fixed-date cutover and second member of staff."""

from ..browser.conftest import assert_accessible, browser_context_args, browser_type_launch_args, sign_in  # noqa: F401
from ..reentry.conftest import colleague, cutover  # noqa: F401
