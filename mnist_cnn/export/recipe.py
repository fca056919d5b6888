"""How a stored model was made, as a script can repeat it: its layer list and the training stages it went through."""

from dataclasses import dataclass, field, replace

import keras

from mnist_cnn.model.built_network import read_model_spec
from mnist_cnn.training.lineage import list_earlier_stages
from mnist_cnn.training.settings import TrainingSettings, validate_settings

# The settings of a stage that the script repeats (the others are about this app: snapshots, extra data).
REPLAYED_SETTINGS = ("epochs", "batch_size", "learning_rate", "lr_schedule", "augment", "validation_split",
                     "train_subset", "seed")
# Stages a script can repeat on MNIST alone: training from scratch, and continuing with more epochs.
REPLAYABLE_STAGES = ("trained", "continued")


@dataclass(frozen=True)
class Recipe:
    """A model's layer list, the stages that trained it (each a dict of REPLAYED_SETTINGS) and what is left out."""

    model_name: str
    spec: list
    stages: list
    notes: list = field(default_factory=list)
    test_accuracy: float | None = None


def read_stage_settings(hyperparameters: dict) -> dict:
    """A stage's replayed settings (defaults where unrecorded); ValueError when a recorded one is out of range."""
    picked = {key: hyperparameters[key] for key in REPLAYED_SETTINGS if key in hyperparameters}
    try:
        settings = replace(TrainingSettings(), **picked)
        validate_settings(settings)
    except (TypeError, ValueError) as error:
        raise ValueError(f"The model's recorded training settings cannot be repeated: {error}") from None
    return {key: getattr(settings, key) for key in REPLAYED_SETTINGS}


def describe_extra_data(hyperparameters: dict) -> str | None:
    """A note on the pen-drawn digits and non-digit drawings a stage added (the script trains on MNIST only)."""
    pen, outliers = hyperparameters.get("pen_digit_variants") or 0, hyperparameters.get("outlier_count") or 0
    if not pen and not outliers:
        return None
    return (f"a stage also trained on {pen} variants of each pen-drawn digit and {outliers:,} non-digit drawings; "
            "the script trains on MNIST only")


def read_stages(metadata: dict) -> tuple[list[dict], list[str]]:
    """The replayable stages from the first, in order, up to one that cannot be replayed; and notes on the rest."""
    stages, notes = [], []
    for number, stage in enumerate(list_earlier_stages(metadata), start=1):
        if stage["how"] not in REPLAYABLE_STAGES or (stage["how"] == "continued" and not stages):
            notes.append(f"stage {number} ({stage['how']}) and any after it are not repeated: they need more than "
                         "MNIST (your drawings, or a second model)")
            break
        stages.append(read_stage_settings(stage["hyperparameters"]))
        extra = describe_extra_data(stage["hyperparameters"])
        if extra and extra not in notes:
            notes.append(extra)
    if not stages:
        notes.append("no training settings were recorded; the script uses the command line's defaults")
        stages.append(read_stage_settings({}))
    return stages, notes


def read_recipe(name: str, metadata: dict, model: keras.Model) -> Recipe:
    """What a script needs to rebuild and retrain a stored model; ValueError (with a message) when it cannot."""
    spec = read_model_spec(metadata, model)
    stages, notes = read_stages(metadata)
    accuracy = metadata.get("test_accuracy")
    return Recipe(name, spec, stages, notes, accuracy if isinstance(accuracy, (int, float)) else None)
