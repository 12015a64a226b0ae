"""Writes the datasets in this folder from packages that ship them.

Run once with scikit-learn, scikit-image, palmerpenguins and Pillow installed:
    python datasets/make_datasets.py
The outputs are committed; this script records exactly how they were made.
"""
import csv
import json
import os
import shutil

import numpy as np
import palmerpenguins
import sklearn.datasets
import skimage.data
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def digits():
    data = sklearn.datasets.load_digits()
    out = os.path.join(HERE, "digits")
    shutil.rmtree(out, ignore_errors=True)
    for i, (pixels, target) in enumerate(zip(data.images, data.target)):
        folder = os.path.join(out, str(target))
        os.makedirs(folder, exist_ok=True)
        # Values are 0..16; scale to 0..255 so the images look like digits.
        img = Image.fromarray(np.round(pixels * 255 / 16).astype(np.uint8), mode="L")
        img.save(os.path.join(folder, f"{i:04d}.png"), optimize=True)


def penguins():
    src = os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    with open(os.path.join(HERE, "penguins.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id"] + rows[0])
        for i, row in enumerate(rows[1:], start=1):
            w.writerow([f"p{i:03d}"] + row)


def photos():
    out = os.path.join(HERE, "photos")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name in ["astronaut", "chelsea", "coffee", "rocket"]:
        img = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        img.save(os.path.join(out, f"{name}.jpg"), quality=88)
    images = os.path.join(os.path.dirname(sklearn.datasets.__file__), "images")
    for name in ["china.jpg", "flower.jpg"]:
        shutil.copy(os.path.join(images, name), os.path.join(out, name))


def chained_manifest():
    """A Ground Truth output manifest over 12 digit images, as an earlier job
    would have written it: 4 human labels, 4 automated ones, 4 unlabeled, and
    an extra pass-through key on every line."""
    lines = []
    for n, i in enumerate(range(0, 12)):
        target = int(sklearn.datasets.load_digits().target[i])
        line = {"source-ref": f"digits/{target}/{i:04d}.png", "batch": "b1"}
        if n < 8:
            human = n < 4
            line["digit"] = target if n % 2 == 0 else str(target)
            line["digit-metadata"] = {
                "class-name": str(target),
                "confidence": 0.0 if human else round(0.91 + n / 100, 2),
                "type": "groundtruth/image-classification",
                "job-name": "digits-v1",
                "human-annotated": "yes" if human else "no",
                "creation-date": f"2026-11-28T10:00:{n:02d}.000000",
            }
        lines.append(json.dumps(line, separators=(",", ":")))
    with open(os.path.join(HERE, "digits-v1.manifest"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    digits()
    penguins()
    photos()
    chained_manifest()
