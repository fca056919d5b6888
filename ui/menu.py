"""The app's menu: every page's file, title and icon, in one place (app.py builds the navigation from it)."""

from pathlib import Path

# The app's pages, in menu order (drawing and lessons, inside the network, why it decided, building and
# training, the teacher's view): (file in pages/, title, icon, default?).
PAGES = [
    ("draw.py", "Draw a digit", ":material/draw:", True),
    ("my_digits.py", "My digits", ":material/collections:", False),
    ("lessons.py", "Lessons", ":material/school:", False),
    ("challenge.py", "Class challenge", ":material/trophy:", False),
    ("network.py", "Whole network", ":material/hub:", False),
    ("feature_maps.py", "Feature maps", ":material/layers:", False),
    ("kernels.py", "Kernels", ":material/grid_on:", False),
    ("convolution.py", "Convolution demo", ":material/blur_on:", False),
    ("architecture.py", "Architecture", ":material/account_tree:", False),
    ("digit_map.py", "Digit map", ":material/scatter_plot:", False),
    ("decided.py", "Attribution maps", ":material/psychology:", False),
    ("ablation.py", "Switch filters off", ":material/toggle_off:", False),
    ("mistakes.py", "Test-set explorer", ":material/error:", False),
    ("fool.py", "Fool the model", ":material/theater_comedy:", False),
    ("build.py", "Build a network", ":material/construction:", False),
    ("training.py", "Training", ":material/model_training:", False),
    ("class_view.py", "Class view", ":material/groups:", False),
]

# Each page's title by its URL path ("feature_maps" -> "Feature maps"), for buttons that name a page.
PAGE_TITLES = {Path(file).stem: title for file, title, _, _ in PAGES}
