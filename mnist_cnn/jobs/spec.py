"""What a job is: its spec (kind, settings, options), its states, and the snapshot every page reads."""

import json
from dataclasses import asdict, dataclass, field, fields

from mnist_cnn.jobs.work import WORK_KINDS
from mnist_cnn.training.settings import PANEL_SETTINGS, FineTuneSettings, TrainingSettings, validate_settings

# Job states. "queued" waits for a slot; "running" occupies one; the other three are ends.
QUEUED, RUNNING, FINISHED, CANCELLED, FAILED = "queued", "running", "finished", "cancelled", "failed"
ACTIVE_STATUSES = (QUEUED, RUNNING)
ENDED_STATUSES = (FINISHED, CANCELLED, FAILED)


class LaunchLaterError(RuntimeError):
    """An engine cannot take a claimed job now (its cluster is unreachable, no worker is up): back to the queue."""


@dataclass(frozen=True)
class JobSpec:
    """What a job should do: a kind of work, its training settings, and options of that kind (JSON-ready)."""

    settings: TrainingSettings = PANEL_SETTINGS   # checked against mnist_cnn.config by validate_settings()
    kind: str = "train"                            # a key of jobs.work.WORK_KINDS
    options: dict = field(default_factory=dict)    # e.g. where a fine-tuning job's drawings are

    def validate(self) -> None:
        """Raise ValueError with a clear message when the kind or a setting is outside the server's bounds.

        This is where a job's settings enter: JobManager.start calls it, and nothing deeper checks them again.
        """
        if self.kind not in WORK_KINDS:
            raise ValueError(f"Unknown kind of job {self.kind!r}.")
        validate_settings(self.settings)

    def to_json(self) -> str:
        """The spec as JSON text (the job board keeps it so)."""
        settings_type = "finetune" if isinstance(self.settings, FineTuneSettings) else "training"
        return json.dumps({"kind": self.kind, "options": self.options, "settings_type": settings_type,
                           "settings": asdict(self.settings)})

    @classmethod
    def from_json(cls, text: str) -> "JobSpec":
        """A spec back from to_json's text."""
        data = json.loads(text)
        settings_class = FineTuneSettings if data.get("settings_type") == "finetune" else TrainingSettings
        known = {item.name for item in fields(settings_class)}
        settings = settings_class(**{name: value for name, value in data["settings"].items() if name in known})
        return cls(settings=settings, kind=data["kind"], options=data.get("options") or {})


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of a job's state, safe to read from any thread (read from the job board)."""

    job_id: str
    spec: JobSpec
    status: str                     # QUEUED, RUNNING, FINISHED, CANCELLED or FAILED
    phase: str                      # what the worker does now: "queued", "starting", "loading data", "training", ...
    epoch: int                      # the current epoch, from 1 (0 before training starts)
    batch: int                      # the last finished batch of the current epoch
    batches_per_epoch: int
    history: dict                   # metric -> one value per finished epoch (loss, accuracy, val_*, seconds)
    batch_trace: list               # [{"epoch": fractional epoch, "loss": ..., "accuracy": ...}, ...]
    started_at: float               # time.time() when the job started running (when it was queued, before that)
    elapsed_seconds: float          # from its start to now (running) or to its end
    eta_seconds: float | None       # estimated seconds of training left (None until it can be estimated)
    cancel_requested: bool
    result_model_name: str | None = None
    test_accuracy: float | None = None
    test_loss: float | None = None
    message: str = ""               # why it failed or was cancelled, or a note about the result
    owner: str = ""                 # the browser session that started it
    engine: str = "local"           # where it runs: "local" (a process of a server) or "ray"
    runner: str = ""                # the server process (or engine) that claimed it
    resources: dict = field(default_factory=dict)
    submitted_at: float = 0.0       # time.time() when it was queued
    ended_at: float | None = None
    queue_position: int | None = None            # 1 = next to start (queued jobs only)
    estimated_start_seconds: float | None = None  # from now, for a queued job (None when unknown)

    @property
    def is_running(self) -> bool:
        """True while the job occupies a slot."""
        return self.status == RUNNING

    @property
    def is_queued(self) -> bool:
        """True while the job waits for a slot."""
        return self.status == QUEUED

    @property
    def is_active(self) -> bool:
        """True while the job waits or runs."""
        return self.status in ACTIVE_STATUSES

    @property
    def epoch_fraction(self) -> float:
        """Progress through the current epoch, 0 to 1."""
        return min(self.batch / self.batches_per_epoch, 1.0) if self.batches_per_epoch else 0.0

    @property
    def overall_fraction(self) -> float:
        """Progress through all epochs, 0 to 1 (1 once finished)."""
        if self.status == FINISHED:
            return 1.0
        if not self.epoch:
            return 0.0
        return min((self.epoch - 1 + self.epoch_fraction) / self.spec.settings.epochs, 1.0)
