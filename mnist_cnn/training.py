"""Train any registered architecture with progress callbacks and cancellation between batches."""

import threading
import time
from dataclasses import asdict, dataclass, field
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.architectures import ARCHITECTURES, NUM_CLASSES, build_model
from mnist_cnn.images import to_model_batch


@dataclass
class TrainingConfig:
    """Hyper-parameters of one training run (defaults: the keras-io example)."""

    architecture: str = "keras_example"   # a name from architectures.ARCHITECTURES
    epochs: int = 15                      # passes over the training set
    batch_size: int = 128                 # images per gradient step
    learning_rate: float = 1e-3           # Adam's peak learning rate
    lr_schedule: str = "constant"         # "constant", or "cosine" (warm-up, then cosine decay to 0)
    augment: bool = False                 # random rotations, shifts, zooms and stroke thickness
    validation_split: float = 0.1         # fraction of the training images held out for validation
    train_subset: int | None = None       # train on this many random training images (None = all)
    seed: int = 0                         # seeds shuffling, the subset, augmentation and weights
    steps_per_execution: int = 8          # batches per compiled call: less Python per batch, progress every 8
    pen_digit_variants: int = 0           # add each trainable pendigits digit this many times, drawn like canvas
    outlier_count: int = 0                # add this many non-digit drawings, taught to get even probabilities

    def validate(self) -> None:
        """Raise ValueError for settings that cannot train."""
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"Unknown architecture {self.architecture!r}.")
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1.")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1.")
        if not 0 < self.learning_rate < 1:
            raise ValueError("learning_rate must be between 0 and 1.")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError("lr_schedule must be 'constant' or 'cosine'.")
        if not 0 <= self.validation_split < 0.5:
            raise ValueError("validation_split must be in [0, 0.5).")
        if self.steps_per_execution < 1:
            raise ValueError("steps_per_execution must be at least 1.")
        if self.train_subset is not None and self.train_subset < 20:
            raise ValueError("train_subset must be at least 20 images.")
        if not 0 <= self.pen_digit_variants <= 10:
            raise ValueError("pen_digit_variants must be between 0 and 10.")
        if not 0 <= self.outlier_count <= 100_000:
            raise ValueError("outlier_count must be between 0 and 100,000.")

    @property
    def uses_soft_targets(self) -> bool:
        """True when non-digit drawings are trained on: targets are then probability vectors, not labels."""
        return self.outlier_count > 0

    def to_dict(self) -> dict:
        """Return the settings as a JSON-ready dict."""
        return asdict(self)


@dataclass
class TrainingProgress:
    """Callbacks for progress; each is optional. Batch and epoch numbers start at 1."""

    on_batch: Callable[[int, int, int, dict], None] | None = None  # (epoch, batch, batches_per_epoch, logs)
    on_epoch: Callable[[int, dict], None] | None = None            # (epoch, logs incl. val_* and seconds)


@dataclass
class TrainingResult:
    """A trained model with its per-epoch history and timing."""

    model: keras.Model
    history: dict = field(default_factory=dict)   # metric name -> list, one value per epoch
    epoch_seconds: list = field(default_factory=list)
    training_seconds: float = 0.0


class TrainingCancelled(Exception):
    """Raised by train_model when its cancel event was set; nothing was kept."""


class ProgressCallback(keras.callbacks.Callback):
    """Forward Keras's batch and epoch events to TrainingProgress, and stop when cancelled."""

    def __init__(self, progress: TrainingProgress, cancel_event: threading.Event,
                 batches_per_epoch: int, epoch_seconds: list):
        super().__init__()
        self.progress = progress
        self.cancel_event = cancel_event
        self.batches_per_epoch = batches_per_epoch
        self.epoch_seconds = epoch_seconds
        self.epoch = 0
        self.epoch_started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.progress.on_batch:
            # With steps_per_execution > 1 Keras reports the last batch of each call, which can overshoot.
            done = min(batch + 1, self.batches_per_epoch)
            self.progress.on_batch(self.epoch, done, self.batches_per_epoch, dict(logs or {}))
        if self.cancel_event.is_set():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.epoch_started
        self.epoch_seconds.append(seconds)
        if self.progress.on_epoch and not self.cancel_event.is_set():
            self.progress.on_epoch(epoch + 1, {**{k: float(v) for k, v in (logs or {}).items()},
                                               "seconds": seconds})


def augment_batch(images: tf.Tensor, augmenter: keras.Sequential, seed: int) -> tf.Tensor:
    """Randomly rotate, shift and zoom a batch, and thicken or thin a fifth of its strokes."""
    images = augmenter(images, training=True)  # (batch, 28, 28, 1)
    thicker = tf.nn.max_pool2d(images, ksize=2, strides=1, padding="SAME")  # grey dilation
    thinner = -tf.nn.max_pool2d(-images, ksize=2, strides=1, padding="SAME")  # grey erosion
    choice = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], seed=seed)
    images = tf.where(choice < 0.15, thicker, tf.where(choice > 0.95, thinner, images))
    return tf.clip_by_value(images, 0.0, 1.0)


