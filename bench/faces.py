"""How well artwork discovery's face detector finds faces, and what it costs, per detector setting.

    python bench/faces.py [--json] [--trials 30]

Faces are real photographs from scikit-image's data (a development requirement; nothing here is in
the repository): its astronaut portrait, and the 100 face crops of its LFW subset (25 px, so scaled
up, which blurs them: a harder case than footage). Each is pasted into 720p frames made from
scikit-image's other bundled pictures (the backgrounds: a cat, coffee, coins, a rocket, text ...) at a known
size, a share of the frame's height for the face's box, at random places (seed 0), then shrunk to the
320x180 analysis frame as the pipeline does. Reported per setting (thumbnail width, scale factor,
minimum neighbours): the share of pasted faces found at each size, false positives on the
backgrounds alone, on 400 zoomed crops of them and on LFW's 100 non-face crops, and milliseconds a
frame on the backgrounds (textured, like footage) and on bench/frames.py's drawn film (flat, cheap). `serving` marks the
setting catalog/frames/features.py uses.

The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog.frames import features  # noqa: E402
from catalog.frames.features import detect_faces  # noqa: E402

FRAME = (1280, 720)
ANALYSIS = (320, 180)
SHARES = (0.12, 0.15, 0.18, 0.21, 0.25, 0.30)
SETTINGS = [  # (thumbnail width, scale factor, minimum neighbours)
    (192, 1.2, 5),
    (192, 1.1, 4),
    (224, 1.15, 5),
    (224, 1.1, 5),
    (224, 1.12, 3),
    (224, 1.15, 3),
    (224, 1.15, 4),
    (256, 1.1, 5),
    (320, 1.1, 5),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON summary on stdout")
    parser.add_argument("--trials", type=int, default=30, help="astronaut placements per size (default 30)")
    args = parser.parse_args()
    try:
        from skimage import data
    except ImportError:
        sys.exit("scikit-image is missing: pip install -r requirements.txt (it is a development requirement).")

    rng = np.random.default_rng(0)
    backgrounds = _backgrounds(data)
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    box = _face_box(astronaut)
    lfw = (data.lfw_subset() * 255).round().astype(np.uint8)
    lfw_faces, lfw_others = lfw[:100], lfw[100:]
    film = _film_frames()

    cases = {share: [] for share in SHARES}
    for share in SHARES:
        for _ in range(args.trials):
            cases[share].append(_paste_photo(rng, backgrounds, astronaut, box, share))
    lfw_cases = {share: [_paste_crop(rng, backgrounds, crop, share) for crop in lfw_faces] for share in (0.21, 0.25)}
    lfw_negatives = [_paste_crop(rng, backgrounds, crop, 0.25) for crop in lfw_others]
    plain = [_analysis(b) for b in backgrounds]
    zoomed = [_zoomed_crop(rng, backgrounds) for _ in range(400)]

    results = []
    serving = (features.FACE_WIDTH, features.FACE_SCALE_FACTOR, features.FACE_MIN_NEIGHBOURS)
    for width, scale, neighbours in SETTINGS:
        features.FACE_WIDTH, features.FACE_SCALE_FACTOR, features.FACE_MIN_NEIGHBOURS = width, scale, neighbours

        def found(gray: np.ndarray) -> int:
            return len(detect_faces(gray))

        results.append(
            {
                "width": width,
                "scale_factor": scale,
                "min_neighbours": neighbours,
                "serving": (width, scale, neighbours) == serving,
                "astronaut_found_by_share": {f"{s:.2f}": _rate(found, cases[s]) for s in SHARES},
                "lfw_found_by_share": {f"{s:.2f}": _rate(found, lfw_cases[s]) for s in lfw_cases},
                "false_positives_backgrounds": sum(found(g) for g in plain),
                "false_positives_lfw_non_faces": sum(bool(found(g)) for g in lfw_negatives),
                "false_positives_zoomed_crops": sum(bool(found(g)) for g in zoomed),
                "ms_per_frame_photos": _ms(found, plain),
                "ms_per_frame_drawn_film": _ms(found, film),
            }
        )
        if not args.json:
            r = results[-1]
            print(
                f"{width} px, x{scale}, {neighbours} neighbours: astronaut {r['astronaut_found_by_share']} "
                f"lfw {r['lfw_found_by_share']} false {r['false_positives_backgrounds']}/"
                f"{r['false_positives_lfw_non_faces']}/{r['false_positives_zoomed_crops']}, "
                f"{r['ms_per_frame_photos']} / {r['ms_per_frame_drawn_film']} ms",
                file=sys.stderr,
            )
    features.FACE_WIDTH, features.FACE_SCALE_FACTOR, features.FACE_MIN_NEIGHBOURS = serving
    print(
        json.dumps(
            {
                "backgrounds": len(plain),
                "astronaut_trials_per_share": args.trials,
                "lfw_faces": len(lfw_faces),
                "settings": results,
            }
        )
    )


BACKGROUNDS = (  # scikit-image's bundled pictures (no download), none with a frontal face
    "brick",
    "cat",
    "checkerboard",
    "clock",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "horse",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "microaneurysms",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)


def _backgrounds(data) -> list[np.ndarray]:
    """scikit-image's other pictures, greyscale, stretched to 720p."""
    out = []
    for name in BACKGROUNDS:
        image = np.asarray(getattr(data, name)())
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 3:
            image = cv2.cvtColor(image[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
        out.append(cv2.resize(image.astype(np.uint8), FRAME, interpolation=cv2.INTER_AREA))
    return out


def _face_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The portrait's face box at full size (512 px: one face, found at (177, 66), 95 px wide)."""
    found = features._face_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))
    if len(found) != 1:
        sys.exit(f"Expected one face in the astronaut portrait, found {len(found)}: is this scikit-image's?")
    return tuple(int(v) for v in found[0])


