"""A small version of the classroom load benchmark: two browser sessions draw at once; all get predictions."""

import asyncio
import importlib.util
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BENCH_LOAD = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_load.py"


def load_benchmark_module():
    spec = importlib.util.spec_from_file_location("bench_load", BENCH_LOAD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_sessions_drawing_at_once_all_get_predictions_and_no_errors(app_server):
    bench_load = load_benchmark_module()
    # A thread of its own: the sync Playwright fixtures of other tests keep an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        outcome = pool.submit(asyncio.run, bench_load.run_load(app_server, sessions=2, drawings=3,
                                                               with_training=False)).result()
    for session in outcome["sessions"]:
        assert session["lost"] == 0 and session["errors"] == 0 and session["lost_clear_clicks"] == 0
        assert len(session["latencies"]) == 3 and len(session["clear_seconds"]) == 2
        assert None not in session["clear_seconds"]  # every Clear was shown