def add_extra_data(images: np.ndarray, labels: np.ndarray, config: TrainingConfig):
    """Append pen-drawn digits and non-digit drawings as config asks; soft targets when there are non-digits."""
    if config.pen_digit_variants:
        from mnist_cnn.extra_training_data import make_pen_digit_set

        pen_images, pen_labels = make_pen_digit_set(config.pen_digit_variants, seed=config.seed)
        images = np.concatenate([images, to_model_batch(pen_images)])
        labels = np.concatenate([labels, pen_labels.astype("int32")])
    if not config.uses_soft_targets:
        return images, labels
    from mnist_cnn.extra_training_data import make_outlier_set

    outlier_images = make_outlier_set(config.outlier_count, seed=config.seed)
    targets = np.concatenate([keras.utils.to_categorical(labels, NUM_CLASSES),
                              np.full((len(outlier_images), NUM_CLASSES), 1.0 / NUM_CLASSES, dtype="float32")])
    return np.concatenate([images, to_model_batch(outlier_images)]), targets


def make_datasets(x_train: np.ndarray, y_train: np.ndarray, config: TrainingConfig):
    """Split, subset, shuffle, batch and (optionally) augment; return (train, validation or None)."""
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x_train))
    if config.train_subset is not None:
        order = order[: config.train_subset]
    validation_count = int(round(len(order) * config.validation_split))
    train_index, validation_index = order[validation_count:], order[:validation_count]
    images = to_model_batch(x_train)  # (batch, 28, 28, 1)
    labels = y_train.astype("int32")
    train_images, train_labels = add_extra_data(images[train_index], labels[train_index], config)
    if config.uses_soft_targets:
        labels = keras.utils.to_categorical(labels, NUM_CLASSES)  # (batch, 10)
    train = tf.data.Dataset.from_tensor_slices((train_images, train_labels))
    train = train.shuffle(len(train_images), seed=config.seed, reshuffle_each_iteration=True)
    train = train.batch(config.batch_size)
    if config.augment:
        augmenter = keras.Sequential([
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=config.seed),  # about ±11 degrees
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=config.seed),
            keras.layers.RandomZoom(0.1, fill_mode="constant", seed=config.seed),
        ])
        train = train.map(lambda x, y: (augment_batch(x, augmenter, config.seed), y),
                          num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    validation = None
    if validation_count:
        validation = tf.data.Dataset.from_tensor_slices(
            (images[validation_index], labels[validation_index])).batch(512)
    return train, validation, len(train_images)


def make_optimizer(config: TrainingConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Adam with a constant rate, or a one-epoch warm-up then cosine decay."""
    if config.lr_schedule == "cosine":
        total = steps_per_epoch * config.epochs
        warmup = min(steps_per_epoch, total // 5)
        rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate * 0.1, decay_steps=max(total - warmup, 1), alpha=0.0,
            warmup_target=config.learning_rate, warmup_steps=warmup)
        return keras.optimizers.Adam(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=config.learning_rate)


def train_model(x_train: np.ndarray, y_train: np.ndarray, config: TrainingConfig,
                progress: TrainingProgress | None = None,
                cancel_event: threading.Event | None = None,
                initial_model: keras.Model | None = None) -> TrainingResult:
    """Train config.architecture (or continue initial_model) on uint8 images; raise TrainingCancelled."""
    config.validate()
    progress = progress or TrainingProgress()
    cancel_event = cancel_event or threading.Event()
    keras.utils.set_random_seed(config.seed)
    train, validation, train_count = make_datasets(x_train, y_train, config)
    steps_per_epoch = int(np.ceil(train_count / config.batch_size))
    model = initial_model if initial_model is not None else build_model(config.architecture)
    loss = "categorical_crossentropy" if config.uses_soft_targets else "sparse_categorical_crossentropy"
    model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss=loss, metrics=["accuracy"],
                  steps_per_execution=config.steps_per_execution)
    epoch_seconds: list = []
    callback = ProgressCallback(progress, cancel_event, steps_per_epoch, epoch_seconds)
    started = time.perf_counter()
    history = model.fit(train, validation_data=validation, epochs=config.epochs,
                        callbacks=[callback], verbose=0)
    if cancel_event.is_set():
        raise TrainingCancelled("Training was cancelled; nothing was saved.")
    return TrainingResult(
        model=model,
        history={name: [float(v) for v in values] for name, values in history.history.items()},
        epoch_seconds=epoch_seconds,
        training_seconds=time.perf_counter() - started,
    )
