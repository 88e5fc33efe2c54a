"""Configuration text the agent tests share."""

from __future__ import annotations

AGENT_CONFIG_HEAD = """\
[coordinator]
url = "http://127.0.0.1:9"
token_file = "partner.token"
[linkage]
secret_file = "linkage.secret"
"""
"""The [coordinator] and [linkage] sections of an agent test's configuration (nothing listens
on that port: the tests that use it send nothing)."""
