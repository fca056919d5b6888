"""Tests for the host-steal reading of the benchmarks (benchmarks/host_cpu.py), on synthetic /proc/stat text."""

from benchmarks.host_cpu import describe_steal, measure_steal_share, read_cpu_ticks

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
