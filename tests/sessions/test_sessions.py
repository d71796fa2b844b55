"""Sessions (F2, F3): permission, default set, switch, close, idle expiry, the resolver."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from lxml import etree

from integrator.api.keys import SESSIONS, STORE
from integrator.sessions.manager import SessionManager
from integrator.sessions.manager import _key as session_key
from integrator.sessions.registry import SetRegistry
from integrator.sessions.store import Store
from tests.fixtures.common import AUTH, netsis_set, open_session, service_config, tiger_set


async def post_open(client: TestClient[Any, Any], body: str) -> tuple[int, etree._Element]:
    response = await client.post("/v1/sessions", data=body.encode(), headers=AUTH)
    return response.status, etree.fromstring(await response.read())


async def test_open_with_default_set(client: TestClient[Any, Any]) -> None:
    status, session = await post_open(client, '<OpenSession user="ayse"/>')
    assert status == 201
    assert session.get("set") == "TIGER-TEST" and session.get("erp") == "tiger"
    assert len(session.get("id") or "") >= 40


async def test_open_named_set(client: TestClient[Any, Any]) -> None:
    status, session = await post_open(client, '<OpenSession user="ayse" set="NETSIS-TEST"/>')
    assert status == 201 and session.get("set") == "NETSIS-TEST"


async def test_user_not_permitted_is_forbidden(client: TestClient[Any, Any]) -> None:
    status, error = await post_open(client, '<OpenSession user="mehmet" set="NETSIS-TEST"/>')
    assert status == 403 and error.get("code") == "FORBIDDEN"
    assert "mehmet" in (error.findtext("Message") or "")
    status, error = await post_open(client, '<OpenSession user="nobody"/>')
    assert status == 403 and error.get("code") == "FORBIDDEN"


async def test_no_default_set(client: TestClient[Any, Any]) -> None:
    status, error = await post_open(client, '<OpenSession user="mehmet"/>')  # permitted, no default
    assert status == 400 and error.get("code") == "VALIDATION"
    assert "TIGER-TEST" in etree.tostring(error, encoding="unicode")


async def test_two_defaults_are_ambiguous(make_client: Any) -> None:
    users = [{"name": "ayse", "default": True, "erp_user": "A"}]
    client = await make_client(service_config(sets=[
        tiger_set("T1", users=users), tiger_set("T2", users=users)]))
    status, error = await post_open(client, '<OpenSession user="ayse"/>')
    assert status == 400 and "more than one default" in (error.findtext("Message") or "")


async def test_unknown_set(client: TestClient[Any, Any]) -> None:
    status, error = await post_open(client, '<OpenSession user="ayse" set="NOPE"/>')
    assert status == 404 and error.get("code") == "NOT_FOUND"


async def test_switch_and_close(client: TestClient[Any, Any]) -> None:
    session = await open_session(client, "ayse")
    headers = {**AUTH, "X-Session": session}
    response = await client.put(f"/v1/sessions/{session}/set", data=b'<SwitchSet set="NETSIS-TEST"/>',
                                headers=AUTH)
    assert response.status == 200
    me = etree.fromstring(await (await client.get("/v1/session", headers=headers)).read())
    assert me.get("set") == "NETSIS-TEST" and me.get("transferType") == "quote"

    # switching to a set the user may not use is refused and leaves the session as it was
    response = await client.put(f"/v1/sessions/{session}/set", data=b'<SwitchSet set="NOPE"/>',
                                headers=AUTH)
    assert response.status == 404
    me = etree.fromstring(await (await client.get("/v1/session", headers=headers)).read())
    assert me.get("set") == "NETSIS-TEST"

    assert (await client.delete(f"/v1/sessions/{session}", headers=AUTH)).status == 204
    response = await client.get("/v1/session", headers=headers)
    assert response.status == 401
    assert etree.fromstring(await response.read()).get("code") == "SESSION_EXPIRED"
    assert (await client.delete(f"/v1/sessions/{session}", headers=AUTH)).status == 404


async def test_switch_to_forbidden_set(make_client: Any) -> None:
    other = tiger_set("T-OTHER", users=[{"name": "zeynep"}])
    client = await make_client(service_config(sets=[tiger_set(), other]))
    session = await open_session(client, "ayse")
    response = await client.put(f"/v1/sessions/{session}/set", data=b'<SwitchSet set="T-OTHER"/>',
                                headers=AUTH)
    assert response.status == 403


async def test_idle_expiry_and_touch(make_client: Any) -> None:
    client = await make_client(service_config(sets=[tiger_set()], sessions={"idle_ttl_s": 1}))
    session = await open_session(client, "ayse")
    headers = {**AUTH, "X-Session": session}
    for _ in range(3):  # used every 0.6 s: stays alive past its 1 s idle TTL
        await asyncio.sleep(0.6)
        assert (await client.get("/v1/session", headers=headers)).status == 200
    await asyncio.sleep(1.3)
    response = await client.get("/v1/session", headers=headers)
    assert response.status == 401
    assert etree.fromstring(await response.read()).get("code") == "SESSION_EXPIRED"


async def test_missing_or_malformed_session_header(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/session", headers=AUTH)
    assert response.status == 400
    response = await client.get("/v1/session", headers={**AUTH, "X-Session": "x" * 500})
    assert response.status == 401


async def test_resolver_gives_credentials_per_mode(client: TestClient[Any, Any]) -> None:
    sessions = client.app[SESSIONS]
    shared = await sessions.resolve(await open_session(client, "ayse", "TIGER-TEST"), "crm-core")
    assert shared.credentials.user == "LOGO"  # shared mode: the set's one ERP user
    assert shared.credentials.password.get_secret_value() == "logo-pw-shared-19"
    assert shared.salesman == "S01" and shared.member.may_use_warehouse(1)
    assert not shared.member.may_use_warehouse(2)
    own = await sessions.resolve(await open_session(client, "ayse", "NETSIS-TEST"), "crm-core")
    assert own.credentials.user == "AYSE"  # per_user mode: the user's own ERP login
    assert own.credentials.password.get_secret_value() == "ayse-erp-pw-33"
    assert own.transfer_type == "quote"
    everything = await sessions.resolve(await open_session(client, "mehmet", "TIGER-TEST"), "crm-core")
    assert everything.member.may_use_warehouse(999)
    assert everything.transfer_type == "order"  # the set's default_transfer_type


@pytest.mark.parametrize("body", ['<OpenSession set="TIGER-TEST"/>', '<OpenSession user=""/>',
                                  '<OpenSession user="ayse" extra="1"/>', "<SwitchSet set='X'/>"])
async def test_open_validation(client: TestClient[Any, Any], body: str) -> None:
    status, error = await post_open(client, body)
    assert status == 400 and error.get("code") == "VALIDATION"


async def test_session_ids_are_stored_hashed(client: TestClient[Any, Any]) -> None:
    from integrator.api.keys import STORE

    session = await open_session(client, "ayse")
    keys = await client.app[STORE].keys("sessions:")
    assert keys and all(session not in k for k in keys)


async def test_per_user_netsis_set_builder_is_valid() -> None:
    assert netsis_set().credentials.mode == "per_user"


async def test_a_kept_context_follows_the_session_and_its_set(client: TestClient[Any, Any]) -> None:
    """Issue 15: the Context of a session is kept per stored record, caller and set version; the
    store is read on every request, so a switch, a close, another caller and a changed set are
    seen at once."""
    from integrator.errors import SessionExpired

    sessions = client.app[SESSIONS]
    registry = sessions._registry
    api_set = tiger_set("TIGER-API")  # provisioned over the API, so it can change
    await registry.put(api_set)
    session = await open_session(client, "ayse", "TIGER-API")
    first = await sessions.resolve(session, "crm-core")
    assert await sessions.resolve(session, "crm-core") is first  # kept
    with pytest.raises(SessionExpired):
        await sessions.resolve(session, "another-caller")
    # the set changes (a new version in the registry): the next request sees it
    await registry.put(api_set.model_copy(update={
        "credentials": api_set.credentials.model_copy(update={"user": "LOGO2"})}))
    again = await sessions.resolve(session, "crm-core")
    assert again is not first and again.credentials.user == "LOGO2"
    # a switch changes the stored record
    await sessions.switch(session, "NETSIS-TEST", "crm-core")
    assert (await sessions.resolve(session, "crm-core")).set_code == "NETSIS-TEST"
    await sessions.close(session, "crm-core")
    with pytest.raises(SessionExpired):
        await sessions.resolve(session, "crm-core")


async def test_a_closed_or_expired_session_leaves_no_erp_login_behind_n3(
        client: TestClient[Any, Any]) -> None:
    """The kept Context holds the session's ERP login (Netsis per-user passwords): it goes with
    the session, closed here or gone from the store (closed on another replica, or expired)."""
    from integrator.errors import SessionExpired

    sessions = client.app[SESSIONS]
    closed = await open_session(client, "ayse", "NETSIS-TEST")
    gone = await open_session(client, "ayse", "NETSIS-TEST")
    for session in (closed, gone):
        context = await sessions.resolve(session, "crm-core")
        assert context.credentials.password.get_secret_value() == "ayse-erp-pw-33"
        assert session in sessions._contexts
    await sessions.close(closed, "crm-core")
    assert closed not in sessions._contexts
    await client.app[STORE].delete(session_key(gone))  # as another replica's close leaves it
    with pytest.raises(SessionExpired):
        await sessions.resolve(gone, "crm-core")
    assert gone not in sessions._contexts


class Counting:
    """A store that counts the calls made to it (each one store round trip)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return call


