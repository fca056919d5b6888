"""Turn any drawing or picture into an MNIST-like 28x28 image, the way MNIST itself was made (OpenCV)."""

from collections import OrderedDict
from dataclasses import dataclass, field

import cv2
import numpy as np

from mnist_cnn import config
from mnist_cnn.inputs.images import to_unit_floats

# MNIST geometry: the ink is fitted into a 20x20 box, pasted into 28x28, and shifted so that its centre of
# mass lands on (14, 14) in pixel-index coordinates (measured on the MNIST test set: 14.01, 13.98).
IMAGE_SIZE = 28
BOX_SIZE = 20
CENTRE_OF_MASS = 14.0

# MNIST strokes are 1.9 to 3.6 px wide in the 20-px box (10th to 90th percentile, median 2.5, measured
# as below on the test set at 10x). Strokes outside that range (a thin pen on a huge digit, a fat brush on
# a tiny one) are thickened to THICKENED_STROKE_WIDTH or thinned to THINNED_STROKE_WIDTH before scaling.
MIN_STROKE_WIDTH = 1.9
MAX_STROKE_WIDTH = 3.6
THICKENED_STROKE_WIDTH = 2.2
THINNED_STROKE_WIDTH = 3.2

# The cropped ink is resized to this many pixels on its longest side (10x the 20-px box) to measure and
# adjust its strokes.
WORKING_SIZE = 200

# What counts as ink: a pixel at least this bright (0..255) after the background is removed.
INK_THRESHOLD = 96
# Pictures with less contrast than this between ink and background are treated as blank.
MIN_CONTRAST = 40
# Connected blobs smaller than this fraction of the largest blob are specks and are wiped.
SPECK_FRACTION = 0.02
# Ink covering fewer pixels than this fraction of the picture (or fewer than MIN_INK_PIXELS) is "nothing".
MIN_INK_FRACTION = 0.0005
MIN_INK_PIXELS = 4
# A lone dot: a roughly square blob that fills most of its bounding box is not a digit.
DOT_MAX_ASPECT = 1.5
DOT_MIN_FILL = 0.7

# Step images wider or taller than this are reduced for display.
DISPLAY_SIZE = 280


# Why there is nothing to classify.
BLANK_MESSAGE = "The picture is blank: there is no ink to classify."
SPECKS_MESSAGE = "There are only a few specks of ink: nothing to classify."
DOT_MESSAGE = "That is a dot or a solid blob, not a digit: draw the digit's strokes."


class PreprocessError(ValueError):
    """The input is not an image preprocess_drawing can read; the message says why."""


@dataclass
class PreprocessResult:
    """The model input (or None and a reason) and the intermediate images, in order, for display."""

    model_input: np.ndarray | None            # (28, 28) float32 in [0, 1], or None when there is nothing
    steps: "OrderedDict[str, np.ndarray]" = field(default_factory=OrderedDict)  # step name -> uint8 image
    message: str = ""                         # why model_input is None ("" when it is not)
    is_blank: bool = False                    # True when there is no ink at all, or only a few specks


@dataclass(frozen=True)
class PreprocessOptions:
    """Which normalisation steps run (all, by default) and a final shift, scale and rotation (none by default)."""

    crop: bool = True              # crop the picture to its ink (off: the whole picture is scaled down)
    stroke_width: bool = True      # thicken or thin strokes towards MNIST's widths
    fit_box: bool = True           # fit into a 20×20 box with a 4-px margin (off: fill the whole 28×28)
    centre_of_mass: bool = True    # shift the centre of mass onto (14, 14) (off: centre the bounding box)
    shift: tuple = (0.0, 0.0)      # (right, down) in pixels of the 28×28 image
    scale: float = 1.0             # zoom about the centre
    rotation: float = 0.0          # degrees, anticlockwise about the centre

    @property
    def moves_digit(self) -> bool:
        """Whether a shift, scale or rotation is asked for."""
        return tuple(self.shift) != (0.0, 0.0) or self.scale != 1.0 or self.rotation != 0.0


