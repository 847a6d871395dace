"""The shared lifecycle of the SDK's background threads (runyard.sdk.background)."""

from __future__ import annotations

import threading

from runyard.sdk.background import BackgroundLoop


class _Waiter(BackgroundLoop):
    """Waits on `wake` for an hour at a time: only `stop()` setting it ends the wait soon."""

    def __init__(self, wake: threading.Event | None) -> None:
        super().__init__("test-waiter", wake=wake)
        self.event = wake or threading.Event()
        self.rounds = 0
        self.stop_from_inside = False

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.rounds += 1
            if self.stop_from_inside:
                self.stop(60.0)  # must not join itself
                return
            if self._wake is None:
                self._stop.wait(3600)
            else:
                self._wake.wait(3600)
                self._wake.clear()


def test_stop_sets_the_wake_event_and_joins() -> None:
    loop = _Waiter(threading.Event())
    assert not loop.alive
    loop.start()
    assert loop.alive and loop._thread.daemon and loop._thread.name == "test-waiter"
    loop.stop(10.0)
    assert not loop.alive and loop.rounds >= 1


def test_stop_without_wake_event_ends_a_stop_wait() -> None:
    loop = _Waiter(None)
    loop.start()
    loop.stop(10.0)
    assert not loop.alive


def test_stop_is_idempotent_and_works_before_start() -> None:
    loop = _Waiter(threading.Event())
    loop.stop(0.1)  # never started: nothing to join
    loop.stop(0.1)
    assert not loop.alive


def test_stop_from_the_thread_itself_does_not_join() -> None:
    loop = _Waiter(threading.Event())
    loop.stop_from_inside = True
    loop.start()
    loop._thread.join(10.0)
    assert not loop.alive and loop.rounds == 1
