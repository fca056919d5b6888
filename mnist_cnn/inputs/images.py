"""The one place that converts digit images: model batches, checks, [0, 1] scaling, uint8 and display sizes."""

import base64

import cv2
import numpy as np

# The side of an MNIST digit in pixels: models take (batch, DIGIT_SIZE, DIGIT_SIZE, 1) float32 in [0, 1].
DIGIT_SIZE = 28


def to_unit_floats(images: np.ndarray) -> np.ndarray:
    """Any images as float32 in [0, 1]: uint8 is divided by 255, floats are kept as they are."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An image in [0, 1] as uint8 in 0..255 (rounded, NaN as 0); uint8 is returned as it is."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    image = np.nan_to_num(image.astype(np.float32), nan=0.0)
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def to_grey_image(image: np.ndarray) -> np.ndarray:
    """One grey image of any size as (height, width) float32 in [0, 1]; ValueError for anything else."""
    image = np.squeeze(to_unit_floats(image))
    if image.ndim != 2:
        raise ValueError(f"expected one grey image such as (28, 28), got shape {np.shape(image)}")
    return image


def to_image_batch(image: np.ndarray) -> np.ndarray:
    """One (28, 28) or (28, 28, 1) digit as a model batch (1, 28, 28, 1) float32; uint8 is scaled to [0, 1]."""
    image = np.asarray(image)
    if image.shape not in ((DIGIT_SIZE, DIGIT_SIZE), (DIGIT_SIZE, DIGIT_SIZE, 1), (1, DIGIT_SIZE, DIGIT_SIZE, 1)):
        raise ValueError(f"Expected one (28, 28) digit, got shape {image.shape}.")
    return to_unit_floats(image).reshape(1, DIGIT_SIZE, DIGIT_SIZE, 1)  # (1, 28, 28, 1)


def to_model_batch(images: np.ndarray) -> np.ndarray:
    """Many digits (n, 28, 28) or (n, 28, 28, 1), uint8 or [0, 1] floats, as (n, 28, 28, 1) float32 in [0, 1]."""
    images = np.asarray(images)
    if images.ndim not in (3, 4) or images.shape[1:3] != (DIGIT_SIZE, DIGIT_SIZE) or images.shape[3:] not in ((), (1,)):
        raise ValueError(f"Expected digits of shape (n, 28, 28) or (n, 28, 28, 1), got shape {images.shape}.")
    return to_unit_floats(images).reshape(-1, DIGIT_SIZE, DIGIT_SIZE, 1)  # (n, 28, 28, 1)


def enlarge_pixels(image: np.ndarray, scale: int) -> np.ndarray:
    """One grey image enlarged scale times with nearest-neighbour pixels, as uint8 for st.image."""
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]  # (height, width)
    if image.ndim != 2:
        raise ValueError(f"expected one (height, width) image, got shape {image.shape}")
    return np.repeat(np.repeat(to_uint8(image), scale, axis=0), scale, axis=1)  # (height·scale, width·scale)


def fit_into_square(image: np.ndarray, size: int) -> np.ndarray:
    """An image (grey or colour) fitted into a size×size black square: pixels stay sharp when enlarged."""
    image = to_uint8(image)
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_NEAREST if scale >= 1 else cv2.INTER_AREA
    resized = cv2.resize(image, new_size, interpolation=interpolation)
    square = np.zeros((size, size) + image.shape[2:], dtype=np.uint8)
    top, left = (size - resized.shape[0]) // 2, (size - resized.shape[1]) // 2
    square[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return square


def to_png_data_url(image: np.ndarray) -> str:
    """A grey (height, width) or RGB (height, width, 3) image, uint8 or [0, 1] floats, as a PNG data URL."""
    image = to_uint8(image)
    if image.ndim == 3 and image.shape[-1] == 3:
        image = image[:, :, ::-1]  # OpenCV writes BGR
    elif image.ndim != 2:
        raise ValueError(f"expected a (height, width) or (height, width, 3) image, got shape {image.shape}")
    written, encoded = cv2.imencode(".png", np.ascontiguousarray(image))
    if not written:
        raise ValueError(f"could not encode an image of shape {image.shape} as PNG")
    return "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")