DEFAULT_OPTIONS = PreprocessOptions()


def to_uint8_image(image) -> np.ndarray:
    """Check an image array and return it as uint8 (H, W) or (H, W, C); raise PreprocessError if unusable."""
    try:
        array = np.asarray(image)
    except Exception as error:  # a ragged list, an object that is not array-like
        raise PreprocessError(f"The input is not an image array ({error}).") from None
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise PreprocessError(f"Expected an H×W gray, H×W×3 RGB or H×W×4 RGBA image, got shape {array.shape}.")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise PreprocessError(f"The image is empty (shape {array.shape}).")
    if array.shape[0] * array.shape[1] > config.MAX_UPLOAD_PIXELS:
        raise PreprocessError(f"The image has {array.shape[0] * array.shape[1]:,} pixels; "
                              f"the limit is {config.MAX_UPLOAD_PIXELS:,}.")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        if array.min() < 0 or array.max() > 255:
            raise PreprocessError("Integer images must have values from 0 to 255.")
        return array.astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise PreprocessError("The image contains NaN or infinite values.")
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 255:
            raise PreprocessError("Float images must have values in [0, 1] or [0, 255].")
        scale = 255.0 if high <= 1.0 else 1.0
        return np.rint(array.astype(np.float64) * scale).astype(np.uint8)
    raise PreprocessError(f"Unsupported image type {array.dtype}.")


def convert_to_gray(image: np.ndarray) -> np.ndarray:
    """Gray (H, W) uint8 from gray, RGB or RGBA; transparent areas become the background."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if image[:, :, 3].min() == 255:  # opaque, as the canvas sends it: no compositing
        return cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    gray = cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2GRAY).astype(np.float32)
    alpha = image[:, :, 3].astype(np.float32) / 255.0
    # Composite over the opposite of the opaque part's brightness, so that ink drawn on a transparent
    # layer stands out whether it is black or white.
    weight = alpha.sum()
    opaque_brightness = float((gray * alpha).sum() / weight) if weight > 0 else 0.0
    background = 0.0 if opaque_brightness > 127 else 255.0
    return np.rint(gray * alpha + background * (1.0 - alpha)).astype(np.uint8)


def make_ink_bright(gray: np.ndarray) -> tuple[np.ndarray, str]:
    """Ink bright on a black background, stretched to full contrast; returns (image, '' or why blank)."""
    height, width = gray.shape
    ring = max(1, min(height, width) // 50)
    border = np.concatenate([gray[:ring].ravel(), gray[-ring:].ravel(),
                             gray[:, :ring].ravel(), gray[:, -ring:].ravel()])
    background = float(np.median(border))
    if background > 127:  # dark ink on light paper: invert
        gray = 255 - gray
        background = 255.0 - background
    ink = gray.astype(np.float32) - background
    ink_level = float(ink.max())
    if ink_level < MIN_CONTRAST:
        return np.zeros_like(gray), BLANK_MESSAGE
    return np.clip(ink * (255.0 / ink_level), 0, 255).astype(np.uint8), ""


def remove_specks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wipe faint noise and blobs much smaller than the largest one; return (cleaned ink, ink mask)."""
    mask = (ink >= INK_THRESHOLD).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(ink), mask.astype(bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= SPECK_FRACTION * areas.max()
    kept = keep[labels]  # (H, W) bool
    # Keep the soft (anti-aliased) edges around kept blobs, wipe everything else.
    near_kept = cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2).astype(bool)
    removed = mask.astype(bool) & ~kept
    cleaned = np.where(near_kept & ~removed, ink, 0).astype(np.uint8)
    return cleaned, kept


