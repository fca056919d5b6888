"""Fool the model: FGSM and iterative (PGD) gradient attacks on one 28×28 digit, untargeted or targeted."""

import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.explain.choices import DEFAULT_STEPS  # noqa: F401 (named here too: pages/fool.py reads it here)
from mnist_cnn.inputs.images import to_image_batch
from mnist_cnn.model.forward import compute_logits, get_compiled
from mnist_cnn.model.inference import classify

# Attack settings: the largest strength (L∞ change of one pixel) a user may ask for, the default number of
# steps of the iterative attack, and each step's size as a multiple of strength / steps (PGD's usual 2.5).
MAX_EPSILON = 1.0
STEP_SIZE_FACTOR = 2.5


@dataclass
class AttackResult:
    """A digit before and after an attack, and what the network says about each."""

    original: np.ndarray                 # (28, 28) float32 in [0, 1]
    adversarial: np.ndarray              # (28, 28) float32 in [0, 1]
    original_probabilities: np.ndarray   # (10,)
    adversarial_probabilities: np.ndarray  # (10,)
    epsilon: float                       # the largest change allowed per pixel
    target: int | None                   # the class pushed towards, or None (untargeted)
    steps_taken: int

    @property
    def perturbation(self) -> np.ndarray:
        """adversarial − original: (28, 28), each value within ±epsilon."""
        return self.adversarial - self.original

    @property
    def original_digit(self) -> int:
        """The class predicted before the attack."""
        return int(np.argmax(self.original_probabilities))

    @property
    def adversarial_digit(self) -> int:
        """The class predicted after the attack."""
        return int(np.argmax(self.adversarial_probabilities))

    @property
    def succeeded(self) -> bool:
        """Whether the prediction changed (untargeted) or became the target (targeted)."""
        if self.target is None:
            return self.adversarial_digit != self.original_digit
        return self.adversarial_digit == self.target


def make_loss_gradient_function(model: keras.Model):
    """A compiled function (batch, labels) -> gradient of the cross-entropy with respect to the input."""
    model_reference = weakref.ref(model)  # held weakly, so that the model can be freed

    @tf.function(reduce_retracing=True, autograph=False)
    def compute_gradient(batch, labels):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            logits = compute_logits(model_reference(), batch)  # (batch, 10)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return tape.gradient(loss, batch)  # (batch, 28, 28, 1)

    return compute_gradient


def check_attack_settings(epsilon: float, steps: int, target: int | None) -> None:
    """Raise ValueError for a strength, step count or target class out of range."""
    if not 0.0 <= float(epsilon) <= MAX_EPSILON:
        raise ValueError(f"The strength must be between 0 and {MAX_EPSILON}, got {epsilon}.")
    if int(steps) < 1:
        raise ValueError(f"An attack needs at least one step, got {steps}.")
    if target is not None and not 0 <= int(target) <= 9:
        raise ValueError(f"The target must be a digit 0–9, got {target}.")


def attack(model: keras.Model, image: np.ndarray, epsilon: float, target: int | None = None,
           steps: int = 1, stop_when_fooled: bool = True) -> AttackResult:
    """FGSM (steps=1) or PGD (steps>1): change each pixel by at most epsilon to fool the model.

    Untargeted: climb the loss of the class the model predicts now. Targeted: descend the loss of `target`.
    Every step moves each pixel by ±step size (the sign of its gradient), then projects back into the
    ±epsilon box around the original and into [0, 1].
    """
    check_attack_settings(epsilon, steps, target)
    original = np.asarray(image, dtype=np.float32).reshape(28, 28)
    if original.min() < 0.0 or original.max() > 1.0:
        raise ValueError("The image must have values in [0, 1].")
    before = classify(model, original)
    label = before.digit if target is None else int(target)
    direction = 1.0 if target is None else -1.0  # up the loss of the current class, down that of the target
    step_size = epsilon if steps == 1 else STEP_SIZE_FACTOR * epsilon / steps
    compute_gradient = get_compiled(model, "attack_gradient", make_loss_gradient_function)
    original_batch = tf.constant(to_image_batch(original))  # (1, 28, 28, 1)
    adversarial_batch, labels = original_batch, tf.constant([label], dtype=tf.int32)
    steps_taken = 0
    for _ in range(int(steps)):
        gradient = compute_gradient(adversarial_batch, labels)
        moved = adversarial_batch + direction * step_size * tf.sign(gradient)
        moved = tf.clip_by_value(moved, original_batch - epsilon, original_batch + epsilon)
        adversarial_batch = tf.clip_by_value(moved, 0.0, 1.0)
        steps_taken += 1
        if stop_when_fooled and steps > 1:
            digit = classify(model, adversarial_batch.numpy()[0, :, :, 0]).digit
            if (digit != before.digit) if target is None else (digit == target):
                break
    adversarial = adversarial_batch.numpy()[0, :, :, 0]  # (28, 28)
    after = classify(model, adversarial)
    return AttackResult(original, adversarial, before.probabilities, after.probabilities, float(epsilon),
                        None if target is None else int(target), steps_taken)
