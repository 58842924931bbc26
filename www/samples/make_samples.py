#!/usr/bin/env python3
"""Generates the bundled sample images of the demo page (stdlib only: zlib + struct).

Each sample is a small PNG (300x400, RGB): a vertical gradient background and a
simple figure silhouette in a different pose, drawn as anti-aliased capsules.
Run from anywhere; it writes the PNGs next to this script:

    python3 www/samples/make_samples.py
"""

import math
import os
import struct
import zlib

W, H = 300, 400

# Joints in a 0..1 box (x right, y down); limbs are segments between joints.
POSES = {
    "pose-1-standing": {
        "top": (52, 120, 200), "bottom": (18, 38, 80), "ink": (245, 214, 160),
        "head": (0.50, 0.17), "neck": (0.50, 0.25), "hip": (0.52, 0.52),
        "arms": [((0.50, 0.27), (0.36, 0.40), (0.33, 0.55)), ((0.50, 0.27), (0.64, 0.40), (0.66, 0.54))],
        "legs": [((0.52, 0.52), (0.45, 0.70), (0.44, 0.90)), ((0.52, 0.52), (0.60, 0.70), (0.63, 0.89))],
    },
    "pose-2-reaching": {
        "top": (220, 120, 70), "bottom": (90, 30, 40), "ink": (30, 24, 40),
        "head": (0.47, 0.20), "neck": (0.48, 0.28), "hip": (0.50, 0.55),
        "arms": [((0.48, 0.30), (0.34, 0.18), (0.28, 0.05)), ((0.48, 0.30), (0.63, 0.20), (0.72, 0.08))],
        "legs": [((0.50, 0.55), (0.42, 0.72), (0.40, 0.92)), ((0.50, 0.55), (0.57, 0.73), (0.58, 0.92))],
    },
    "pose-3-lunge": {
        "top": (70, 160, 110), "bottom": (20, 60, 50), "ink": (250, 240, 220),
        "head": (0.40, 0.24), "neck": (0.43, 0.32), "hip": (0.52, 0.56),
        "arms": [((0.44, 0.34), (0.30, 0.42), (0.16, 0.40)), ((0.44, 0.34), (0.60, 0.34), (0.78, 0.28))],
        "legs": [((0.52, 0.56), (0.32, 0.68), (0.26, 0.90)), ((0.52, 0.56), (0.72, 0.74), (0.86, 0.90))],
    },
    "pose-4-seated": {
        "top": (120, 90, 190), "bottom": (40, 24, 80), "ink": (255, 200, 120),
        "head": (0.46, 0.30), "neck": (0.47, 0.38), "hip": (0.50, 0.64),
        "arms": [((0.47, 0.40), (0.36, 0.54), (0.48, 0.66)), ((0.47, 0.40), (0.60, 0.52), (0.70, 0.66))],
        "legs": [((0.50, 0.64), (0.72, 0.66), (0.72, 0.90)), ((0.50, 0.64), (0.66, 0.74), (0.60, 0.92))],
    },
}


def segments(p):
    """(a, b, radius) capsules of a pose, in pixels."""
    px = lambda q: (q[0] * W, q[1] * H)
    segs = [(px(p["neck"]), px(p["hip"]), 17.0)]
    for limb in p["arms"]:
        segs.append((px(limb[0]), px(limb[1]), 8.0))
        segs.append((px(limb[1]), px(limb[2]), 7.0))
    for limb in p["legs"]:
        segs.append((px(limb[0]), px(limb[1]), 10.5))
        segs.append((px(limb[1]), px(limb[2]), 8.5))
    return segs


def dist_to_segment(x, y, a, b):
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    t = 0.0 if l2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / l2))
    cx, cy = ax + t * dx, ay + t * dy
    return math.hypot(x - cx, y - cy)


def render(p):
    segs = segments(p)
    hx, hy = p["head"][0] * W, p["head"][1] * H
    head_r = 22.0
    rows = []
    for y in range(H):
        t = y / (H - 1)
        bg = tuple(round(p["top"][i] * (1 - t) + p["bottom"][i] * t) for i in range(3))
        row = bytearray()
        # Only columns near the figure need the distance test.
        for x in range(W):
            cx, cy = x + 0.5, y + 0.5
            cover = 0.0
            d = math.hypot(cx - hx, cy - hy) - head_r
            cover = max(cover, min(1.0, max(0.0, 0.5 - d)))
            if cover < 1.0:
                for a, b, r in segs:
                    # Cheap bounding test first.
                    if cx < min(a[0], b[0]) - r - 1 or cx > max(a[0], b[0]) + r + 1:
                        continue
                    if cy < min(a[1], b[1]) - r - 1 or cy > max(a[1], b[1]) + r + 1:
                        continue
                    d = dist_to_segment(cx, cy, a, b) - r
                    cover = max(cover, min(1.0, max(0.0, 0.5 - d)))
                    if cover >= 1.0:
                        break
            ink = p["ink"]
            row.extend(round(bg[i] * (1 - cover) + ink[i] * cover) for i in range(3))
        rows.append(bytes(row))
    return rows


def filtered(rows):
    """Each row with the PNG filter (None/Sub/Up) that leaves the fewest non-zero bytes."""
    out = bytearray()
    prev = bytes(W * 3)
    for row in rows:
        sub = bytes((row[i] - (row[i - 3] if i >= 3 else 0)) & 0xFF for i in range(len(row)))
        up = bytes((row[i] - prev[i]) & 0xFF for i in range(len(row)))
        best = min(((0, row), (1, sub), (2, up)), key=lambda c: sum(1 for v in c[1] if v))
        out.append(best[0])
        out.extend(best[1])
        prev = row
    return bytes(out)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(rows):
    header = struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(filtered(rows), 9))
        + chunk(b"IEND", b"")
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, pose in POSES.items():
        data = png(render(pose))
        path = os.path.join(here, name + ".png")
        with open(path, "wb") as f:
            f.write(data)
        print(f"{path}: {len(data)} bytes")


if __name__ == "__main__":
    main()
