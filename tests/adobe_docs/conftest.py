"""The local sandbox fixtures of tests/sandbox (`sandbox_app`, `raw`, ...) for the docs suite."""

from sandbox.conftest import raw, sandbox_app, sandbox_settings, sandbox_template

__all__ = ["raw", "sandbox_app", "sandbox_settings", "sandbox_template"]
