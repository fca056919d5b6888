"""A model's lineage in its metadata: the stages that made it, its whole history and its total training time."""

import json
import sys
from pathlib import Path

# How a stage made its model: from scratch, by continuing a stored model, by fine-tuning on My digits, by blending.
STAGE_KINDS = ("trained", "continued", "fine-tuned", "blended")


def guess_how(stage: dict) -> str:
    """How an older stage (recorded before stages said so) made its model, read from its command or panel."""
    trained_with = str(stage.get("trained_with") or "")
    if " blend " in f" {trained_with} " or "blend" in (stage.get("hyperparameters") or {}):
        return "blended"
    if "fine-tun" in trained_with:
        return "fine-tuned"
    if "--init-from" in trained_with:
        return "continued"
    return "trained"


def normalise_stage(stage: dict) -> dict:
    """A stage with every field of the current shape (missing figures become None)."""
    hyperparameters = stage.get("hyperparameters") or {}
    return {
        "how": stage.get("how") or guess_how(stage),
        "trained_with": stage.get("trained_with"),
        "hyperparameters": hyperparameters,
        "epochs": stage.get("epochs", hyperparameters.get("epochs", 0 if "blend" in hyperparameters else None)),
        "training_seconds": stage.get("training_seconds"),
        "test_accuracy": stage.get("test_accuracy"),
    }


def list_earlier_stages(earlier: dict) -> list:
    """The stages a stored model records (one built from its last run if it predates stages; none if {})."""
    if not earlier:
        return []
    stages = earlier.get("stages") or [{**{key: earlier.get(key) for key in
                                           ("trained_with", "hyperparameters", "training_seconds")},
                                        "how": "continued" if earlier.get("base_model") else None,
                                        "test_accuracy": earlier.get("test_accuracy")}]
    return [normalise_stage(stage) for stage in stages]


def make_stage(how: str, trained_with: str, hyperparameters: dict, epochs: int, seconds: float,
               test_accuracy: float | None) -> dict:
    """One stage of a lineage; ValueError for an unknown kind."""
    if how not in STAGE_KINDS:
        raise ValueError(f"A stage is made by one of {', '.join(STAGE_KINDS)}, not {how!r}.")
    return {"how": how, "trained_with": trained_with, "hyperparameters": hyperparameters, "epochs": int(epochs),
            "training_seconds": round(float(seconds), 1), "test_accuracy": test_accuracy}


def count_epochs(history: dict) -> int:
    """How many epochs a history holds (its longest metric)."""
    return max((len(values) for values in (history or {}).values()), default=0)


def merge_history(earlier: dict, new: dict) -> dict:
    """Earlier epochs followed by the new ones, metric by metric; a metric one side lacks is None there."""
    earlier, new = earlier or {}, new or {}
    earlier_count, new_count = count_epochs(earlier), count_epochs(new)
    merged = {}
    for name in list(earlier) + [name for name in new if name not in earlier]:
        old_values = list(earlier.get(name, []))
        new_values = list(new.get(name, []))
        merged[name] = (old_values + [None] * (earlier_count - len(old_values))
                        + new_values + [None] * (new_count - len(new_values)))
    return merged


def build_lineage(earlier: dict, stage: dict, history: dict, epoch_seconds: list) -> dict:
    """The lineage fields of a new model's metadata: stages, whole history, epoch times, total seconds."""
    stages = list_earlier_stages(earlier) + [stage]
    return {
        "stages": stages,
        "history": merge_history(earlier.get("history", {}) if earlier else {}, history),
        "epoch_seconds": [*(earlier.get("epoch_seconds") or [] if earlier else []),
                          *[round(seconds, 2) for seconds in epoch_seconds]],
        "total_training_seconds": round(sum(stage["training_seconds"] or 0 for stage in stages), 1),
    }


def describe_stages(metadata: dict) -> list[str]:
    """One phrase per stage of a model's lineage: how it was made, over which epochs, in how many minutes."""
    phrases, first = [], 1
    for stage in list_earlier_stages(metadata) if metadata.get("stages") else []:
        epochs = stage["epochs"] or 0
        span = f"epochs {first}–{first + epochs - 1}" if epochs > 1 else (f"epoch {first}" if epochs else "no epochs")
        minutes = f", {stage['training_seconds'] / 60:.1f} min" if stage["training_seconds"] else ""
        phrases.append(f"{stage['how']} ({span}{minutes})")
        first += epochs
    return phrases


def list_stage_starts(metadata: dict) -> list[tuple[int, str]]:
    """(first epoch, label) of each stage after the first that trained: where a whole-lineage curve changes course.

    A stage that adds pen-drawn digits or non-digit drawings says so: its training accuracy counts that harder data
    (non-digits are taught to get even probabilities), so the training curve drops there while test accuracy holds.
    """
    starts, first = [], 1
    stages = list_earlier_stages(metadata) if metadata.get("stages") else []
    for number, stage in enumerate(stages, start=1):
        epochs = stage["epochs"] or 0
        if number > 1 and epochs:
            settings = stage.get("hyperparameters") or {}
            extra = settings.get("pen_digit_variants") or settings.get("outlier_count")
            starts.append((first, f"stage {number}: {stage['how']}" + (", + pen digits and non-digits" if extra
                                                                         else "")))
        first += epochs
    return starts


def read_total_seconds(metadata: dict) -> float | None:
    """A model's whole training time: its lineage's total, else its last run's seconds (None if unknown)."""
    for key in ("total_training_seconds", "training_seconds"):
        value = metadata.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def migrate_metadata_file(path: Path) -> bool:
    """Rewrite a metadata file's stages in the current shape (nothing else changes); True if it changed."""
    metadata = json.loads(Path(path).read_text())
    stages = [normalise_stage(stage) for stage in metadata.get("stages") or []]
    if stages and stages[-1]["test_accuracy"] is None:
        stages[-1]["test_accuracy"] = metadata.get("test_accuracy")  # the last stage made this very model
    if not stages or stages == metadata["stages"]:
        return False
    metadata["stages"] = stages
    metadata["total_training_seconds"] = round(sum(stage["training_seconds"] or 0 for stage in stages), 1)
    Path(path).write_text(json.dumps(metadata, indent=2))
    return True


if __name__ == "__main__":  # python -m mnist_cnn.training.lineage models/default.json
    for argument in sys.argv[1:]:
        print(f"{argument}: {'migrated' if migrate_metadata_file(Path(argument)) else 'already current'}")
