"""MNIST CNN Explorer logic: data, networks, training, model store, preprocessing, inference and figures."""
