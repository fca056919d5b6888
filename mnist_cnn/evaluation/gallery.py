"""Paging and sampling for galleries of digits: which items a page or a random sample shows."""

import math

import numpy as np


def count_pages(item_count: int, page_size: int) -> int:
    """How many pages of page_size items it takes to show item_count items (at least one)."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    return max(1, math.ceil(item_count / page_size))


def select_page(indices: np.ndarray, page: int, page_size: int) -> np.ndarray:
    """The items on a 1-based page; every item is on exactly one page."""
    if not 1 <= page <= count_pages(len(indices), page_size):
        raise ValueError(f"page {page} is outside 1..{count_pages(len(indices), page_size)}")
    return indices[(page - 1) * page_size:page * page_size]


def draw_sample_indices(total: int, count: int, seed: int) -> np.ndarray:
    """count distinct random indices below total, the same for the same seed."""
    if total < 0 or count < 0:
        raise ValueError(f"total and count must not be negative, got {total} and {count}")
    return np.random.default_rng(seed).choice(total, size=min(count, total), replace=False)
