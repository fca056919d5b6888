"""Queue positions and estimated starts: when each queued job should get a slot, from the running jobs' ETA and
the queued jobs' settings (a rough pace; the running jobs' measured pace when there is one)."""

import heapq
from dataclasses import replace

# A job's fixed cost besides its epochs: starting TensorFlow, loading MNIST, evaluating on the test set, saving.
STARTUP_SECONDS = 25.0
# Seconds per training image and epoch when no running job has measured the pace (keras_example on 2 busy cores).
DEFAULT_SECONDS_PER_IMAGE = 0.0005


def measure_pace(running: list) -> float | None:
    """Seconds per training image, measured by the running jobs that have trained a while (None if none has)."""
    paces = []
    for job in running:
        images_done = ((job.epoch - 1) * job.batches_per_epoch + job.batch) * job.spec.settings.batch_size
        training_seconds = job.elapsed_seconds - (job.eta_seconds or 0.0)
        if job.epoch and images_done > 0 and job.eta_seconds is not None and training_seconds > 0:
            total_seconds = training_seconds + job.eta_seconds
            total_images = job.spec.settings.epochs * job.batches_per_epoch * job.spec.settings.batch_size
            paces.append(total_seconds / max(total_images, 1))
    return sum(paces) / len(paces) if paces else None


def estimate_job_seconds(job, pace: float | None = None) -> float:
    """How long a job should take from its start to its saved model."""
    settings = job.spec.settings
    return STARTUP_SECONDS + settings.epochs * settings.training_images() * (pace or DEFAULT_SECONDS_PER_IMAGE)


def estimate_seconds_left(job, pace: float | None = None) -> float:
    """How long a running job should still take (its ETA once it trains, else its estimate less its time so far)."""
    if job.eta_seconds is not None:
        return job.eta_seconds + STARTUP_SECONDS / 5  # evaluating and saving remain after training
    return max(estimate_job_seconds(job, pace) - job.elapsed_seconds, STARTUP_SECONDS / 5)


def add_queue_estimates(jobs: list, slots: int) -> list:
    """The jobs with each queued job's queue position (1 = next, per engine) and estimated start (seconds from now).

    jobs: snapshots in queue order (oldest first). Each engine has `slots` slots; a queued job starts when the
    earliest slot frees, the running jobs' slots freeing when their estimates say.
    """
    by_engine: dict[str, list] = {}
    for job in jobs:
        by_engine.setdefault(job.engine, []).append(job)
    estimates = {}
    for engine_jobs in by_engine.values():
        running = [job for job in engine_jobs if job.is_running]
        pace = measure_pace(running)
        slot_count = max(slots, 1)
        busy_until = sorted(estimate_seconds_left(job, pace) for job in running)
        # More running than slots (the slots were lowered): only the last ones to end free a slot for the queue.
        free_at = busy_until[-slot_count:] + [0.0] * max(slot_count - len(busy_until), 0)
        heapq.heapify(free_at)
        position = 0
        for job in engine_jobs:
            if not job.is_queued:
                continue
            position += 1
            start = heapq.heappop(free_at)
            heapq.heappush(free_at, start + estimate_job_seconds(job, pace))
            estimates[job.job_id] = (position, start)
    return [replace(job, queue_position=estimates[job.job_id][0], estimated_start_seconds=estimates[job.job_id][1])
            if job.job_id in estimates else job for job in jobs]
