"""Pictures into model input: canvas and upload decoding, MNIST-style preprocessing, image conversions."""
