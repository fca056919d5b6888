"""Attribution methods against references on tiny hand-made models, and the weight-randomisation sanity check."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnist_cnn.explain.attribution import (METHODS, OCCLUSION_PATCH, AttributionMethod, compute_attributions,
                                           compute_integrated_gradients, compute_occlusion, compute_plain_gradient,
                                           compute_smoothgrad, scale_to_unit)
from mnist_cnn.explain.sanity import (compare_attributions, compute_rank_correlation, compute_ssim,
                                      randomise_weights, run_sanity_check)
from mnist_cnn.model.forward import get_logits_function
from mnist_cnn.plots.attribution import make_attribution_figure

CLASS = 3
REGION = (slice(10, 14), slice(6, 10))  # the only pixels the hand-made "region" model looks at


def make_linear_model(weights: np.ndarray) -> keras.Model:
    """Flatten -> Dense(10, softmax) whose logit for CLASS is Σ weights · image (the other logits are 0)."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    kernel = np.zeros((784, 10), np.float32)
    kernel[:, CLASS] = weights.ravel()
    model.layers[-1].set_weights([kernel, np.zeros(10, np.float32)])
    return model


@pytest.fixture(scope="module")
def region_weights() -> np.ndarray:
    weights = np.zeros((28, 28), np.float32)
    weights[REGION] = np.random.default_rng(1).uniform(0.5, 1.5, (4, 4))
    return weights


@pytest.fixture(scope="module")
def region_model(region_weights):
    return make_linear_model(region_weights)


@pytest.fixture(scope="module")
def curved_model():
    """Flatten -> Dense(16, tanh) -> Dense(10, softmax) with fixed random weights: a smooth, non-linear score."""
    rng = np.random.default_rng(2)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(10, activation="softmax")])
    model.layers[1].set_weights([rng.normal(0, 0.15, (784, 16)).astype(np.float32), np.zeros(16, np.float32)])
    model.layers[2].set_weights([rng.normal(0, 1.0, (16, 10)).astype(np.float32), np.zeros(10, np.float32)])
    return model


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(3).uniform(0.2, 1.0, (28, 28)).astype(np.float32)


def test_gradients_and_smoothgrad_of_a_linear_score_are_its_weights(region_model, region_weights, image):
    gradient, forward, backward = compute_plain_gradient(region_model, image, CLASS)
    np.testing.assert_allclose(gradient, region_weights, atol=1e-6)
    assert (forward, backward) == (1, 1)
    smooth, forward, _ = compute_smoothgrad(region_model, image, CLASS)
    np.testing.assert_allclose(smooth, region_weights, atol=1e-5)  # noise cannot move a constant gradient
    assert forward == 25


@pytest.mark.parametrize("steps", [4, 16, 64])
def test_integrated_gradients_add_up_to_the_logit_difference_from_the_baseline(curved_model, image, steps):
    logits = np.asarray(get_logits_function(curved_model)(np.stack([image, np.zeros_like(image)])[..., None]))
    difference = float(logits[0, CLASS] - logits[1, CLASS])
    attributions, forward, backward = compute_integrated_gradients(curved_model, image, CLASS, steps=steps)
    assert (forward, backward) == (steps + 1, steps + 1)
    # The trapezoid rule's error shrinks with the square of the steps on a smooth path.
    assert abs(attributions.sum() - difference) <= 4.0 * abs(difference) / steps ** 2 + 1e-4
    assert abs(difference) > 0.1  # the check has something to add up


def test_integrated_gradients_of_a_linear_score_are_ink_times_weight(region_model, region_weights, image):
    attributions, _, _ = compute_integrated_gradients(region_model, image, CLASS, steps=2)
    np.testing.assert_allclose(attributions, image * region_weights, atol=1e-5)


def test_occlusion_finds_the_only_region_the_model_looks_at(region_model, image):
    values, forward, backward = compute_occlusion(region_model, image, CLASS)
    assert (forward, backward) == (1 + 13 * 13, 0)  # the original and a 13 × 13 grid of patches
    reach = np.zeros((28, 28), bool)  # pixels that share a patch with the region
    reach[REGION[0].start - OCCLUSION_PATCH + 1:REGION[0].stop + OCCLUSION_PATCH - 1,
          REGION[1].start - OCCLUSION_PATCH + 1:REGION[1].stop + OCCLUSION_PATCH - 1] = True
    assert np.all(values[~reach] == 0)
    assert np.all(values[REGION] > 0)
    top = np.unravel_index(values.argmax(), values.shape)
    assert REGION[0].start <= top[0] < REGION[0].stop and REGION[1].start <= top[1] < REGION[1].stop


