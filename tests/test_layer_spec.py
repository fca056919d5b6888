"""Built layer lists: the presets read back exactly, shapes/parameters/FLOPs are Keras', and bad lists are refused
with a message wherever they enter (the table, the settings, a job, the worker, stored metadata)."""

from dataclasses import replace

import pytest

from mnist_cnn import config
from mnist_cnn.jobs.manager import JobSpec
from mnist_cnn.jobs.work import run_training_work
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.model.built_network import (BUILT_ARCHITECTURE, build_from_spec, preset_spec, read_table_rows,
                                           spec_from_model, to_table_rows)
from mnist_cnn.model.layer_spec import (SPEC_TEXT_LIMIT, SpecError, format_spec_text, measure_spec, parse_spec_text,
                                       summarise_spec, validate_spec)
from mnist_cnn.store.metadata import find_metadata_problem
from mnist_cnn.training.settings import PANEL_SETTINGS, validate_settings

CONV = {"kind": "conv", "filters": 8, "kernel_size": 3}
FLAT = {"kind": "flatten"}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_each_preset_reads_back_as_a_layer_list_that_builds_the_same_network(name):
    preset, spec = build_model(name), preset_spec(name)
    built = build_from_spec(spec)
    assert [tuple(layer.output.shape) for layer in built.layers] == [tuple(layer.output.shape)
                                                                     for layer in preset.layers]
    assert built.count_params() == preset.count_params() == measure_spec(spec).parameters
    assert read_table_rows(to_table_rows(spec)) == spec  # through the Build page's table and back


def test_shapes_parameters_and_flops_of_a_small_network():
    rows = measure_spec([CONV, {"kind": "max_pool"}, {"kind": "global_average_pool"}]).rows
    assert [row["output shape"] for row in rows] == ["26×26×8", "13×13×8", "8", "10"]
    assert [row["parameters"] for row in rows] == [8 * 9 + 8, 0, 0, 8 * 10 + 10]
    assert rows[0]["FLOPs"] == 2 * 26 * 26 * 8 * 9  # a multiply-add per kernel weight and output value
    assert summarise_spec([CONV, {"kind": "max_pool"}, FLAT]) == "conv 8 → max pooling → flatten → dense 10"


@pytest.mark.parametrize(("spec", "message"), [
    ("conv", "a list of layers, not str"),
    ([], "at least one layer"),
    ([CONV] * (config.MAX_BUILT_LAYERS + 1), f"at most {config.MAX_BUILT_LAYERS} layers"),
    (["conv"], "must be an object"),
    ([{"kind": "lstm"}], "kind must be one of"),
    ([{**CONV, "filters": "8"}], "filters must be a number"),
    ([{**CONV, "filters": True}], "filters must be a number"),
    ([{**CONV, "kernel_size": 2.5}], "kernel_size must be a whole number"),
    ([{**CONV, "filters": config.MAX_BUILT_FILTERS + 1}], f"between 1 and {config.MAX_BUILT_FILTERS}"),
    ([{**CONV, "padding": "full"}], "padding must be one of valid, same"),
    ([{**CONV, "units": 4}], "unknown setting 'units'"),
    ([CONV, FLAT, {"kind": "dropout", "rate": 1.0}], "rate must be between 0 and 0.9"),
    ([{**CONV, "kernel_size": 7}] * 5 + [FLAT], "Layer 5 (conv5): its 7×7 window does not fit the 4×4 maps"),
    ([CONV] + [{"kind": "max_pool", "pool_size": 4}] * 3 + [FLAT], "below 1×1"),
    ([CONV, {"kind": "dense"}], "needs a vector: add a flatten"),
    ([CONV, FLAT, CONV], "Layer 3 (conv) needs a stack of maps, but layer 2 already"),
    ([CONV], "The network ends in maps"),
    ([{"kind": "max_pool"}, FLAT], "at least one conv layer"),
    ([{**CONV, "padding": "same", "filters": 128}, FLAT], "parameters; the limit is 1,000,000"),
    ([{**CONV, "padding": "same", "filters": 64}, {**CONV, "padding": "same", "filters": 64}, {"kind": "max_pool"},
      FLAT], "FLOPs per image; the limit is"),
    ([{**CONV, "padding": "same", "filters": 256}, FLAT], "outputs 200,704 numbers per image"),
])
def test_a_bad_layer_list_is_refused_with_a_message(spec, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_spec(spec)
    assert message in measure_spec(spec).problem


def test_the_table_skips_empty_rows_fills_empty_cells_and_names_a_row_without_a_type():
    records = [{"layer": "conv", "filters": 16.0, "kernel": None, "activation": None, "units": 5},
               {"layer": None, "filters": None}, {"layer": "flatten", "filters": 3}]
    assert read_table_rows(records) == [
        {"kind": "conv", "filters": 16, "kernel_size": 3, "strides": 1, "padding": "valid", "activation": "relu"},
        {"kind": "flatten"}]
    with pytest.raises(SpecError, match="Row 2: choose a layer type"):
        read_table_rows([{"layer": "conv"}, {"layer": None, "filters": 4}])


def test_a_model_with_layers_a_list_cannot_hold_is_not_read_as_one():
    import keras

    dilated = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, dilation_rate=2),
                                keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    with pytest.raises(SpecError, match="dilated"):
        spec_from_model(dilated)
    logits = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(SpecError, match="ends in a dense layer of 10 with softmax"):
        spec_from_model(logits)


