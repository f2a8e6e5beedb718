"""The repository the `headroom learn` captures work in (benchmarks/capture_learn.py): small, deterministic, built
from nothing but the standard library, so every command the scripted agents run does what it would do in a real
checkout. Its layout invites the mistakes the capture script makes on purpose:

  orders/          the package (agents guess `src/orders/` first)
  lib/billing/     importable only with `PYTHONPATH=lib` (`python3 -m billing.cli` fails without it)
  web/             a Node package: `npm test` works only from inside `web/`
  deploy/k8s/      plain Kubernetes manifests; there is no Helm on the machine
  tests/           unittest tests, one of which really fails (nothing in the scenario fixes it)
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FILES = {
    "README.md": "# shipyard\n\nOrder pricing, billing CLI, a small web client, Kubernetes manifests.\n"
                 "`python3 -m unittest discover -s tests` runs the tests.\n",
    "orders/__init__.py": "",
    "orders/models.py": '''"""Orders and their lines."""
from dataclasses import dataclass, field


@dataclass
class Line:
    sku: str
    qty: int
    unit_cents: int


@dataclass
class Order:
    number: str
    lines: list = field(default_factory=list)
''',
    "orders/pricing.py": '''"""Totals and discounts, in cents."""


def subtotal(order):
    return sum(l.qty * l.unit_cents for l in order.lines)


def discounted(cents, percent):
    # truncates instead of rounding half up: the failing test documents it
    return cents * (100 - percent) // 100
''',
    "lib/billing/__init__.py": "",
    "lib/billing/cli.py": '''"""Print the invoice summary of the sample order."""
from orders.models import Line, Order
from orders.pricing import subtotal

o = Order("SO-1042", [Line("BOLT-M6", 40, 12), Line("NUT-M6", 40, 7)])
print(f"invoice {o.number}: {len(o.lines)} lines, subtotal {subtotal(o)} cents")
''',
    "web/package.json": json.dumps({"name": "shipyard-web", "version": "0.1.0", "private": True,
                                    "scripts": {"test": "node test.js"}}, indent=2) + "\n",
    "web/test.js": "const assert = require('assert');\nassert.strictEqual(['a', 'b'].join('/'), 'a/b');\n"
                   "console.log('web: 1 test passed');\n",
    "deploy/k8s/deployment.yaml": '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: shipyard-api
  namespace: shipyard
spec:
  replicas: 3
  selector:
    matchLabels: {app: shipyard-api}
  template:
    metadata:
      labels: {app: shipyard-api}
    spec:
      containers:
        - name: api
          image: registry.example.invalid/shipyard-api:1.14.2
          ports: [{containerPort: 8080}]
''',
    "deploy/k8s/service.yaml": '''apiVersion: v1
kind: Service
metadata:
  name: shipyard-api
  namespace: shipyard
spec:
  selector: {app: shipyard-api}
  ports: [{port: 80, targetPort: 8080}]
''',
    "tests/__init__.py": "",
    "tests/test_pricing.py": '''import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orders.models import Line, Order  # noqa: E402
from orders.pricing import discounted, subtotal  # noqa: E402


class Pricing(unittest.TestCase):
    def test_subtotal(self):
        self.assertEqual(subtotal(Order("x", [Line("a", 2, 150)])), 300)

    def test_discount_rounds_half_up(self):
        self.assertEqual(discounted(999, 15), 850)


if __name__ == "__main__":
    unittest.main()
''',
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=dev@example.invalid", "-c", "user.name=dev", *args], cwd=cwd,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={"GIT_AUTHOR_DATE": "2026-11-30T09:00:00Z", "GIT_COMMITTER_DATE": "2026-11-30T09:00:00Z",
                        "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def build(root: Path, name: str = "shipyard", remote: str = "git@github.com:example/shipyard.git") -> Path:
    """Create the project under `root/name` (replacing any previous copy) and return its path."""
    proj = root / name
    if proj.exists():
        shutil.rmtree(proj)
    for rel, text in FILES.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)
    git(proj, "init", "-q", "-b", "main")
    git(proj, "remote", "add", "origin", remote)
    git(proj, "add", ".")
    git(proj, "commit", "-qm", "shipyard: orders, billing, web, manifests")
    (proj / "orders" / "pricing.py").write_text(FILES["orders/pricing.py"] + "\n\nVAT_PERCENT = 20\n")
    git(proj, "commit", "-qam", "pricing: VAT rate")
    return proj


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