def test_grad_cam_matches_its_definition_on_a_one_filter_model(image):
    """Conv (one 1×1 filter of weight 1, ReLU) -> Flatten -> Dense: Grad-CAM is ReLU(map × its gradient)."""
    weights = np.random.default_rng(4).normal(0, 1, (28, 28)).astype(np.float32)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(1, 1, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.layers[0].set_weights([np.ones((1, 1, 1, 1), np.float32), np.zeros(1, np.float32)])
    kernel = np.zeros((784, 10), np.float32)
    kernel[:, CLASS] = weights.ravel()
    model.layers[-1].set_weights([kernel, np.zeros(10, np.float32)])
    grad_cam = next(item for item in compute_attributions(model, image, CLASS) if item.method == "Grad-CAM")
    reference = np.maximum(image * weights, 0)
    np.testing.assert_allclose(grad_cam.values, reference / reference.max(), atol=1e-4)


def test_every_method_runs_and_one_that_needs_a_conv_layer_says_why(region_model, image):
    attributions = compute_attributions(region_model, image, CLASS)
    assert [item.method for item in attributions] == [method.name for method in METHODS]
    by_name = {item.method: item for item in attributions}
    assert by_name["Grad-CAM"].values is None and "no Conv2D layer" in by_name["Grad-CAM"].note
    for item in attributions:
        if item.method != "Grad-CAM":
            assert item.values.shape == (28, 28) and item.forward_passes >= 1 and item.milliseconds > 0


@pytest.mark.parametrize(("picture", "class_index"), [(np.zeros((28, 27)), 0), (np.full((28, 28), 2.0), 0),
                                                      (np.zeros((28, 28)), 10)])
def test_bad_input_is_refused_with_a_clear_message(region_model, picture, class_index):
    with pytest.raises(ValueError, match="28×28|\\[0, 1\\]|digit 0"):
        compute_attributions(region_model, picture, class_index)


def test_rank_correlation_and_ssim_against_hand_worked_values():
    values = np.arange(10.0)
    assert compute_rank_correlation(values, values ** 3) == pytest.approx(1.0)
    assert compute_rank_correlation(values, -values) == pytest.approx(-1.0)
    # Ties share their average rank: ranks (1, 2.5, 2.5, 4) against (1, 3, 2, 4).
    expected = np.corrcoef([1, 2.5, 2.5, 4], [1, 3, 2, 4])[0, 1]
    assert compute_rank_correlation([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(expected)
    assert compute_rank_correlation(np.zeros(5), values[:5]) == 0.0  # a flat map shares no order
    picture = np.random.default_rng(5).random((28, 28))
    assert compute_ssim(picture, picture) == pytest.approx(1.0)
    assert compute_ssim(picture, 1 - picture) < 0


def test_randomised_weights_are_fresh_repeatable_and_leave_the_model_alone(curved_model):
    before = [weight.copy() for weight in curved_model.get_weights()]
    first, second = randomise_weights(curved_model, seed=7), randomise_weights(curved_model, seed=7)
    for kept, trained, random, again in zip(curved_model.get_weights(), before, first.get_weights(),
                                            second.get_weights()):
        np.testing.assert_array_equal(kept, trained)
        np.testing.assert_array_equal(random, again)
    assert not np.allclose(first.get_weights()[0], before[0])


def test_the_sanity_check_tells_a_weight_dependent_method_from_one_that_ignores_the_weights(region_model, image):
    ink = AttributionMethod("Ink", "The picture itself, whatever the network.",
                            lambda model, picture, _: (picture, 0, 0))
    gradients = next(method for method in METHODS if method.name == "Gradients")
    trained, randomised, results = run_sanity_check(region_model, image, CLASS, [ink, gradients])
    verdicts = {result.method: result for result in results}
    assert not verdicts["Ink"].changed and verdicts["Ink"].rank_correlation == pytest.approx(1.0)
    assert verdicts["Gradients"].changed and verdicts["Gradients"].rank_correlation < 0.3
    assert compare_attributions(trained, trained)[1].rank_correlation == pytest.approx(1.0)


def test_the_figure_shows_every_map_on_one_scale_with_one_colour_bar(image):
    maps = [("A", np.ones((28, 28))), ("B", -np.ones((28, 28))), ("C", None)]
    figure = make_attribution_figure(image, [("trained", maps), ("random", maps)])
    try:
        panels = [axis for axis in figure.axes if axis.get_title() in {"A", "B", "C"}]
        assert len(panels) == 6 and len(figure.axes) == 7  # the seventh is the shared colour bar
        limits = {panel.images[0].get_clim() for panel in panels if panel.images}
        assert limits == {(-1.0, 1.0)}
    finally:
        plt.close(figure)
    assert scale_to_unit(np.array([-4.0, 2.0])).tolist() == [-1.0, 0.5]
    with pytest.raises(ValueError, match="same number"):
        make_attribution_figure(image, [("a", maps), ("b", maps[:2])])
