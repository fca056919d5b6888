"""Entry point for `python -m mnist_cnn`."""

import sys

from mnist_cnn.cli import main

sys.exit(main())
