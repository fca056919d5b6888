"""What one hostile picture costs the server: a 5000×5000 16-bit PNG upload and a 9000×9000 canvas PNG.

Each decode runs in a fresh interpreter; the figure is its growth in peak resident memory (which sees OpenCV's and
Pillow's own buffers) and its wall time. "before" is the old path (full decode), "now" the app's path.
Run: .venv/bin/python -m benchmarks.bench_server_limits
"""

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from tests.support.pictures import write_big_png

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The decoders compared: name -> code run on `data` (the file's bytes); errors count as refusals.
DECODERS = {
    "upload, before (imdecode in full)": "cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)",
    "upload, now (decode_upload)": "from mnist_cnn.inputs.uploads import decode_upload; decode_upload(data)",
    "canvas, before (Pillow, image_data)": "from PIL import Image; Image.MAX_IMAGE_PIXELS = None; "
                                          "np.asarray(Image.open(io.BytesIO(data)))",
    "canvas, now (decode_canvas_png)": "from mnist_cnn.inputs.canvas_image import decode_canvas_png; "
                                       "decode_canvas_png(data)",
}
MEASURE = textwrap.dedent("""
    import io, resource, sys, time
    import cv2, numpy as np
    data = open(sys.argv[1], "rb").read()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        exec(sys.argv[2])
        outcome = "decoded"
    except Exception as error:
        outcome = f"refused: {str(error)[:60]}"
    seconds = time.perf_counter() - start
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline) / 1024
    print(f"{seconds:.3f}\\t{growth:.0f}\\t{outcome}")
""")


def measure(path: Path, code: str) -> tuple[float, float, str]:
    """(seconds, peak memory growth in MB, outcome) of one decode in a fresh interpreter."""
    output = subprocess.run([sys.executable, "-c", MEASURE, str(path), code], cwd=PROJECT_ROOT, check=True,
                            capture_output=True, text=True).stdout.strip().split("\t")
    return float(output[0]), float(output[1]), output[2]


def main() -> None:
    """Print one row per decoder: wall time, peak memory growth and what happened."""
    with tempfile.TemporaryDirectory() as folder:
        upload, canvas = Path(folder) / "upload.png", Path(folder) / "canvas.png"
        write_big_png(upload, 5000, 5000, bit_depth=16)
        write_big_png(canvas, 9000, 9000, bit_depth=8)
        print(f"upload: 5000×5000 16-bit PNG, {upload.stat().st_size / 1e3:.0f} kB; "
              f"canvas: 9000×9000 8-bit PNG, {canvas.stat().st_size / 1e3:.0f} kB")
        print("| path | seconds | peak memory growth | outcome |\n|---|---|---|---|")
        for name, code in DECODERS.items():
            seconds, growth, outcome = measure(upload if name.startswith("upload") else canvas, code)
            print(f"| {name} | {seconds:.3f} s | {growth:.0f} MB | {outcome} |")


if __name__ == "__main__":
    main()
