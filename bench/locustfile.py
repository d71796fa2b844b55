"""bench/locustfile: the mix of bench/load.py — account search, stock of 10 products, a named
query, an account create — against an installation (staging), for operators (issue 15 item 5).
Locust is not a dependency of the service nor of its tests; install it where you run it::

    pip install locust
    export LOAD_BASE_URL=https://integrator.staging.example.com   # default http://127.0.0.1:8080
    export LOAD_API_KEY=...  LOAD_USER=ayse  LOAD_SET=TIGER-MERKEZ
    locust -f bench/locustfile.py --headless --users 20 --spawn-rate 5 --run-time 5m

Settings (environment):

``LOAD_BASE_URL``
    the service; without it this machine (``http://127.0.0.1:8080``) — the file never picks a
    remote host by itself. ``--host`` on the command line wins.
``LOAD_API_KEY``, ``LOAD_USER``, ``LOAD_SET``
    the API key (Bearer), the CRM user each simulated user opens a session for, and the set
    (optional: the user's default set).
``LOAD_SEARCH``
    comma-separated account search terms (default ``A,E,TİC``).
``LOAD_PRODUCTS``
    comma-separated product codes for the stock request (10 are sent each time); default: the
    first 10 hits of a product search for ``LOAD_PRODUCT_SEARCH`` (default ``A``).
``LOAD_QUERY``, ``LOAD_QUERY_BODY``
    a named query of the set and its ``<Query>`` body (default ``<Query/>``); without
    ``LOAD_QUERY`` the mix has no named query.
``LOAD_CREATES``
    ``1`` to include account creates. They write real accounts into the set's ERP (codes
    ``LOAD_CODE_PREFIX`` + 10 hex digits, default prefix ``LD.``; CRM ids ``load-…``), so they are
    off unless asked for; delete them in the ERP afterwards.

Each simulated user opens one session and sends the mix in turn; a status other than the
expected one counts as a failure in Locust's report (p50/p95/p99 and failures per request name).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import quoteattr

from locust import HttpUser, between, task

BASE_URL = os.environ.get("LOAD_BASE_URL", "http://127.0.0.1:8080")
API_KEY = os.environ.get("LOAD_API_KEY", "")
USER = os.environ.get("LOAD_USER", "")
SET = os.environ.get("LOAD_SET", "")
SEARCH = [t for t in os.environ.get("LOAD_SEARCH", "A,E,TİC").split(",") if t]
PRODUCTS = [p for p in os.environ.get("LOAD_PRODUCTS", "").split(",") if p]
PRODUCT_SEARCH = os.environ.get("LOAD_PRODUCT_SEARCH", "A")
QUERY = os.environ.get("LOAD_QUERY", "")
QUERY_BODY = os.environ.get("LOAD_QUERY_BODY", "<Query/>")
CREATES = os.environ.get("LOAD_CREATES", "") == "1"
CODE_PREFIX = os.environ.get("LOAD_CODE_PREFIX", "LD.")

if not API_KEY or not USER:
    raise SystemExit("bench/locustfile.py: set LOAD_API_KEY and LOAD_USER (and LOAD_BASE_URL for "
                     "a service other than http://127.0.0.1:8080)")


class CrmCore(HttpUser):
    """One CRM client: a session, then the mix in turn."""

    host = BASE_URL
    wait_time = between(0.0, 0.1)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/xml"}
        body = f"<OpenSession user={quoteattr(USER)}" + (f" set={quoteattr(SET)}" if SET else "") + "/>"
        with self.client.post("/v1/sessions", data=body.encode(), headers=self.auth,
                              name="open session", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                raise RuntimeError("no session: check LOAD_API_KEY, LOAD_USER and LOAD_SET")
            self.headers = {**self.auth, "X-Session": response.headers["X-Session"]}
        self.products = PRODUCTS or self._product_codes()
        self.turn = 0
        self.steps: list[Callable[[], None]] = [self.search, self.stock]
        self.steps += [self.query] if QUERY else []
        self.steps += [self.create] if CREATES else []

    def _product_codes(self) -> list[str]:
        response = self.client.get("/v1/products/search", params={"q": PRODUCT_SEARCH, "limit": 10},
                                   headers=self.headers, name="product search (setup)")
        codes = []
        if response.status_code == 200:
            from xml.etree import ElementTree

            root = ElementTree.fromstring(response.content)  # noqa: S314 (the service's answer)
            codes = [c for c in (row.get("code") for row in root.iter("Row")) if c]
        return codes[:10]

    @task
    def mix(self) -> None:
        step = self.steps[self.turn % len(self.steps)]
        self.turn += 1
        step()

    def _call(self, method: str, path: str, name: str, expected: int, **kwargs: Any) -> None:
        with self.client.request(method, path, headers=self.headers, name=name,
                                 catch_response=True, **kwargs) as response:
            if response.status_code != expected:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    def search(self) -> None:
        term = SEARCH[self.turn % len(SEARCH)]
        self._call("GET", "/v1/accounts/search", "account search", 200,
                   params={"q": term, "limit": 20})

    def stock(self) -> None:
        lines = "".join(f"<Product code={quoteattr(code)}/>" for code in self.products[:10])
        self._call("POST", "/v1/products/stock", "stock, 10 products", 200,
                   data=f"<Products>{lines}</Products>".encode())

    def query(self) -> None:
        self._call("POST", f"/v1/queries/{QUERY}", "named query", 200, data=QUERY_BODY.encode())

    def create(self) -> None:
        key = uuid.uuid4().hex[:10]
        body = (f'<Account crmId="load-{key}"><Field name="Code">{CODE_PREFIX}{key}</Field>'
                f'<Field name="Title">YÜK TESTİ {key}</Field></Account>')
        self._call("POST", "/v1/accounts", "account create", 201, data=body.encode("utf-8"))
