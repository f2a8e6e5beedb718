"""Fixtures of the fleet tests; a test module imports the ones it uses (`from servers.fixtures import balancer`)."""
from __future__ import annotations

import pytest

from .balancer import Balancer, haproxy_binary


@pytest.fixture
def balancer():
    """`balancer(ports, **kw)`: a started HAProxy in front of the instances on `ports`, stopped after the test.
    Skips where haproxy is not installed (`.ci/run` installs it: apt-get install -y haproxy)."""
    if haproxy_binary() is None:
        pytest.skip("haproxy is not installed (Debian: apt-get install -y haproxy; .ci/run installs it)")
    started: list[Balancer] = []

    def make(ports, **kw) -> Balancer:
        b = Balancer(ports, **kw).start()
        started.append(b)
        return b

    yield make
    for b in started:
        b.stop()
