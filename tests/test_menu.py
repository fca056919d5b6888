"""The app's menu: every page file is listed once."""

import ast

from mnist_cnn import config

APP_PATH = config.PROJECT_ROOT / "app.py"


def read_app_constant(name: str):
    """A literal assigned at the top of app.py."""
    tree = ast.parse(APP_PATH.read_text())
    node = next(node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                and getattr(node.targets[0] if isinstance(node, ast.Assign) else node.target, "id", None) == name)
    return ast.literal_eval(node.value)


def test_every_page_file_is_in_the_menu_once():
    files = [entry[0] for entry in read_app_constant("PAGES")]
    on_disk = sorted(path.name for path in (config.PROJECT_ROOT / "pages").glob("*.py"))
    assert sorted(files) == on_disk and len(set(files)) == len(files)
