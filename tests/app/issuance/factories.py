"""Shared by the issuance tests: the independent implementations run by node."""

from __future__ import annotations

from tests.interop.harness import run_di

node = run_di
