"""Opens the virtual lab's files in the standard tools and compares with what niche read
(tests/readback.rs): FCS with flowio (raw channel values, every event), the plate export with
pandas (the wavelength-corrected block), the TIFF with Pillow (every pixel).

usage: readback.py EXPECTED.json   (written by the Rust test)
"""
import json
import sys

import flowio
import numpy as np
import pandas
from PIL import Image


def main(path):
    expected = json.load(open(path))
    for fcs in expected["fcs"]:
        flow = flowio.FlowData(fcs["path"])
        if hasattr(flow, "as_array"):
            events = np.asarray(flow.as_array(preprocess=False), dtype=float)
        else:
            events = np.reshape(np.asarray(flow.events, dtype=float), (-1, flow.channel_count))
        ours = np.asarray(fcs["raw"], dtype=float)
        if events.shape != ours.shape or not np.array_equal(events, ours):
            sys.exit(f"{fcs['path']}: flowio reads {events.shape}, niche {ours.shape}, equal: {np.array_equal(events, ours) if events.shape == ours.shape else False}")
        names = list(flow.pnn_labels)
        if names != fcs["names"]:
            sys.exit(f"{fcs['path']}: channel names {names} vs {fcs['names']}")
    plate = expected["plate"]
    lines = open(plate["path"]).read().splitlines()
    start = max(i for i, l in enumerate(lines) if l.split(",")[1:13] == [str(c) for c in range(1, 13)])
    grid = pandas.read_csv(plate["path"], skiprows=start, nrows=8, index_col=0)
    if grid.shape != (8, 12) or not np.allclose(grid.to_numpy(dtype=float), np.asarray(plate["od"]), rtol=0, atol=1e-12):
        sys.exit("plate: pandas and niche read different values")
    for blot in expected["blots"]:
        image = np.asarray(Image.open(blot["path"]), dtype=float)
        if image.shape != (blot["height"], blot["width"]) or image.sum() != blot["sum"]:
            sys.exit(f"{blot['path']}: Pillow reads {image.shape} sum {image.sum()}, niche {blot['sum']}")
    print(f"ok: {len(expected['fcs'])} FCS files, 1 plate, {len(expected['blots'])} blots agree")


if __name__ == "__main__":
    main(sys.argv[1])