async def test_a_pushed_set_costs_one_store_round_trip_per_request_n6(any_store: Store) -> None:
    """Issue 15: for a set pushed into the store, the session and the set's version are read in
    one round trip; a new version pushed by another replica, and the set's removal, are seen on
    the next request."""
    from integrator.errors import SessionExpired

    counting = Counting(any_store)
    registry = SetRegistry(counting, [tiger_set("TIGER-FILE")])  # type: ignore[arg-type]
    sessions = SessionManager(counting, registry, idle_ttl_s=60)  # type: ignore[arg-type]
    other_replica = SetRegistry(any_store, [])
    pushed = tiger_set("TIGER-PUSHED")
    await other_replica.put(pushed)
    session = (await sessions.open("ayse", "TIGER-PUSHED", "crm-core")).session_id
    first = await sessions.resolve(session, "crm-core")
    counting.calls.clear()
    assert await sessions.resolve(session, "crm-core") is first
    assert counting.calls == ["get_and_touch_with_version"]
    # another replica pushes a new version: seen at once
    await other_replica.put(pushed.model_copy(update={
        "credentials": pushed.credentials.model_copy(update={"user": "LOGO2"})}))
    again = await sessions.resolve(session, "crm-core")
    assert again is not first and again.credentials.user == "LOGO2"
    counting.calls.clear()
    assert await sessions.resolve(session, "crm-core") is again
    assert counting.calls == ["get_and_touch_with_version"]
    # a set from the configuration files never changes while the process runs: the session only
    await sessions.switch(session, "TIGER-FILE", "crm-core")
    on_file = await sessions.resolve(session, "crm-core")
    counting.calls.clear()
    assert await sessions.resolve(session, "crm-core") is on_file
    assert counting.calls == ["get_and_touch"]
    # the pushed set removed by another replica: a session on it ends
    await sessions.switch(session, "TIGER-PUSHED", "crm-core")
    await sessions.resolve(session, "crm-core")
    await other_replica.delete("TIGER-PUSHED")
    with pytest.raises(SessionExpired, match="removed"):
        await sessions.resolve(session, "crm-core")
