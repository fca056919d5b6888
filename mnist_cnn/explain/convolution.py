"""Hand-set 3x3 convolutions (Sobel and friends) as a Keras Conv2D layer, and one output pixel worked out."""

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.explain.choices import KERNEL_PRESETS  # noqa: F401 (named here too, where callers look)
from mnist_cnn.inputs.images import to_grey_image

# The kernels' size (the classic 3x3 ones, KERNEL_PRESETS, live in mnist_cnn/explain/choices.py).
KERNEL_SIZE = 3


@dataclass
class PixelExplanation:
    """How one output pixel of a 'same'-padded 3x3 correlation is computed."""

    row: int
    col: int
    window: np.ndarray    # (3, 3) input pixels under the kernel (zeros outside the image)
    kernel: np.ndarray    # (3, 3)
    products: np.ndarray  # (3, 3) window * kernel, element by element
    total: float          # products.sum(): the output pixel's value


def check_kernel(kernel) -> np.ndarray:
    """A kernel as a (3, 3) float32 array; ValueError for anything else (wrong shape, NaN, infinity)."""
    kernel = np.asarray(kernel, dtype="float32")
    if kernel.shape != (KERNEL_SIZE, KERNEL_SIZE):
        raise ValueError(f"a kernel must be 3×3, got shape {kernel.shape}")
    if not np.all(np.isfinite(kernel)):
        raise ValueError("every kernel value must be a finite number")
    return kernel


def make_convolution_layer(kernels) -> keras.layers.Conv2D:
    """A built Keras Conv2D (1 input channel, 'same' padding, no bias) whose weights are the given 3x3 kernels."""
    kernels = [check_kernel(kernel) for kernel in kernels]
    if not kernels:
        raise ValueError("give at least one kernel")
    layer = keras.layers.Conv2D(len(kernels), KERNEL_SIZE, padding="same", use_bias=False, name="hand_set_conv")
    layer.build((None, None, None, 1))
    layer.set_weights([np.stack(kernels, axis=-1)[:, :, np.newaxis, :]])  # (3, 3, 1, kernels)
    return layer


def apply_kernels(image, kernels) -> np.ndarray:
    """Correlate one grey image with each kernel through a Keras Conv2D: (height, width, kernels)."""
    image = to_grey_image(image)
    layer = make_convolution_layer(kernels)
    output = layer(image[np.newaxis, ..., np.newaxis])  # (1, height, width, kernels)
    return np.asarray(output)[0]


def compute_gradient_magnitude(sobel_x: np.ndarray, sobel_y: np.ndarray) -> np.ndarray:
    """The edge strength sqrt(gx² + gy²) from the Sobel X and Y responses."""
    return np.hypot(np.asarray(sobel_x, "float32"), np.asarray(sobel_y, "float32"))


def explain_output_pixel(image, kernel, row: int, col: int) -> PixelExplanation:
    """The 3x3 input window around (row, col), the kernel, their element-wise products, and the sum."""
    image, kernel = to_grey_image(image), check_kernel(kernel)
    height, width = image.shape
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"pixel ({row}, {col}) is outside the {height}×{width} image")
    padded = np.pad(image, 1)  # 'same' padding: zeros around the border
    window = padded[row:row + KERNEL_SIZE, col:col + KERNEL_SIZE]  # centred on (row, col)
    products = window * kernel
    return PixelExplanation(row, col, window, kernel, products, float(products.sum()))


def format_weight(value: float) -> str:
    """A kernel weight with at most three decimals and no trailing zeros: '-1', '0.111'."""
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_sum_equation(explanation: PixelExplanation) -> str:
    """The nine products written out in LaTeX, one kernel row per line, ending in the output value."""
    terms = [f"{value:.3f}\\cdot({format_weight(weight)})"
             for value, weight in zip(explanation.window.reshape(-1), explanation.kernel.reshape(-1))]
    lines = [" + ".join(terms[start:start + KERNEL_SIZE]) for start in range(0, len(terms), KERNEL_SIZE)]
    output = f"y_{{{explanation.row},{explanation.col}}}"
    body = r" \\ &\quad + ".join(lines)
    return (r"\begin{aligned} " + f"{output} &= {body}" + r" \\ "
            + f"&= {explanation.total:.4f}" + r" \end{aligned}")
