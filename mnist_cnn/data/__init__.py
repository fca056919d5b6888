"""Data sets: bundled MNIST, real pen-drawn digits, drawings that are not digits, canvas-style renderings."""
