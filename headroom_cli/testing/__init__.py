"""Test helpers that ship with the package (tests, benchmarks and `headroom doctor` use them)."""
from __future__ import annotations

from .fake_provider import FakeProvider, Recorded, Reply, Text, ToolCall

__all__ = ["FakeProvider", "Recorded", "Reply", "Text", "ToolCall"]
