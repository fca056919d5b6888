"""Pictures for the Draw page: enlarged preprocessing steps and the saliency overlay (plain RGB arrays)."""

import cv2
import numpy as np

from mnist_cnn.inputs.images import fit_into_square, to_uint8

# Size in pixels of each preprocessing step as shown, and of the saliency overlay.
STEP_DISPLAY_SIZE = 112
OVERLAY_DISPLAY_SIZE = 224
# The colour map of the saliency heatmap (inferno: dark purple to bright yellow, in even steps of brightness, so it
# reads the same with colour-blindness and in grey), and how strongly it covers the digit where it is hottest.
HEATMAP_COLORMAP = "inferno"
HEATMAP_OPACITY = 0.6


def make_step_gallery(steps: dict) -> list[tuple[str, np.ndarray]]:
    """(caption, enlarged image) for every preprocessing step, in order."""
    return [(name, fit_into_square(image, STEP_DISPLAY_SIZE)) for name, image in steps.items()]


def make_saliency_overlay(model_input: np.ndarray, heatmap: np.ndarray,
                          size: int = OVERLAY_DISPLAY_SIZE) -> np.ndarray:
    """(size, size, 3) uint8: the 28x28 digit in gray with the heatmap in colour on top, hot where it matters."""
    digit = np.clip(np.asarray(model_input, dtype=np.float32).reshape(28, 28), 0, 1)
    heat = np.clip(np.asarray(heatmap, dtype=np.float32).reshape(28, 28), 0, 1)
    digit = cv2.resize(digit, (size, size), interpolation=cv2.INTER_NEAREST)
    heat = cv2.resize(heat, (size, size), interpolation=cv2.INTER_LINEAR)
    from matplotlib import colormaps  # imported when first drawn: the Draw page shows without matplotlib

    colours = colormaps[HEATMAP_COLORMAP](heat)[:, :, :3].astype(np.float32)  # (size, size, 3)
    base = np.repeat(digit[:, :, np.newaxis] * 0.8, 3, axis=2)
    weight = (HEATMAP_OPACITY * heat)[:, :, np.newaxis]
    blended = base * (1.0 - weight) + colours * weight
    return to_uint8(blended)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 gray (H, W) or RGB (H, W, 3) image (sent as they are: no re-encoding later)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 gray or RGB image, got {image.dtype} {image.shape}")
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("the image could not be encoded as PNG")
    return encoded.tobytes()
