"""The signed keyset cursor (F11, F18; issue 14 item 8): keys from the configuration, the first
signs and all verify (rotation), and the defaults without configured keys."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from integrator.config import config_warnings
from integrator.errors import ValidationFailed
from integrator.services.cursor import BUILT_IN_KEY, CursorSigner, new_cursor_key
from tests.fixtures.common import service_config

WHERE = {"set_code": "DEMO-TIGER", "entity": "account", "digest": "d1"}
OLD, NEW = new_cursor_key().encode(), new_cursor_key().encode()


def issue(signer: CursorSigner, after: int = 42) -> str:
    return signer.encode(**WHERE, after=after)


def follow(signer: CursorSigner, cursor: str) -> int | str:
    return signer.decode(cursor, **WHERE, numeric=True)


def test_rotation_first_signs_all_verify() -> None:
    before, during, after = CursorSigner([OLD]), CursorSigner([NEW, OLD]), CursorSigner([NEW])
    assert follow(during, issue(before)) == 42  # cursors issued before the rotation still work
    assert follow(after, issue(during)) == 42  # the new key signs from the rotation on
    assert follow(before, issue(CursorSigner([OLD, NEW]))) == 42  # step 1: added second, verifies
    with pytest.raises(ValidationFailed, match="no longer has"):
        follow(after, issue(before))  # the old key dropped: its cursors end


def test_keys_from_the_configuration_and_the_defaults() -> None:
    configured = service_config(cursor_keys=[OLD.decode()], store="redis://127.0.0.1:6379/0")
    assert follow(CursorSigner([OLD]), issue(CursorSigner.for_service(configured))) == 42
    shared = service_config(store="redis://127.0.0.1:6379/0")  # replicas, no keys: the built-in
    assert follow(CursorSigner([BUILT_IN_KEY]), issue(CursorSigner.for_service(shared))) == 42
    alone = service_config()  # the memory store, no keys: a key of this process
    one, other = CursorSigner.for_service(alone), CursorSigner.for_service(alone)
    assert follow(one, issue(one)) == 42
    with pytest.raises(ValidationFailed):
        follow(other, issue(one))


def test_a_shared_store_without_keys_is_warned_about() -> None:
    events = {w.event for w in config_warnings(service_config(store="redis://127.0.0.1:6379/0"))}
    assert "cursor_keys_not_configured" in events
    with_keys = service_config(store="redis://127.0.0.1:6379/0", cursor_keys=[OLD.decode()])
    assert "cursor_keys_not_configured" not in {w.event for w in config_warnings(with_keys)}
    assert config_warnings(service_config()) == []  # the memory store serves one process


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match=r"cursor_keys\[0\] is shorter than 32"):
        service_config(cursor_keys=["too-short"])
    assert isinstance(service_config(cursor_keys=[SecretStr("k" * 32)]).cursor_keys[0], SecretStr)
