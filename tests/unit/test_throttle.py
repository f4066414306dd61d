"""Sign-in back-off: a pause after five wrong tries, doubling after each further one."""

from kiosk.web.throttle import FIRST_PAUSE, LONGEST_PAUSE, Throttle


def test_the_pause_starts_at_the_fifth_wrong_try_doubles_and_ends():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("staff:h1", "client:10.0.0.9")
    assert not throttle.paused("staff:h1")
    throttle.failed("staff:h1", "client:10.0.0.9")
    assert throttle.paused("staff:h1") and throttle.paused("client:10.0.0.9", "staff:other")
    assert not throttle.paused("staff:other")
    now[0] += FIRST_PAUSE + 0.1
    assert not throttle.paused("staff:h1")
    throttle.failed("staff:h1")
    now[0] += FIRST_PAUSE + 0.1
    assert throttle.paused("staff:h1")  # the second pause is twice as long
    now[0] += FIRST_PAUSE
    assert not throttle.paused("staff:h1")
    for _ in range(40):
        throttle.failed("staff:h1")
    now[0] += LONGEST_PAUSE + 0.1
    assert not throttle.paused("staff:h1")  # never longer than the longest pause


def test_a_right_pin_clears_the_count():
    throttle = Throttle(clock=lambda: 0.0)
    for _ in range(4):
        throttle.failed("staff:h1")
    throttle.succeeded("staff:h1")
    throttle.failed("staff:h1")
    assert not throttle.paused("staff:h1")
