"""The app's menu (ui/menu.py): every page file is listed once, and each page's title is known by its URL path."""

from pathlib import Path

from mnist_cnn import config
from ui.menu import PAGE_TITLES, PAGES


def test_every_page_file_is_in_the_menu_once():
    files = [entry[0] for entry in PAGES]
    on_disk = sorted(path.name for path in (config.PROJECT_ROOT / "pages").glob("*.py"))
    assert sorted(files) == on_disk and len(set(files)) == len(files)


def test_every_page_has_its_title_by_url_path_and_one_default():
    assert set(PAGE_TITLES) == {Path(entry[0]).stem for entry in PAGES}
    assert PAGE_TITLES["decided"] == "Attribution maps" and sum(entry[3] for entry in PAGES) == 1
