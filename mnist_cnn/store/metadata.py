"""Check a stored model's metadata (read from its .json) before any page relies on its types."""

import math


def is_number(value) -> bool:
    """True for a finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_number_list(value) -> bool:
    """True for a list of finite numbers."""
    return isinstance(value, list) and all(is_number(item) for item in value)


def is_history(value) -> bool:
    """True for {metric name: [one number per epoch, or None where an earlier stage did not measure it]}."""
    return isinstance(value, dict) and all(
        isinstance(name, str) and isinstance(values, list) and all(item is None or is_number(item) for item in values)
        for name, values in value.items())


def is_stage_list(value) -> bool:
    """True for a lineage: a list of stages, each an object whose seconds are a number or None."""
    return isinstance(value, list) and all(
        isinstance(stage, dict) and (stage.get("training_seconds") is None or is_number(stage["training_seconds"]))
        for stage in value)


def is_finetune_report(value) -> bool:
    """True for the report a fine-tuning job records (before/after accuracies, counts, blend)."""
    if not isinstance(value, dict):
        return False
    sides_ok = all(isinstance(value.get(side), dict) and all(item is None or is_number(item)
                                                             for item in value[side].values())
                   for side in ("before", "after"))
    counts_ok = all(isinstance(value.get(key), int) and not isinstance(value.get(key), bool)
                    for key in ("held_out", "user_digits"))
    return sides_ok and counts_ok and is_number(value.get("blend", 1.0))


# Metadata fields the app reads, and what each must be when present: a check and the words of the message.
# Every field may be absent (pages show "?"); a present one of the wrong type, null included, is refused.
FIELD_CHECKS = {
    "name": (lambda value: isinstance(value, str), "a string"),
    "architecture": (lambda value: isinstance(value, str), "a string"),
    "architecture_spec": (lambda value: isinstance(value, list) and all(isinstance(row, dict) for row in value),
                          "a list of layers"),
    "created_at": (lambda value: isinstance(value, str), "a date string"),
    "test_accuracy": (lambda value: is_number(value) and 0 <= value <= 1, "a number between 0 and 1"),
    "test_loss": (lambda value: is_number(value) and value >= 0, "a number ≥ 0"),
    "parameter_count": (lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                        "a whole number ≥ 0"),
    "training_seconds": (is_number, "a number"),
    "total_training_seconds": (is_number, "a number"),
    "stages": (is_stage_list, "a list of stages"),
    "epoch_seconds": (is_number_list, "a list of numbers"),
    "history": (is_history, "{metric: [numbers]}"),
    "hyperparameters": (lambda value: isinstance(value, dict), "an object"),
    "base_model": (lambda value: value is None or isinstance(value, str), "a string or null"),
    "finetune": (is_finetune_report, "a fine-tuning report"),
}


def find_metadata_problem(metadata) -> str | None:
    """Why this metadata cannot be trusted (the first bad field), or None when every known field is well-typed."""
    if not isinstance(metadata, dict):
        return "metadata is not a JSON object"
    for key, (check, expected) in FIELD_CHECKS.items():
        if key in metadata and not check(metadata[key]):
            return f"metadata field {key!r} should be {expected}, not {str(metadata[key])[:40]!r}"
    return None
