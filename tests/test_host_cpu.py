"""Tests for the host-steal reading of the benchmarks (benchmarks/host_cpu.py), on synthetic /proc/stat text."""

from benchmarks.host_cpu import (MAX_TRIES, STEAL_LIMIT, describe_steal, describe_tries, keep_counted_try,
                                 measure_on_whole_machine, measure_steal_share, read_cpu_ticks)
import benchmarks.host_cpu as host_cpu

STAT = "cpu  {user} 0 {system} {idle} 0 0 0 {steal} 5 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2\n"


def test_steal_is_the_share_of_all_time_between_two_readings():
    before = read_cpu_ticks(STAT.format(user=100, system=20, idle=800, steal=80))
    after = read_cpu_ticks(STAT.format(user=200, system=40, idle=900, steal=780))
    assert before == (80, 1000) and after == (780, 1920)
    assert measure_steal_share(before, after) == 700 / 920
    assert describe_steal(measure_steal_share(before, after)) == "host steal 76%"


def test_unknown_readings_give_no_figure():
    assert read_cpu_ticks("no cpu line here\n") is None
    assert read_cpu_ticks("cpu  1 2 3\n") is None  # an old kernel without a steal column
    assert measure_steal_share(None, (1, 2)) is None and measure_steal_share((1, 5), (1, 5)) is None
    assert describe_steal(None) == ""
    assert read_cpu_ticks() is None or read_cpu_ticks()[1] > 0  # this machine's own /proc/stat, if it has one


def fake_host(monkeypatch, steal_per_try: list[float]):
    """read_cpu_ticks readings (1,000 ticks per try) whose tries see steal_per_try, in order."""
    readings = []
    for steal in steal_per_try:
        readings += [(0, 0), (round(1000 * steal), 1000)]
    monkeypatch.setattr(host_cpu, "read_cpu_ticks", lambda: readings.pop(0))


def test_a_measurement_is_tried_again_while_the_host_takes_more_than_the_limit(monkeypatch):
    fake_host(monkeypatch, [STEAL_LIMIT + 0.2, STEAL_LIMIT + 0.1, STEAL_LIMIT / 2])
    medians = iter([900.0, 400.0, 80.0])
    tries = measure_on_whole_machine(lambda: {"median_ms": next(medians)})
    assert [figures["median_ms"] for figures in tries] == [900.0, 400.0, 80.0]
    counted = keep_counted_try(tries, ("median_ms",))
    assert counted["median_ms"] == 80.0 and counted["steal_share"] == STEAL_LIMIT / 2
    text = describe_tries(counted, "median_ms", "median")
    assert text.startswith(f"; {describe_steal(STEAL_LIMIT / 2)}; other tries: median 900 ms at host steal")
    assert "not counted" not in text


def test_after_the_last_try_the_least_stolen_one_is_kept_and_marked_as_not_counted(monkeypatch):
    fake_host(monkeypatch, [0.5, 0.3, 0.4][:MAX_TRIES])
    medians = iter([900.0, 400.0, 600.0])
    counted = keep_counted_try(measure_on_whole_machine(lambda: {"median_ms": next(medians)}), ("median_ms",))
    assert counted["median_ms"] == 400.0 and len(counted["other_tries"]) == MAX_TRIES - 1
    assert "host steal 30% (above 10%: not counted)" in describe_tries(counted, "median_ms", "median")


def test_a_quiet_host_measures_once(monkeypatch):
    fake_host(monkeypatch, [0.01])
    counted = keep_counted_try(measure_on_whole_machine(lambda: {"median_ms": 50.0}), ("median_ms",))
    assert counted["other_tries"] == [] and describe_tries(counted, "median_ms", "median") == "; host steal 1%"