GOOD_SPEC = [CONV, {"kind": "max_pool"}, FLAT]


def test_training_settings_accept_a_built_list_only_with_the_built_architecture():
    validate_settings(replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE, architecture_spec=GOOD_SPEC))
    validate_settings(replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE, base_model="built-1"))  # it has one
    with pytest.raises(ValueError, match="needs its list of layers"):
        validate_settings(replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE))
    with pytest.raises(ValueError, match="belongs to a built architecture"):
        validate_settings(replace(PANEL_SETTINGS, architecture_spec=GOOD_SPEC))
    with pytest.raises(ValueError, match="ends in maps"):
        JobSpec(replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE, architecture_spec=[CONV])).validate()


class SilentReporter:
    """A worker's reporter that records phases (and would fail the test if training began)."""

    def __init__(self):
        self.phases = []

    def phase(self, name: str) -> None:
        self.phases.append(name)


def test_the_worker_checks_a_built_list_again_before_loading_anything(tmp_path):
    spec = JobSpec(replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE,
                           architecture_spec=[CONV] * (config.MAX_BUILT_LAYERS + 1)))
    reporter = SilentReporter()
    with pytest.raises(SpecError, match="at most"):
        run_training_work(spec, None, reporter)
    assert reporter.phases == []


def test_stored_metadata_with_a_malformed_layer_list_is_refused():
    assert find_metadata_problem({"architecture": "built", "architecture_spec": GOOD_SPEC}) is None
    assert "architecture_spec" in find_metadata_problem({"architecture_spec": "conv, flatten"})
    assert "architecture_spec" in find_metadata_problem({"architecture_spec": ["conv"]})


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_preset_round_trips_through_its_link_text(name):
    spec = preset_spec(name)
    text = format_spec_text(spec)
    assert parse_spec_text(text) == validate_spec(spec) and len(text) <= SPEC_TEXT_LIMIT


@pytest.mark.parametrize("text", ["conv(filters=99999)", "conv(colour=red)", "conv(filters=8", "rnn", "conv~~dense",
                                  "conv(filters=8;x)", "conv(filters=-1)", "~".join(["dense"] * 25)])
def test_link_text_that_no_list_could_write_is_refused(text):
    with pytest.raises(SpecError):
        parse_spec_text(text)


def test_link_text_is_bounded_at_its_limit_exactly():
    with pytest.raises(SpecError, match="not written as"):
        parse_spec_text("x" * SPEC_TEXT_LIMIT)  # as long as allowed: refused for its form, not its length
    with pytest.raises(SpecError, match="at most"):
        parse_spec_text("x" * (SPEC_TEXT_LIMIT + 1))


def test_a_tiny_dropout_rate_round_trips_through_link_text():
    spec = [{"kind": "conv"}, {"kind": "dropout", "rate": 0.00001}, {"kind": "flatten"}]
    assert "rate=0.00001" in format_spec_text(spec)
    assert parse_spec_text(format_spec_text(spec))[1]["rate"] == 0.00001
