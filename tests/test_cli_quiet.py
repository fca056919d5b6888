"""`python -m mnist_cnn` in a fresh process: none of TensorFlow's start-up lines on stderr, real errors still there."""

import os
import subprocess
import sys

import pytest

from tests.support.server import PROJECT_ROOT

# What TensorFlow writes while it loads and looks for a GPU (see mnist_cnn.cli.START_UP_NOISE).
START_UP_LINES = ["absl::InitializeLog", "oneDNN custom operations", "cuInit", "cudart_stub", "E0000", "I0000"]


@pytest.mark.slow  # a fresh process imports TensorFlow
def test_a_command_prints_no_tensorflow_start_up_lines_but_its_own_error(tmp_path):
    environment = {name: value for name, value in os.environ.items() if not name.startswith("TF_")}
    finished = subprocess.run([sys.executable, "-m", "mnist_cnn", "--models-dir", str(tmp_path), "evaluate",
                               "no-such-model"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 2
    assert [line for line in finished.stderr.splitlines() if any(noise in line for noise in START_UP_LINES)] == []
    assert "error:" in finished.stderr and "no-such-model" in finished.stderr  # the command's own error is kept
