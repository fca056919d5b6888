"""The choices the explain views offer (kernel presets, map methods, attack steps), TensorFlow-free: lesson
links list them before TensorFlow has loaded."""

import numpy as np

# Classic 3x3 kernels. Keras's Conv2D computes cross-correlation (no kernel flip), and so do we everywhere.
KERNEL_PRESETS = {
    "Sobel X": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32"),
    "Sobel Y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype="float32"),
    "Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype="float32"),
    "Box blur": np.full((3, 3), 1 / 9, dtype="float32"),
    "Sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype="float32"),
    "Identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype="float32"),
}
# How deeper layers' kernels can be reduced to one 2-D kernel per output channel.
MEAN_ABSOLUTE = "mean |w| over input channels"

# The digit map's methods (mnist_cnn/explain/digit_map.py) and colourings (mnist_cnn/plots/digit_map.py).
PCA, TSNE = "PCA", "t-SNE"
MAP_METHODS = (PCA, TSNE)
BY_DIGIT, BY_ANSWER = "True digit", "Right or wrong"
COLOUR_CHOICES = (BY_DIGIT, BY_ANSWER)

# The iterative attack's default number of steps (mnist_cnn/explain/attacks.py).
DEFAULT_STEPS = 20
