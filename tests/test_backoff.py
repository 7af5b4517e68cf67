import random

from bot.poll.backoff import MAX_BACKOFF_SECONDS, next_poll_delay


def test_success_polls_on_time_with_jitter():
    rng = random.Random(1)
    delays = [next_poll_delay(1800, 0, rng=rng) for _ in range(200)]
    assert 1620 <= min(delays) and max(delays) <= 1980
    assert len(set(delays)) > 50  # jittered, so feeds that failed together spread out


def test_failures_back_off_exponentially_and_cap():
    rng = random.Random(2)
    d = [next_poll_delay(600, n, rng=rng) for n in (1, 2, 3, 4)]
    assert d[0] < d[1] < d[2] < d[3]
    assert 0.8 < d[3] / (600 * 8) < 1.2
    assert next_poll_delay(600, 40, rng=rng) <= MAX_BACKOFF_SECONDS * 1.1


def test_retry_after_is_honoured_but_capped():
    assert next_poll_delay(60, 1, retry_after=7200, rng=random.Random(3)) >= 7200
    assert next_poll_delay(60, 1, retry_after=10**9, rng=random.Random(3)) <= MAX_BACKOFF_SECONDS * 1.1
