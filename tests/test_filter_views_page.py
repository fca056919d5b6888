"""The Kernels page's "what a filter looks for" in AppTest: strongest digits, an optimised input, the ten classes."""

import matplotlib.pyplot as plt

from tests.support.apptest import open_app_page

TIMEOUT = 300  # seconds per run: the machine is small and shared, and the first scan takes a few seconds


def test_kernels_page_shows_what_a_filter_and_each_class_look_for():
    app = open_app_page("pages/kernels.py", TIMEOUT)
    captions = [item.value for item in app.caption]
    assert any("where channel 0 of conv1 responds most" in caption for caption in captions)
    assert any(" → " in caption and "steps" in caption for caption in captions)  # start → end of the ascent
    images_before = len(app.get("image"))
    app.number_input(key="filter_views_channel_conv1").set_value(3).run()
    app.toggle(key="filter_views_classes").set_value(True).run()
    assert not app.exception, [item.value for item in app.exception]
    assert any("where channel 3 of conv1 responds most" in item.value for item in app.caption)
    assert len(app.get("image")) == images_before + 1  # the ten classes' grid
    assert plt.get_fignums() == []