def describe_missing_ink(mask: np.ndarray) -> str:
    """'' when the mask holds something to classify, else a sentence saying why not."""
    ink_pixels = int(mask.sum())
    if ink_pixels < max(MIN_INK_PIXELS, MIN_INK_FRACTION * mask.size):
        return SPECKS_MESSAGE
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
    aspect = max(height, width) / min(height, width)
    fill = ink_pixels / (height * width)
    if aspect <= DOT_MAX_ASPECT and fill >= DOT_MIN_FILL:
        return DOT_MESSAGE
    return ""


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box, resized to WORKING_SIZE px on its longest side."""
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    return resize_to_working_size(ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1])


def resize_to_working_size(cropped: np.ndarray) -> np.ndarray:
    """An image resized to WORKING_SIZE px on its longest side."""
    scale = WORKING_SIZE / max(cropped.shape)
    size = (max(1, round(cropped.shape[1] * scale)), max(1, round(cropped.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(cropped, size, interpolation=interpolation)


def estimate_stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels: 4 × the mean distance of ink pixels to the background."""
    mask = (ink > 127).astype(np.uint8)
    if not mask.any():
        return 0.0
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distances = cv2.distanceTransform(padded, cv2.DIST_L2, 5)
    return 4.0 * float(distances[padded > 0].mean())


def normalise_stroke_width(cropped: np.ndarray) -> np.ndarray:
    """Thicken strokes that would be thinner than MNIST's after scaling, thin those that would be fatter."""
    scale = BOX_SIZE / max(cropped.shape)
    width = estimate_stroke_width(cropped) * scale  # in pixels of the 20-px box
    if MIN_STROKE_WIDTH <= width <= MAX_STROKE_WIDTH or width == 0:
        return cropped
    target = THICKENED_STROKE_WIDTH if width < MIN_STROKE_WIDTH else THINNED_STROKE_WIDTH
    radius = int(round(abs(target - width) / 2 / scale))
    if radius == 0:
        return cropped
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    padded = cv2.copyMakeBorder(cropped, radius, radius, radius, radius, cv2.BORDER_CONSTANT, value=0)
    if width < MIN_STROKE_WIDTH:
        return cv2.dilate(padded, kernel)
    thinned = cv2.erode(padded, kernel)
    # Never thin a stroke away: keep the thinned ink only if most of the drawing's extent survives.
    return thinned if (thinned > 127).sum() >= 0.15 * (padded > 127).sum() else padded


