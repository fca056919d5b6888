"""The idle browser's benchmark row: its target's verdict, judged only on a try the host left its cores."""

from benchmarks.bench_draw import TARGET_IDLE_STROKE_MEDIAN_MS, describe_browser_latency
from benchmarks.host_cpu import STEAL_LIMIT


def make_browser(median_ms: float, steal: float | None, lost: int = 0, other_tries: list | None = None) -> dict:
    """Figures as measure_browser_latency_on_whole_machine returns them (only what the row reads)."""
    return {"median_ms": median_ms, "p95_ms": 2 * median_ms, "count": 20, "lost_strokes": lost,
            "steal_share": steal, "other_tries": other_tries or []}


def test_the_row_judges_the_median_against_the_idle_target():
    below, above = TARGET_IDLE_STROKE_MEDIAN_MS - 10, TARGET_IDLE_STROKE_MEDIAN_MS + 10
    assert "median: met); host steal 2%" in describe_browser_latency(make_browser(below, 0.02))
    assert "median: NOT met)" in describe_browser_latency(make_browser(above, 0.02))
    assert "median: NOT met)" in describe_browser_latency(make_browser(below, 0.02, lost=1))


def test_a_try_with_high_steal_is_not_judged_and_the_other_tries_are_shown():
    tries = [{"median_ms": 240.0, "steal_share": STEAL_LIMIT + 0.2}, {"median_ms": 190.0, "steal_share": 0.25}]
    text = describe_browser_latency(make_browser(160.0, STEAL_LIMIT + 0.05, other_tries=tries))
    assert f"not judged: host steal above {STEAL_LIMIT:.0%} in every try" in text
    assert text.endswith("other tries: median 240 ms at host steal 30%, median 190 ms at host steal 25%")
