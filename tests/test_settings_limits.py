"""Every bound validate_settings checks (training and fine-tuning) accepts its limit and refuses one step past it."""

import math

import pytest

from mnist_cnn import config
from mnist_cnn.training.settings import FineTuneSettings, TrainingSettings, validate_settings


def below(value: float) -> float:
    """The largest float below value: one step past a lower limit."""
    return math.nextafter(value, -math.inf)


def above(value: float) -> float:
    """The smallest float above value: one step past an upper limit."""
    return math.nextafter(value, math.inf)


# (field, value exactly on a limit, value one past it, words of the refusal), for a training run.
TRAINING_LIMITS = [
    ("epochs", 1, 0, "Epochs must be between 1 and 30"),
    ("epochs", config.MAX_EPOCHS, config.MAX_EPOCHS + 1, "Epochs must be between 1 and 30"),
    ("batch_size", config.MIN_BATCH_SIZE, config.MIN_BATCH_SIZE - 1, "Batch size must be between 8 and 1024"),
    ("batch_size", config.MAX_BATCH_SIZE, config.MAX_BATCH_SIZE + 1, "Batch size must be between 8 and 1024"),
    ("learning_rate", config.MIN_LEARNING_RATE, below(config.MIN_LEARNING_RATE), "Learning rate must be between"),
    ("learning_rate", config.MAX_LEARNING_RATE, above(config.MAX_LEARNING_RATE), "Learning rate must be between"),
    ("validation_split", 0.0, below(0.0), "validation split must be between 0 and 0.45"),
    ("validation_split", config.MAX_VALIDATION_SPLIT, above(config.MAX_VALIDATION_SPLIT),
     "validation split must be between 0 and 0.45"),
    ("train_subset", config.MIN_TRAIN_SUBSET, config.MIN_TRAIN_SUBSET - 1, "between 500 and 60,000 images"),
    ("train_subset", config.MAX_TRAIN_SUBSET, config.MAX_TRAIN_SUBSET + 1, "between 500 and 60,000 images"),
    ("steps_per_execution", 1, 0, "Steps per execution must be between 1 and 1,000"),
    ("steps_per_execution", 1_000, 1_001, "Steps per execution must be between 1 and 1,000"),
    ("pen_digit_variants", 0, -1, "Pen-digit variants must be between 0 and 10"),
    ("pen_digit_variants", config.MAX_PEN_DIGIT_VARIANTS, config.MAX_PEN_DIGIT_VARIANTS + 1,
     "Pen-digit variants must be between 0 and 10"),
    ("outlier_count", 0, -1, "non-digit drawings must be between 0 and 100,000"),
    ("outlier_count", config.MAX_OUTLIER_COUNT, config.MAX_OUTLIER_COUNT + 1,
     "non-digit drawings must be between 0 and 100,000"),
    ("base_model", "b" * 81, "b" * 82, "Invalid base model name"),  # model names: 1 + 80 characters
]

# The same for a fine-tuning run: its own bounds, and the shared ones it inherits.
FINETUNE_LIMITS = [
    ("epochs", 1, 0, "Fine-tuning epochs must be between 1 and 10"),
    ("epochs", config.MAX_FINETUNE_EPOCHS, config.MAX_FINETUNE_EPOCHS + 1,
     "Fine-tuning epochs must be between 1 and 10"),
    ("learning_rate", config.MIN_LEARNING_RATE, below(config.MIN_LEARNING_RATE),
     "fine-tuning learning rate must be between"),
    ("learning_rate", config.MAX_FINETUNE_LEARNING_RATE, above(config.MAX_FINETUNE_LEARNING_RATE),
     "fine-tuning learning rate must be between"),
    ("user_repeats", 1, 0, "User repeats must be between 1 and 500"),
    ("user_repeats", config.MAX_USER_REPEATS, config.MAX_USER_REPEATS + 1, "User repeats must be between 1 and 500"),
    ("mnist_images", 0, -1, "MNIST replay images must be between 0 and 60,000"),
    ("mnist_images", config.MAX_TRAIN_SUBSET, config.MAX_TRAIN_SUBSET + 1,
     "MNIST replay images must be between 0 and 60,000"),
    ("holdout_fraction", 0.0, below(0.0), "held-out share"),
    ("holdout_fraction", below(1.0), 1.0, "held-out share"),  # below 1: the limit itself is refused
    ("max_mnist_drop", 0.0, below(0.0), "allowed MNIST drop"),
    ("max_mnist_drop", below(0.1), 0.1, "allowed MNIST drop"),  # below 0.1: the limit itself is refused
    ("batch_size", config.MAX_BATCH_SIZE, config.MAX_BATCH_SIZE + 1, "Batch size"),
    ("validation_split", config.MAX_VALIDATION_SPLIT, above(config.MAX_VALIDATION_SPLIT), "validation split"),
]


# Every bound of both settings types: (settings type, field, on the limit, one past it, words of the refusal).
LIMITS = ([(TrainingSettings, *row) for row in TRAINING_LIMITS]
          + [(FineTuneSettings, *row) for row in FINETUNE_LIMITS])
LIMIT_IDS = [f"{kind.__name__}.{field}={on!r}"[:60] for kind, field, on, _, _ in LIMITS]


@pytest.mark.parametrize(("kind", "field", "on", "past", "words"), LIMITS, ids=LIMIT_IDS)
def test_a_setting_exactly_on_its_limit_is_accepted(kind, field, on, past, words):
    validate_settings(kind(**{field: on}))


@pytest.mark.parametrize(("kind", "field", "on", "past", "words"), LIMITS, ids=LIMIT_IDS)
def test_a_setting_one_past_its_limit_is_refused_with_a_clear_message(kind, field, on, past, words):
    with pytest.raises(ValueError, match=words):
        validate_settings(kind(**{field: past}))


def test_fine_tuning_keeps_its_lower_ceilings_where_training_allows_more():
    validate_settings(TrainingSettings(epochs=config.MAX_FINETUNE_EPOCHS + 1,
                                       learning_rate=above(config.MAX_FINETUNE_LEARNING_RATE)))
    with pytest.raises(ValueError, match="Fine-tuning epochs"):
        validate_settings(FineTuneSettings(epochs=config.MAX_FINETUNE_EPOCHS + 1))
    with pytest.raises(ValueError, match="fine-tuning learning rate"):
        validate_settings(FineTuneSettings(learning_rate=above(config.MAX_FINETUNE_LEARNING_RATE)))

