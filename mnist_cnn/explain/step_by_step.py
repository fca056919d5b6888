"""The operations of a CNN worked out in NumPy with their live numbers: convolution, ReLU, max pooling, softmax."""

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.inputs.images import to_image_batch
from mnist_cnn.model.forward import get_logits_function

# The pooling the demo applies after ReLU: 2×2 windows, stride 2 (as in the keras example network).
POOL_SIZE = 2


@dataclass
class WindowExplanation:
    """One output pixel of a strided, padded correlation: where its window lies and how it adds up."""

    row: int
    col: int
    top: int              # the window's first row in the *padded* input
    left: int             # the window's first column in the padded input
    window: np.ndarray    # (k, k) padded-input pixels under the kernel
    products: np.ndarray  # (k, k) window * kernel
    total: float          # the output pixel's value


@dataclass
class SoftmaxSteps:
    """Softmax written out: logits, logits minus their maximum, their exponentials, the sum, the probabilities."""

    logits: np.ndarray         # (classes,)
    shifted: np.ndarray        # logits - max(logits): same result, no overflow
    exponentials: np.ndarray   # exp(shifted)
    total: float               # sum of the exponentials
    probabilities: np.ndarray  # exponentials / total


def compute_output_size(size: int, kernel_size: int, padding: int, stride: int) -> int:
    """Output length of a convolution or pooling: floor((n + 2p - k) / s) + 1; ValueError when nothing fits."""
    if kernel_size < 1 or stride < 1 or padding < 0:
        raise ValueError(f"need kernel ≥ 1, stride ≥ 1 and padding ≥ 0, got k={kernel_size}, s={stride}, "
                         f"p={padding}")
    if size + 2 * padding < kernel_size:
        raise ValueError(f"a {kernel_size}-wide kernel does not fit in {size} pixels with padding {padding}")
    return (size + 2 * padding - kernel_size) // stride + 1


def check_square_kernel(kernel) -> np.ndarray:
    """A kernel as a (k, k) float32 array of finite numbers; ValueError otherwise."""
    kernel = np.asarray(kernel, dtype="float32")
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or not np.all(np.isfinite(kernel)):
        raise ValueError(f"a kernel must be a square grid of finite numbers, got shape {kernel.shape}")
    return kernel


def correlate(image: np.ndarray, kernel: np.ndarray, padding: int, stride: int) -> np.ndarray:
    """Cross-correlation with zero padding and a stride, as a CNN layer computes it: (out_h, out_w)."""
    image, kernel = np.asarray(image, dtype="float32"), check_square_kernel(kernel)
    size = kernel.shape[0]
    out_height = compute_output_size(image.shape[0], size, padding, stride)
    out_width = compute_output_size(image.shape[1], size, padding, stride)
    padded = np.pad(image, padding)
    output = np.zeros((out_height, out_width), dtype="float32")
    for row_offset in range(size):  # add up k×k shifted, strided copies of the input, each times one weight
        for col_offset in range(size):
            rows = slice(row_offset, row_offset + stride * (out_height - 1) + 1, stride)
            cols = slice(col_offset, col_offset + stride * (out_width - 1) + 1, stride)
            output += kernel[row_offset, col_offset] * padded[rows, cols]
    return output


def explain_window(image: np.ndarray, kernel: np.ndarray, padding: int, stride: int, row: int,
                   col: int) -> WindowExplanation:
    """The window under output pixel (row, col), its products with the kernel and their sum."""
    image, kernel = np.asarray(image, dtype="float32"), check_square_kernel(kernel)
    size = kernel.shape[0]
    out_height = compute_output_size(image.shape[0], size, padding, stride)
    out_width = compute_output_size(image.shape[1], size, padding, stride)
    if not (0 <= row < out_height and 0 <= col < out_width):
        raise ValueError(f"output pixel ({row}, {col}) is outside the {out_height}×{out_width} output")
    top, left = row * stride, col * stride
    window = np.pad(image, padding)[top:top + size, left:left + size]
    products = window * kernel
    return WindowExplanation(row, col, top, left, window, products, float(products.sum()))


def apply_relu(values: np.ndarray) -> np.ndarray:
    """max(0, x), element by element."""
    return np.maximum(np.asarray(values, dtype="float32"), 0.0)


def max_pool(values: np.ndarray, size: int = POOL_SIZE) -> np.ndarray:
    """Max pooling with size×size windows and stride size ('valid': a leftover row or column is dropped)."""
    values = np.asarray(values, dtype="float32")
    height, width = values.shape[0] // size, values.shape[1] // size
    if height == 0 or width == 0:
        raise ValueError(f"a {values.shape[0]}×{values.shape[1]} map is smaller than a {size}×{size} window")
    blocks = values[:height * size, :width * size].reshape(height, size, width, size)
    return blocks.max(axis=(1, 3))


def compute_softmax_steps(logits: np.ndarray) -> SoftmaxSteps:
    """Softmax of a vector of logits, with every intermediate step kept."""
    logits = np.asarray(logits, dtype="float64").reshape(-1)
    shifted = logits - logits.max()
    exponentials = np.exp(shifted)
    total = float(exponentials.sum())
    return SoftmaxSteps(logits, shifted, exponentials, total, exponentials / total)


def read_logits(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """The (10,) logits the model computes for a (28, 28) image in [0, 1]."""
    read = get_logits_function(model)
    return np.asarray(read(tf.constant(to_image_batch(image))))[0].astype("float64")
