"""The one settings type of every training run (CLI, Retrain panel, fine-tuning) and its one validation."""

from dataclasses import asdict, dataclass

from mnist_cnn import config
from mnist_cnn.my_digits.database import DEFAULT_COLLECTION

# The learning-rate schedules train_model knows.
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainingSettings:
    """Hyper-parameters of one training run (defaults: the keras-io example, as the CLI uses them)."""

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
    base_model: str | None = None         # continue training this stored model (it keeps its architecture)
    architecture_spec: list | None = None  # a built network's layer list (architecture "built"; see model.layer_spec)

    @property
    def uses_soft_targets(self) -> bool:
        """True when non-digit drawings are trained on: targets are then probability vectors, not labels."""
        return self.outlier_count > 0

    def training_images(self) -> int:
        """How many MNIST images one epoch trains on (after the validation split)."""
        total = self.train_subset or config.MAX_TRAIN_SUBSET
        return total - int(round(total * self.validation_split))

    def to_dict(self) -> dict:
        """The settings as a JSON-ready dict."""
        return asdict(self)


# The Retrain panel's quick retrain: keras_example reaches 99% on the full set in about two minutes.
PANEL_SETTINGS = TrainingSettings(epochs=5, learning_rate=5e-3, lr_schedule="cosine", validation_split=0.05)


@dataclass(frozen=True)
class FineTuneSettings(TrainingSettings):
    """Training settings of a fine-tuning run on My digits, plus its own (defaults: quick and gentle)."""

    epochs: int = 2                  # passes over the mixed set
    learning_rate: float = 3e-4      # a third of training's: adjust the weights, do not overwrite them
    augment: bool = True             # small rotations/shifts/zooms, so repeats are not identical
    validation_split: float = 0.0    # the held-out drawings measure the gain instead
    mnist_images: int = 3_000        # MNIST training images replayed so the network does not forget MNIST
    user_repeats: int = 20           # each user drawing appears this many times, so a few dozen count
    holdout_fraction: float = 0.25   # share of the user's drawings kept aside to measure the gain
    max_mnist_drop: float | None = None  # if set, blend back towards the base until MNIST drops at most this
    last_block_only: bool = True     # train only the last conv layer and the read-out (the rest stays frozen)
    blend_check_images: int = 2_000  # MNIST test images that pick the blend; the choice is confirmed on all
    collection: str = DEFAULT_COLLECTION  # the My digits collection the drawings come from


def check_range(value, low, high, message: str) -> None:
    """Raise ValueError(message) unless low <= value <= high."""
    if not low <= value <= high:
        raise ValueError(message)


def validate_architecture(settings: TrainingSettings) -> None:
    """A registered architecture, or "built" with an acceptable layer list (or a stored base model that has one)."""
    from mnist_cnn.model.architectures import ARCHITECTURES
    from mnist_cnn.model.built_network import BUILT_ARCHITECTURE
    from mnist_cnn.model.layer_spec import validate_spec

    if settings.architecture == BUILT_ARCHITECTURE:
        if settings.architecture_spec is not None:
            validate_spec(settings.architecture_spec)
        elif settings.base_model is None:
            raise ValueError("A built architecture needs its list of layers: build one on the Build page.")
        return
    if settings.architecture not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {settings.architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
    if settings.architecture_spec is not None:
        raise ValueError(f"A list of layers belongs to a built architecture, not to {settings.architecture!r}.")


def validate_common(settings: TrainingSettings) -> None:
    """Check the settings every run shares against config's limits."""
    validate_architecture(settings)
    check_range(settings.batch_size, config.MIN_BATCH_SIZE, config.MAX_BATCH_SIZE,
                f"Batch size must be between {config.MIN_BATCH_SIZE} and {config.MAX_BATCH_SIZE}.")
    if settings.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"The learning-rate schedule must be one of {', '.join(LR_SCHEDULES)}.")
    check_range(settings.validation_split, 0.0, config.MAX_VALIDATION_SPLIT,
                f"The validation split must be between 0 and {config.MAX_VALIDATION_SPLIT}.")
    if settings.train_subset is not None:
        check_range(settings.train_subset, config.MIN_TRAIN_SUBSET, config.MAX_TRAIN_SUBSET,
                    f"The training subset must have between {config.MIN_TRAIN_SUBSET:,} "
                    f"and {config.MAX_TRAIN_SUBSET:,} images.")
    check_range(settings.steps_per_execution, 1, 1_000, "Steps per execution must be between 1 and 1,000.")
    check_range(settings.pen_digit_variants, 0, config.MAX_PEN_DIGIT_VARIANTS,
                f"Pen-digit variants must be between 0 and {config.MAX_PEN_DIGIT_VARIANTS}.")
    check_range(settings.outlier_count, 0, config.MAX_OUTLIER_COUNT,
                f"The number of non-digit drawings must be between 0 and {config.MAX_OUTLIER_COUNT:,}.")
    if settings.base_model is not None:
        from mnist_cnn.store.model_store import NAME_PATTERN

        if not isinstance(settings.base_model, str) or not NAME_PATTERN.fullmatch(settings.base_model):
            raise ValueError(f"Invalid base model name {settings.base_model!r}.")


def validate_finetune(settings: FineTuneSettings) -> None:
    """Check the fine-tuning settings against config's fine-tuning limits."""
    check_range(settings.epochs, 1, config.MAX_FINETUNE_EPOCHS,
                f"Fine-tuning epochs must be between 1 and {config.MAX_FINETUNE_EPOCHS}.")
    check_range(settings.learning_rate, config.MIN_LEARNING_RATE, config.MAX_FINETUNE_LEARNING_RATE,
                f"The fine-tuning learning rate must be between {config.MIN_LEARNING_RATE:g} and "
                f"{config.MAX_FINETUNE_LEARNING_RATE:g}.")
    check_range(settings.user_repeats, 1, config.MAX_USER_REPEATS,
                f"User repeats must be between 1 and {config.MAX_USER_REPEATS}.")
    check_range(settings.mnist_images, 0, config.MAX_TRAIN_SUBSET,
                f"MNIST replay images must be between 0 and {config.MAX_TRAIN_SUBSET:,}.")
    if not 0 <= settings.holdout_fraction < 1:
        raise ValueError("The held-out share of your drawings must be at least 0 and below 1.")
    if settings.max_mnist_drop is not None and not 0 <= settings.max_mnist_drop < 0.1:
        raise ValueError("The allowed MNIST drop must be in [0, 0.1) (a share of accuracy: 0.002 is 0.2 points).")


def validate_settings(settings: TrainingSettings) -> None:
    """Raise ValueError with a clear message when a setting is outside config's limits."""
    if not isinstance(settings, TrainingSettings):
        raise ValueError(f"Expected TrainingSettings, not {type(settings).__name__}.")
    validate_common(settings)
    if isinstance(settings, FineTuneSettings):
        validate_finetune(settings)
        return
    check_range(settings.epochs, 1, config.MAX_EPOCHS, f"Epochs must be between 1 and {config.MAX_EPOCHS}.")
    check_range(settings.learning_rate, config.MIN_LEARNING_RATE, config.MAX_LEARNING_RATE,
                f"Learning rate must be between {config.MIN_LEARNING_RATE:g} and {config.MAX_LEARNING_RATE:g}.")