def _paste_photo(rng, backgrounds, photo, box, share) -> np.ndarray:
    """The photo scaled so its face's box is `share` of the frame's height, its face at a random place."""
    x, y, w, h = box
    scale = share * FRAME[1] / h
    image = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    centre = (int(rng.integers(0.3 * FRAME[0], 0.7 * FRAME[0])), int(rng.integers(0.35 * FRAME[1], 0.65 * FRAME[1])))
    origin = (centre[0] - int((x + w / 2) * scale), centre[1] - int((y + h / 2) * scale))
    return _analysis(_place(backgrounds[rng.integers(len(backgrounds))], image, origin))


def _paste_crop(rng, backgrounds, crop, share) -> np.ndarray:
    """A tight 25 px face crop scaled to `share` of the frame's height (plus a margin), at a random place."""
    side = int(share * FRAME[1] * 1.25)
    image = cv2.resize(crop, (side, side), interpolation=cv2.INTER_CUBIC)
    origin = (int(rng.integers(0.2 * FRAME[0], 0.8 * FRAME[0] - side)), int(rng.integers(20, FRAME[1] - side - 20)))
    return _analysis(_place(backgrounds[rng.integers(len(backgrounds))], image, origin))


def _zoomed_crop(rng, backgrounds) -> np.ndarray:
    """A random part of a background (1/3 to all of it), stretched back to the frame: new textures at
    new scales, still without a face."""
    zoom = rng.uniform(1.0, 3.0)
    width, height = int(FRAME[0] / zoom), int(FRAME[1] / zoom)
    x, y = int(rng.integers(0, FRAME[0] - width + 1)), int(rng.integers(0, FRAME[1] - height + 1))
    background = backgrounds[rng.integers(len(backgrounds))]
    return _analysis(cv2.resize(background[y : y + height, x : x + width], FRAME, interpolation=cv2.INTER_AREA))


def _place(background: np.ndarray, image: np.ndarray, origin: tuple[int, int]) -> np.ndarray:
    out = background.copy()
    h, w = image.shape
    x0, y0 = origin
    xs, ys, xe, ye = max(0, x0), max(0, y0), min(FRAME[0], x0 + w), min(FRAME[1], y0 + h)
    out[ys:ye, xs:xe] = image[ys - y0 : ye - y0, xs - x0 : xe - x0]
    return out


def _analysis(gray: np.ndarray) -> np.ndarray:
    return cv2.resize(gray, ANALYSIS, interpolation=cv2.INTER_AREA)


def _film_frames(count: int = 40) -> list[np.ndarray]:
    from catalog.frames.synthetic import film

    frames = film(count * 2, size=FRAME, fps=1, seed=1)  # a frame every second of a drawn film
    return [_analysis(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)) for frame in frames][:count]


def _rate(found, images) -> float:
    return round(float(np.mean([found(g) > 0 for g in images])), 2)


def _ms(found, images, repeats: int = 3) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        for gray in images:
            found(gray)
    return round((time.perf_counter() - start) * 1e3 / (repeats * len(images)), 2)


if __name__ == "__main__":
    main()
