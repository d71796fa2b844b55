"""The replica's copy of session and set keys (``sessions.replica_cache``; N6, N7, issue 15 item 2):
the rules that keep it true, as pure state. (On real Redis: test_store_cache.py.)"""

from __future__ import annotations

import math

from integrator.sessions.replica_cache import MAX_VALUES, ReplicaCache

KEY, OTHER = "p:sessions:a", "p:sets:S"


def serving_cache(now: float = 100.0) -> ReplicaCache:
    cache = ReplicaCache(["p:sessions:", "p:sets:"], stale_after_s=2.0)
    cache.up(now)
    return cache


def read(cache: ReplicaCache, value: bytes, *, deadline: float = math.inf,
         key: str = KEY) -> None:
    cache.end(cache.begin([key]), [key], [(value, deadline)])


def test_covers_only_the_tracked_prefixes() -> None:
    cache = serving_cache()
    assert cache.covers(KEY) and cache.covers(OTHER)
    assert not cache.covers("p:claims:x") and not cache.covers("q:sessions:a")


def test_a_value_read_is_answered_until_its_key_is_invalidated_n6() -> None:
    cache = serving_cache()
    assert cache.get(KEY, 100.0) is None
    read(cache, b"v1")
    assert cache.get(KEY, 100.5) == b"v1"
    cache.invalidate([OTHER])
    assert cache.get(KEY, 100.5) == b"v1"
    cache.invalidate([KEY])
    assert cache.get(KEY, 100.5) is None


def test_a_read_answered_after_its_keys_invalidation_is_not_kept_n6() -> None:
    """The reply was sent before the change, its invalidation came first: keeping the reply would
    keep the old value with no message left to drop it."""
    cache = serving_cache()
    ticket = cache.begin([KEY, OTHER])
    cache.invalidate([KEY])
    cache.end(ticket, [KEY, OTHER], [(b"old", math.inf), (b"7", math.inf)])
    assert cache.get(KEY, 100.0) is None
    assert cache.get(OTHER, 100.0) == b"7"  # its own key saw no invalidation


def test_a_read_sent_after_the_invalidation_is_kept_while_an_earlier_one_is_not_n6() -> None:
    cache = serving_cache()
    early = cache.begin([KEY])
    cache.invalidate([KEY])
    late = cache.begin([KEY])
    cache.end(early, [KEY], [(b"old", math.inf)])
    assert cache.get(KEY, 100.0) is None
    cache.end(late, [KEY], [(b"new", math.inf)])
    assert cache.get(KEY, 100.0) == b"new"
    # nothing is left of the reads in flight
    read(cache, b"newer")
    assert cache.get(KEY, 100.0) == b"newer"


def test_a_failed_read_keeps_nothing_and_ends_its_flight() -> None:
    cache = serving_cache()
    ticket = cache.begin([KEY])
    cache.end(ticket, [KEY], None)
    assert cache.get(KEY, 100.0) is None
    read(cache, b"v")
    assert cache.get(KEY, 100.0) == b"v"


def test_a_missing_key_is_not_kept() -> None:
    cache = serving_cache()
    cache.end(cache.begin([KEY]), [KEY], [(None, math.inf)])
    assert len(cache) == 0


def test_nothing_is_answered_once_the_listener_is_lost_or_silent_n6() -> None:
    cache = serving_cache(now=100.0)
    read(cache, b"v")
    assert cache.get(KEY, 101.9) == b"v"
    assert cache.get(KEY, 102.1) is None  # not heard for more than stale_after_s
    cache.heard(102.0)
    assert cache.get(KEY, 102.1) == b"v"
    cache.down()
    assert not cache.serving(102.1) and cache.get(KEY, 102.1) is None
    cache.up(103.0)
    assert cache.get(KEY, 103.0) is None  # the values of before are gone


def test_a_read_across_a_lost_listener_is_not_kept_n6() -> None:
    """Invalidations sent while the listener was away are lost: a read in flight then may hold a
    value already changed, also when the listener is back before the reply."""
    cache = serving_cache()
    ticket = cache.begin([KEY])
    cache.down()
    cache.up(100.5)
    cache.end(ticket, [KEY], [(b"maybe-old", math.inf)])
    assert cache.get(KEY, 100.5) is None
    ticket = cache.begin([KEY])
    cache.invalidate_all()  # FLUSHDB
    cache.end(ticket, [KEY], [(b"flushed", math.inf)])
    assert cache.get(KEY, 100.5) is None


def test_a_value_is_not_answered_past_its_deadline() -> None:
    cache = serving_cache()
    read(cache, b"v", deadline=100.4)
    assert cache.get(KEY, 100.39) == b"v"
    assert cache.get(KEY, 100.4) is None


def test_the_time_to_live_is_restarted_once_per_interval() -> None:
    cache = serving_cache()
    assert cache.touch_due(KEY, 100.0, 1.0)
    cache.touched(KEY, 100.0)
    assert not cache.touch_due(KEY, 100.99, 1.0)
    assert cache.touch_due(KEY, 101.0, 1.0)
    cache.touched(KEY, None)  # the key was gone
    assert cache.touch_due(KEY, 100.5, 1.0)


def test_the_copy_is_bounded() -> None:
    cache = serving_cache()
    for index in range(MAX_VALUES):
        read(cache, b"v", key=f"p:sessions:{index}")
        cache.touched(f"p:sessions:{index}", 100.0)
    assert len(cache) == MAX_VALUES
    read(cache, b"v", key="p:sessions:one-more")
    assert len(cache) == 1
    cache.touched("p:sessions:one-more", 100.0)
    assert cache.touch_due("p:sessions:0", 100.0, 1.0)  # forgotten: touched again early
