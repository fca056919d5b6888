"""make bench writes its figures into README.md between markers; the training record comes from the metadata."""

import pytest

from benchmarks.readme_sections import make_training_record, replace_section


def test_a_marked_section_is_replaced_and_the_rest_kept():
    text = "intro\n<!-- table: start -->\nold\n<!-- table: end -->\noutro\n"
    assert replace_section(text, "table", "new\nrows") == \
        "intro\n<!-- table: start -->\nnew\nrows\n<!-- table: end -->\noutro\n"


def test_missing_markers_are_an_error():
    with pytest.raises(ValueError, match="no 'table' section"):
        replace_section("no markers here", "table", "x")


def test_the_training_record_lists_every_stage_and_the_total():
    stages = [{"trained_with": "python -m mnist_cnn train A", "training_seconds": 600},
              {"trained_with": "python -m mnist_cnn train B", "training_seconds": 300, "test_accuracy": 0.99587}]
    metadata = {"architecture": "batchnorm_cnn", "parameter_count": 231962, "test_accuracy": 0.9961,
                "test_loss": 0.0123, "stages": stages}
    record = make_training_record(metadata)
    assert "1. `python -m mnist_cnn train A` (600 s)" in record  # no accuracy recorded for this stage
    assert "2. `python -m mnist_cnn train B` (300 s; test accuracy 99.59% after it)" in record
    assert "15 minutes" in record and "**99.61%**" in record and "231,962 parameters" in record
