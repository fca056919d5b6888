"""One training path for the CLI, the background job and fine-tuning: train, evaluate, record lineage, save."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import keras

from mnist_cnn import config
from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.store.evaluation_file import keep_evaluation
from mnist_cnn.store.model_store import ModelStore, StoredModel, build_metadata
from mnist_cnn.training.fit import TrainingProgress, TrainingResult, train_model
from mnist_cnn.training.lineage import build_lineage, count_epochs, make_stage
from mnist_cnn.training.settings import TrainingSettings
from mnist_cnn.training.snapshots import SnapshotError, SnapshotRecorder, load_snapshots


@dataclass
class RunOutcome:
    """What one run's training step produced; test figures left None are measured on the full test set."""

    training: TrainingResult
    test_loss: float | None = None
    test_accuracy: float | None = None
    how: str | None = None                      # a lineage.STAGE_KINDS entry; None: trained or continued
    extra: dict = field(default_factory=dict)   # more metadata (a fine-tuning report, a collection)


def train_on_mnist(settings: TrainingSettings, base_model: keras.Model | None, data, progress, cancel_event,
                   callbacks: list) -> RunOutcome:
    """The usual training step: settings on MNIST's training images, fresh or continuing base_model."""
    (x_train, y_train), _ = data
    return RunOutcome(train_model(x_train, y_train, settings, progress, cancel_event,
                                  initial_model=base_model, callbacks=callbacks))


def load_base(settings: TrainingSettings, store: ModelStore):
    """(settings with the base model's architecture, its metadata, the loaded model), or no base at all."""
    if not settings.base_model:
        return settings, {}, None
    earlier = store.get(settings.base_model).metadata
    settings = replace(settings, architecture=earlier.get("architecture", settings.architecture),
                       architecture_spec=earlier.get("architecture_spec"))
    return settings, earlier, store.load(settings.base_model)


def make_recorder(store: ModelStore, base_name: str | None, earlier: dict, x_test, y_test) -> SnapshotRecorder:
    """A SnapshotRecorder on the first test digits that starts from the base model's snapshots, if it has any."""
    recorder = SnapshotRecorder(x_test[:config.SNAPSHOT_TEST_DIGITS], y_test[:config.SNAPSHOT_TEST_DIGITS],
                                first_epoch=count_epochs(earlier.get("history", {})) + 1)
    if base_name and store.snapshot_path(base_name).exists():
        try:
            recorder.keep_earlier(load_snapshots(store.snapshot_path(base_name)))
        except SnapshotError:
            pass  # a damaged replay of the base is not worth failing the run for: this run's epochs are kept
    return recorder


def describe_built_architecture(settings: TrainingSettings) -> dict:
    """The metadata that keeps a built network's layer list with its model ({} for a registered architecture)."""
    return {} if settings.architecture_spec is None else {"architecture_spec": settings.architecture_spec}


def ignore_phase(phase: str) -> None:
    """The default on_phase of a run: no one follows its phases."""


@dataclass(frozen=True)
class TrainingHooks:
    """What a caller of train_and_save adds to a run; every field has a default (a plain, silent run)."""

    progress: TrainingProgress | None = None        # per-batch and per-epoch callbacks
    cancel_event: threading.Event | None = None     # set: stop after the current batch (TrainingCancelled)
    on_phase: Callable[[str], None] = ignore_phase  # told "training", then "evaluating" (it may raise to stop)
    train_step: Callable[..., RunOutcome] = train_on_mnist  # (settings, base_model, data, progress, cancel, callbacks)
    save: Callable[..., StoredModel] | None = None  # instead of store.save (a job's saving guard)
    name: str | None = None                         # the store name; None: the architecture + name_suffix + a time
    name_suffix: str = ""
    trained_with: str = ""                          # who trained it (a command line, a panel), kept in its lineage
    replace_default: bool = False                   # may save over the bundled default (CLI --replace-default)


def train_and_save(settings: TrainingSettings, store: ModelStore, data=None,
                   hooks: TrainingHooks | None = None) -> StoredModel:
    """Train (fresh or continuing settings.base_model), evaluate on the full test set, record lineage and
    per-epoch snapshots, and save; data is ((x_train, y_train), (x_test, y_test)), MNIST when None.

    The settings were validated where they entered (the CLI, JobManager.start); they are not checked again here.
    """
    hooks = hooks or TrainingHooks()
    if data is None:
        from mnist_cnn.data.mnist import load_mnist

        data = load_mnist()
    settings, earlier, base_model = load_base(settings, store)
    _, (x_test, y_test) = data
    recorder = make_recorder(store, settings.base_model, earlier, x_test, y_test)
    hooks.on_phase("training")
    outcome = hooks.train_step(settings, base_model, data, hooks.progress, hooks.cancel_event, [recorder])
    model = outcome.training.model
    recorder.keep_final(model)  # the replay ends on the weights saved (a fine-tune blends them after its epochs)
    evaluation = None
    if outcome.test_accuracy is None:
        hooks.on_phase("evaluating")
        evaluation = evaluate_model(model, x_test, y_test)  # the full 10,000 test digits
        outcome = replace(outcome, test_loss=evaluation.mean_loss, test_accuracy=evaluation.accuracy)
    how = outcome.how or ("continued" if base_model is not None else "trained")
    training = outcome.training
    stage = make_stage(how, hooks.trained_with, settings.to_dict(), count_epochs(training.history),
                       training.training_seconds, outcome.test_accuracy)
    lineage = build_lineage(earlier, stage, training.history, training.epoch_seconds)
    metadata = build_metadata(model, settings.architecture, settings.to_dict(), lineage.pop("history"),
                              lineage.pop("epoch_seconds"), training.training_seconds, outcome.test_loss,
                              outcome.test_accuracy, trained_with=hooks.trained_with, base_model=settings.base_model,
                              **lineage, **outcome.extra, **describe_built_architecture(settings))
    name = hooks.name or store.new_name(settings.architecture + hooks.name_suffix)
    stored = (hooks.save or store.save)(model, metadata, name, replace_default=hooks.replace_default,
                                        snapshots=recorder.to_arrays())
    if evaluation is not None:  # kept beside the model: the app's Test-set explorer shows it at once
        keep_evaluation(stored.model_path, evaluation, stored.metadata["file_sha256"], x_test, y_test)
    return stored
