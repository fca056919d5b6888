"""A collection's owner in headless Chromium: the creating browser keeps its delete buttons across a reload (its
cookie), another browser sees none (a teacher password is set, so not everyone is the teacher)."""

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE
from mnist_cnn.my_digits.collections import MyDigitsStore
from tests.support.browser import FIRST_RUN_TIMEOUT_MS, create_collection
from tests.support.server import copy_bundled_models, start_streamlit

pytestmark = pytest.mark.browser

COLLECTION = "owner 7"


@pytest.fixture(scope="module")
def teacher_server(tmp_path_factory):
    """A server of the app with a teacher password: (its URL, its drawings store)."""
    root = tmp_path_factory.mktemp("owner-server")
    process, url = start_streamlit(copy_bundled_models(root / "models"), root / "user_data",
                                   {PASSWORD_ENVIRONMENT_VARIABLE: "chalk-and-slate"})
    yield url, root / "user_data" / "my_digits.sqlite3"
    process.terminate()
    process.wait(timeout=20)


def test_the_creating_browser_keeps_its_collection_across_a_reload_and_others_cannot_delete(teacher_server,
                                                                                          chromium):
    url, database = teacher_server
    owner = chromium.new_context().new_page()
    create_collection(owner, url, COLLECTION)
    expect(owner).to_have_url(re.compile(r"[?&]collection=owner(\+|%20)7"))
    owner.wait_for_function("document.cookie.includes('mnist_cnn_owner=')")  # written by the picker's script
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 1.0
    MyDigitsStore(database).add(1, digit, collection=COLLECTION)

    owner.goto(f"{url}/my_digits?collection=owner%207")  # a reload: a new session, the same browser
    expect(owner.get_by_role("button", name="Delete", exact=True)).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)

    other = chromium.new_context().new_page()
    other.goto(f"{url}/my_digits?collection=owner%207")
    expect(other.get_by_text("Only the browser that created this collection")).to_be_visible(
        timeout=FIRST_RUN_TIMEOUT_MS)
    expect(other.get_by_role("button", name="Delete", exact=True)).to_have_count(0)
