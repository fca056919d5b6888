"""Tests for the user's drawing store: round-trips, deletion, export/import, and concurrent writers."""

import threading

import numpy as np
import pytest

from mnist_cnn.user_digits import UserDigitsError, UserDigitStore, read_mnist_layout


def make_digit(value: float) -> np.ndarray:
    """A (28, 28) float image with a bright square whose brightness is value."""
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:18] = value
    return image


def test_add_list_and_original_drawing_round_trip(tmp_path):
    store = UserDigitStore(tmp_path / "digits.sqlite3")
    drawing = np.zeros((300, 300, 4), np.uint8)
    drawing[100:200, 140:160] = 255
    first = store.add(1, make_digit(1.0), drawing)
    store.add(7, make_digit(0.5))
    digits = store.list_digits()
    assert [d.label for d in digits] == [1, 7]
    assert digits[0].id == first and digits[0].digit.dtype == np.uint8
    assert digits[0].digit[10, 12] == 255 and digits[1].digit[10, 12] == 128
    kept = store.get_drawing(first)
    assert kept.ndim == 2 and max(kept.shape) <= 160 and kept.max() == 255
    assert store.get_drawing(digits[1].id) is None
    assert store.count_by_label()[1] == 1 and store.count_by_label()[3] == 0


def test_data_survives_a_new_store_object(tmp_path):
    path = tmp_path / "digits.sqlite3"
    UserDigitStore(path).add(4, make_digit(1.0))
    assert [d.label for d in UserDigitStore(path).list_digits()] == [4]


def test_delete_one_and_clear_all(tmp_path):
    store = UserDigitStore(tmp_path / "d.sqlite3")
    ids = [store.add(label, make_digit(1.0)) for label in (0, 1, 2)]
    assert store.delete(ids[1]) and not store.delete(ids[1])
    assert [d.label for d in store.list_digits()] == [0, 2]
    assert store.clear() == 2 and store.list_digits() == []


def test_export_then_import_round_trip(tmp_path):
    source = UserDigitStore(tmp_path / "a.sqlite3")
    for label in range(10):
        source.add(label, make_digit((label + 1) / 10))
    exported = source.export_npz()
    images, labels = read_mnist_layout(exported)
    assert images.shape == (10, 28, 28) and images.dtype == np.uint8 and labels.tolist() == list(range(10))
    target = UserDigitStore(tmp_path / "b.sqlite3")
    assert target.import_npz(exported) == 10
    np.testing.assert_array_equal(target.to_arrays()[0], source.to_arrays()[0])
    np.testing.assert_array_equal(target.to_arrays()[1], source.to_arrays()[1])


@pytest.mark.parametrize("payload, message", [
    (b"not a zip at all", "not a readable .npz"),
    (None, "no x_train/y_train"),
])
def test_bad_imports_are_refused_with_a_message(tmp_path, payload, message):
    import io

    if payload is None:
        buffer = io.BytesIO()
        np.savez(buffer, something=np.zeros(3))
        payload = buffer.getvalue()
    with pytest.raises(UserDigitsError, match=message):
        UserDigitStore(tmp_path / "c.sqlite3").import_npz(payload)


def test_bad_labels_and_shapes_are_refused(tmp_path):
    store = UserDigitStore(tmp_path / "d.sqlite3")
    with pytest.raises(UserDigitsError, match="0-9"):
        store.add(12, make_digit(1.0))
    with pytest.raises(UserDigitsError, match="28x28"):
        store.add(3, np.zeros((10, 10)))


def test_two_threads_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite3"
    errors = []

    def write_many(label):
        store = UserDigitStore(path)  # each session opens its own store on the same file
        try:
            for _ in range(100):
                store.add(label, make_digit(1.0))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write_many, args=(label,)) for label in (3, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert UserDigitStore(path).count_by_label()[3] == 100
    assert UserDigitStore(path).count_by_label()[8] == 100
