"""Tests of mnist_cnn.evaluation.gallery: paging and random samples."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_hypothesis

from mnist_cnn.evaluation.gallery import count_pages, draw_sample_indices, select_page


@given(st_hypothesis.integers(0, 500), st_hypothesis.integers(1, 50))
@settings(max_examples=80, deadline=None)
def test_every_item_is_on_exactly_one_page(item_count, page_size):
    items = np.arange(item_count) * 3
    pages = count_pages(item_count, page_size)
    shown = np.concatenate([select_page(items, page, page_size) for page in range(1, pages + 1)])
    np.testing.assert_array_equal(shown, items)
    assert all(len(select_page(items, page, page_size)) <= page_size for page in range(1, pages + 1))
    if item_count:
        assert len(select_page(items, pages, page_size)) > 0  # no empty last page


def test_paging_rejects_pages_outside_the_range():
    assert count_pages(0, 20) == 1
    assert count_pages(41, 20) == 3
    with pytest.raises(ValueError):
        select_page(np.arange(10), 0, 5)
    with pytest.raises(ValueError):
        select_page(np.arange(10), 3, 5)
    with pytest.raises(ValueError):
        count_pages(10, 0)


def test_sample_indices_are_distinct_reproducible_and_in_range():
    first = draw_sample_indices(10_000, 32, seed=7)
    assert len(first) == len(set(first.tolist())) == 32
    assert first.min() >= 0 and first.max() < 10_000
    np.testing.assert_array_equal(first, draw_sample_indices(10_000, 32, seed=7))
    assert not np.array_equal(first, draw_sample_indices(10_000, 32, seed=8))
    assert len(draw_sample_indices(5, 32, seed=0)) == 5
    with pytest.raises(ValueError):
        draw_sample_indices(-1, 3, seed=0)
