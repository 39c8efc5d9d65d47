from switchboard.core.throttle import FailureThrottle


def test_blocks_after_limit_and_only_that_address() -> None:
    throttle = FailureThrottle(limit=3, window=60.0)
    for _ in range(2):
        throttle.record_failure("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 0
    throttle.record_failure("10.0.0.1")
    assert 59 < throttle.retry_after("10.0.0.1") <= 60
    assert throttle.retry_after("10.0.0.2") == 0


def test_failures_expire_with_the_window() -> None:
    throttle = FailureThrottle(limit=2, window=0.0001)
    throttle.record_failure("a")
    throttle.record_failure("a")
    import time

    time.sleep(0.001)
    assert throttle.retry_after("a") == 0


def test_memory_is_bounded() -> None:
    throttle = FailureThrottle(limit=2, window=60.0, max_addresses=100)
    for i in range(1000):
        throttle.record_failure(f"addr{i}")
    assert len(throttle._failures) <= 100