def scale_to_box(cropped: np.ndarray, box_size: int = BOX_SIZE, crop: bool = True) -> np.ndarray:
    """Scale so that the longest side is box_size px, keeping the aspect ratio (INTER_AREA), at full contrast."""
    if crop:
        rows = np.flatnonzero((cropped > 0).any(axis=1))
        columns = np.flatnonzero((cropped > 0).any(axis=0))
        cropped = cropped[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    height, width = cropped.shape
    scale = box_size / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(cropped, size, interpolation=interpolation).astype(np.float32)
    # Like MNIST, the brightest ink is full white even when averaging dimmed thin strokes.
    return np.clip(scaled * (255.0 / max(float(scaled.max()), 1.0)), 0, 255).astype(np.uint8)


def paste_in_centre(scaled: np.ndarray) -> np.ndarray:
    """Paste the 20-px box into the middle of a black 28x28 image."""
    pasted = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    height, width = scaled.shape
    top, left = (IMAGE_SIZE - height) // 2, (IMAGE_SIZE - width) // 2
    pasted[top:top + height, left:left + width] = scaled
    return pasted


def centre_by_mass(pasted: np.ndarray) -> np.ndarray:
    """Shift by whole pixels so that the centre of mass lands on (14, 14), as MNIST did."""
    moments = cv2.moments(pasted.astype(np.float32))
    if moments["m00"] == 0:
        return pasted
    shift_x = int(round(CENTRE_OF_MASS - moments["m10"] / moments["m00"]))
    shift_y = int(round(CENTRE_OF_MASS - moments["m01"] / moments["m00"]))
    matrix = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    return cv2.warpAffine(pasted, matrix, (IMAGE_SIZE, IMAGE_SIZE), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def move_digit(image: np.ndarray, options: PreprocessOptions) -> np.ndarray:
    """Rotate and scale a 28×28 image about its centre, then shift it (bilinear, black outside)."""
    centre = (IMAGE_SIZE / 2 - 0.5, IMAGE_SIZE / 2 - 0.5)
    matrix = cv2.getRotationMatrix2D(centre, float(options.rotation), float(options.scale))
    matrix[:, 2] += np.asarray(options.shift, dtype=np.float64)
    return cv2.warpAffine(image, matrix, (IMAGE_SIZE, IMAGE_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def reduce_for_display(image: np.ndarray) -> np.ndarray:
    """A copy no larger than DISPLAY_SIZE on its longest side (step images are for looking at)."""
    longest = max(image.shape[:2])
    if longest <= DISPLAY_SIZE:
        return image
    scale = DISPLAY_SIZE / longest
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def preprocess_drawing(image, options: PreprocessOptions = DEFAULT_OPTIONS) -> PreprocessResult:
    """Turn a drawing or picture into an MNIST-like (28, 28) float32 model input in [0, 1].

    `image` is an array of any size: H×W gray, H×W×1, H×W×3 RGB or H×W×4 RGBA. uint8 is the native type;
    bool, uint16 (scaled down), other integers in 0..255 and finite floats in [0, 1] or [0, 255] are
    accepted too. Ink may be bright on dark or dark on light (it is inverted); transparency counts as
    background.

    Returns a PreprocessResult. Its `model_input` is None, with a `message` saying why, when there is
    nothing to classify: a blank picture or a few stray pixels (`is_blank` is then True), a lone dot or
    a solid blob. Its `steps` holds the images of each step for display (the first alone when None).

    Raises PreprocessError (a ValueError) and nothing else for an input that is not a usable image: a
    wrong shape or number of channels, zero size, more than config.MAX_UPLOAD_PIXELS pixels, NaN or
    infinite values, out-of-range values, or an unsupported dtype.

    `options` (a PreprocessOptions) can switch normalisation steps off and move the result, to show what each
    step is for; the default runs every step, as MNIST did.
    """
    image = to_uint8_image(image)
    steps = OrderedDict()
    gray = convert_to_gray(image)  # (H, W)
    ink, message = make_ink_bright(gray)
    if not message:
        ink, mask = remove_specks(ink)
        message = describe_missing_ink(mask)
    steps["1 · gray, ink bright"] = reduce_for_display(ink)
    if message:
        return PreprocessResult(None, steps, message, is_blank=message != DOT_MESSAGE)

    cropped = crop_to_ink(ink) if options.crop else resize_to_working_size(ink)
    steps["2 · cropped" if options.crop else "2 · not cropped"] = cropped
    adjusted = normalise_stroke_width(cropped) if options.stroke_width else cropped
    steps["3 · MNIST stroke width" if options.stroke_width else "3 · stroke width as drawn"] = adjusted
    box_size = BOX_SIZE if options.fit_box else IMAGE_SIZE
    scaled = scale_to_box(adjusted, box_size, crop=options.crop)  # longest side 20 px (28 without the box)
    steps["4 · 20-px box" if options.fit_box else "4 · no 20-px box: 28 px"] = scaled
    pasted = paste_in_centre(scaled)  # (28, 28)
    steps["5 · pasted in 28×28"] = pasted
    centred = centre_by_mass(pasted) if options.centre_of_mass else pasted  # (28, 28)
    steps["6 · centred by mass" if options.centre_of_mass else "6 · not centred by mass"] = centred
    if options.moves_digit:
        centred = move_digit(centred, options)
        steps["7 · shifted, scaled, rotated"] = centred
    model_input = to_unit_floats(centred)  # (28, 28) in [0, 1]
    return PreprocessResult(model_input, steps, "")
