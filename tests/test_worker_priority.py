"""The training worker gives the CPU to the server: SCHED_IDLE on Linux, inherited by the threads it starts."""

import multiprocessing
import os
import sys
import threading

import pytest

from mnist_cnn.jobs.worker import lower_worker_priority


def report_policies(results) -> None:
    """In a child process: lower the priority, start a thread (as TensorFlow does), report both policies."""
    lower_worker_priority()
    thread_policy = []
    thread = threading.Thread(target=lambda: thread_policy.append(os.sched_getscheduler(0)))
    thread.start()
    thread.join()
    results.put((os.sched_getscheduler(0), thread_policy[0]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is a Linux scheduling policy")
def test_the_worker_and_its_later_threads_run_only_on_idle_cpu():
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=report_policies, args=(results,))
    child.start()
    main_policy, thread_policy = results.get(timeout=60)
    child.join(timeout=60)
    assert main_policy == os.SCHED_IDLE and thread_policy == os.SCHED_IDLE
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the test process itself is untouched
