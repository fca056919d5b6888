"""Train any registered or built architecture with progress callbacks and cancellation between batches."""

import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.inputs.images import to_model_batch
from mnist_cnn.model.built_network import build_network
from mnist_cnn.training.settings import TrainingSettings


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


def add_extra_data(images: np.ndarray, labels: np.ndarray, settings: TrainingSettings):
    """Append pen-drawn digits and non-digit drawings as settings asks; soft targets when there are non-digits."""
    if settings.pen_digit_variants:
        from mnist_cnn.data.extra_training_data import make_pen_digit_set

        pen_images, pen_labels = make_pen_digit_set(settings.pen_digit_variants, seed=settings.seed)
        images = np.concatenate([images, to_model_batch(pen_images)])
        labels = np.concatenate([labels, pen_labels.astype("int32")])
    if not settings.uses_soft_targets:
        return images, labels
    from mnist_cnn.data.extra_training_data import make_outlier_set

    outlier_images = make_outlier_set(settings.outlier_count, seed=settings.seed)
    targets = np.concatenate([keras.utils.to_categorical(labels, NUM_CLASSES),
                              np.full((len(outlier_images), NUM_CLASSES), 1.0 / NUM_CLASSES, dtype="float32")])
    return np.concatenate([images, to_model_batch(outlier_images)]), targets


def make_datasets(x_train: np.ndarray, y_train: np.ndarray, settings: TrainingSettings):
    """Split, subset, shuffle, batch and (optionally) augment; return (train, validation or None)."""
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(x_train))
    if settings.train_subset is not None:
        order = order[: settings.train_subset]
    validation_count = int(round(len(order) * settings.validation_split))
    train_index, validation_index = order[validation_count:], order[:validation_count]
    images = to_model_batch(x_train)  # (batch, 28, 28, 1)
    labels = y_train.astype("int32")
    train_images, train_labels = add_extra_data(images[train_index], labels[train_index], settings)
    if settings.uses_soft_targets:
        labels = keras.utils.to_categorical(labels, NUM_CLASSES)  # (batch, 10)
    train = tf.data.Dataset.from_tensor_slices((train_images, train_labels))
    train = train.shuffle(len(train_images), seed=settings.seed, reshuffle_each_iteration=True)
    train = train.batch(settings.batch_size)
    if settings.augment:
        augmenter = keras.Sequential([
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=settings.seed),  # about ±11 degrees
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=settings.seed),
            keras.layers.RandomZoom(0.1, fill_mode="constant", seed=settings.seed),
        ])
        train = train.map(lambda x, y: (augment_batch(x, augmenter, settings.seed), y),
                          num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    validation = None
    if validation_count:
        validation = tf.data.Dataset.from_tensor_slices(
            (images[validation_index], labels[validation_index])).batch(512)
    return train, validation, len(train_images)


def make_optimizer(settings: TrainingSettings, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Adam with a constant rate, or a one-epoch warm-up then cosine decay."""
    if settings.lr_schedule == "cosine":
        total = steps_per_epoch * settings.epochs
        warmup = min(steps_per_epoch, total // 5)
        rate = keras.optimizers.schedules.CosineDecay(
            settings.learning_rate * 0.1, decay_steps=max(total - warmup, 1), alpha=0.0,
            warmup_target=settings.learning_rate, warmup_steps=warmup)
        return keras.optimizers.Adam(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=settings.learning_rate)


def train_model(x_train: np.ndarray, y_train: np.ndarray, settings: TrainingSettings,
                progress: TrainingProgress | None = None,
                cancel_event: threading.Event | None = None,
                initial_model: keras.Model | None = None, callbacks: list | None = None) -> TrainingResult:
    """Train settings.architecture (or continue initial_model) on uint8 images; raise TrainingCancelled.

    settings are not checked here: they were validated (validate_settings) where they entered.
    """
    progress = progress or TrainingProgress()
    cancel_event = cancel_event or threading.Event()
    keras.utils.set_random_seed(settings.seed)
    train, validation, train_count = make_datasets(x_train, y_train, settings)
    steps_per_epoch = int(np.ceil(train_count / settings.batch_size))
    model = initial_model if initial_model is not None else build_network(settings.architecture,
                                                                              settings.architecture_spec)
    loss = "categorical_crossentropy" if settings.uses_soft_targets else "sparse_categorical_crossentropy"
    model.compile(optimizer=make_optimizer(settings, steps_per_epoch), loss=loss, metrics=["accuracy"],
                  steps_per_execution=settings.steps_per_execution)
    epoch_seconds: list = []
    callback = ProgressCallback(progress, cancel_event, steps_per_epoch, epoch_seconds)
    started = time.perf_counter()
    history = model.fit(train, validation_data=validation, epochs=settings.epochs,
                        callbacks=[callback, *(callbacks or [])], verbose=0)
    if cancel_event.is_set():
        raise TrainingCancelled("Training was cancelled; nothing was saved.")
    return TrainingResult(
        model=model,
        history={name: [float(v) for v in values] for name, values in history.history.items()},
        epoch_seconds=epoch_seconds,
        training_seconds=time.perf_counter() - started,
    )
