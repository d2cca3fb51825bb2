"""What each sampled frame looks like, as numbers: exposure, sharpness, contrast, colour, faces,
composition, and how much of it is black or text. Pure numpy/OpenCV on one small RGB frame.

Every feature is measured on the frame scaled to ANALYSIS_WIDTH pixels wide, so the numbers mean
the same for a 4K master and a 480p preview (the Laplacian's variance in particular depends on
scale). `catalog.frames.scoring` turns them into one score; the weights live there.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import cv2
import numpy as np

ANALYSIS_WIDTH = 320

# Luma levels (0-255) below which a pixel counts as black, at or below which it is crushed,
# at or above which it is blown out.
BLACK_LUMA = 20
CRUSHED_LUMA = 8
BLOWN_LUMA = 247
# Exposure is best around this mean luma (0-1): a little under mid-grey, where faces and skies
# both keep their detail; a frame is judged against how far its mean strays from it.
TARGET_BRIGHTNESS = 0.45
# Power points of the rule of thirds, in (x, y) shares of the frame.
POWER_POINTS = np.array([(1 / 3, 1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 2 / 3)])
THIRDS_SPREAD = 0.15  # distance (share of the frame) at which the thirds term falls to 0.61
SALIENCY_WIDTH = 64  # the spectral residual is computed on a thumbnail this wide
# Faces: OpenCV's bundled Haar cascade on a thumbnail FACE_WIDTH wide, its window grown by
# FACE_SCALE_FACTOR a step, a face kept where FACE_MIN_NEIGHBOURS overlapping windows agree.
# Measured with real photographs (`python bench/faces.py`: scikit-image's astronaut pasted at 30
# random places into 19 of its other pictures, and its 100 LFW face crops), by the face's share of
# the frame's height: this setting finds the astronaut 80% of the time at 18%, 97% at 21% and always
# from 25% (never at 15%: a close-up or a medium close-up, not a wide shot), the blurrier LFW faces
# 86-87%, with no false positive on the pictures alone or on 400 zoomed crops of them, and one on
# LFW's 100 non-faces. Coarser steps with fewer neighbours agreeing beat finer steps with more: the
# setting before it (x1.1, 5 neighbours) found 47% at 18% and 93% at 21%, LFW's faces 84-88%, no false
# positive, at ~1.5x the time (4.4 against 3.0 ms a frame of bench/frames.py's film, 12.1 against 7.3
# a textured picture, on 2026-12-03's slow machine). The one before that (192 px, x1.2) found the
# astronaut 0-33% of the time even at 21-30%: its coarse steps on a small thumbnail miss most faces
# that do not happen to fit a window's size and place.
FACE_WIDTH = 224
FACE_SCALE_FACTOR = 1.15
FACE_MIN_NEIGHBOURS = 3


@dataclass(frozen=True)
class FrameFeatures:
    """The measured features of one frame (see the module docstring for the scale)."""

    brightness: float  # mean luma, 0-1
    clipped: float  # share of pixels crushed to black or blown to white
    sharpness: float  # variance of the Laplacian of luma (0-255 scale)
    contrast: float  # RMS contrast: standard deviation of luma, 0-1
    colourfulness: float  # Hasler and Süsstrunk's M (0 grey, ~33 moderate, ~59 quite, ~82 highly colourful)
    faces: int  # frontal faces found by OpenCV's Haar cascade
    face_area: float  # share of the frame the faces' boxes cover
    thirds: float  # 0-1: how close the subject (largest face, else the saliency centroid) sits to a power point
    black: float  # share of near-black pixels (letterbox bars count too)
    text: float  # share of the frame covered by text-like regions (titles, credits, captions)

    def as_dict(self) -> dict[str, float]:
        return {key: round(float(value), 4) for key, value in asdict(self).items()}


def analysis_size(width: int, height: int, target_width: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """(width, height) of the analysis frame: target_width wide, the aspect kept, both even."""
    scale = min(1.0, target_width / max(width, 1))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def frame_features(rgb: np.ndarray) -> FrameFeatures:
    """Measure one RGB uint8 frame (height, width, 3), ideally ANALYSIS_WIDTH wide."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image, got {rgb.dtype} {rgb.shape}")
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    luma = gray.astype(np.float32)
    n_pixels = gray.size
    faces = detect_faces(gray)
    face_area = float(sum(w * h for _, _, w, h in faces)) / n_pixels
    return FrameFeatures(
        brightness=float(luma.mean()) / 255.0,
        clipped=float(np.count_nonzero((gray <= CRUSHED_LUMA) | (gray >= BLOWN_LUMA))) / n_pixels,
        sharpness=laplacian_variance(gray),
        contrast=float(luma.std()) / 255.0,
        colourfulness=colourfulness(rgb),
        faces=len(faces),
        face_area=min(1.0, face_area),
        thirds=thirds_score(_subject(gray, faces)),
        black=float(np.count_nonzero(gray < BLACK_LUMA)) / n_pixels,
        text=text_share(gray),
    )


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian (borders reflected): high for crisp edges, low when blurred."""
    # The Laplacian of 8-bit luma is a small integer (|value| <= 1,020): exact in int16, and OpenCV's
    # float64 deviation of it is the exact variance, eight times faster than numpy on float64.
    laplacian = cv2.Laplacian(gray, cv2.CV_16S, ksize=1, borderType=cv2.BORDER_REFLECT_101)
    return float(cv2.meanStdDev(laplacian)[1][0, 0]) ** 2


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Süsstrunk (2003): sqrt(var(rg) + var(yb)) + 0.3 * sqrt(mean(rg)^2 + mean(yb)^2),
    with rg = R - G and yb = (R + G) / 2 - B."""
    # In exact integers (rg and 2 * yb fit int16), the means and deviations in float64: OpenCV does
    # this in a tenth of the time numpy takes on float32 copies of the channels.
    r, g, b = cv2.split(np.ascontiguousarray(rgb))
    rg = cv2.subtract(r, g, dtype=cv2.CV_16S)
    yb2 = cv2.subtract(cv2.add(r, g, dtype=cv2.CV_16S), cv2.add(b, b, dtype=cv2.CV_16S), dtype=cv2.CV_16S)
    rg_mean, rg_std = (float(v[0, 0]) for v in cv2.meanStdDev(rg))
    yb_mean, yb_std = (float(v[0, 0]) / 2 for v in cv2.meanStdDev(yb2))
    return math.sqrt(rg_std**2 + yb_std**2) + 0.3 * math.sqrt(rg_mean**2 + yb_mean**2)


@functools.cache
def _face_cascade() -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise RuntimeError("OpenCV's bundled Haar face cascade did not load")
    return cascade


def detect_faces(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces as (x, y, w, h) boxes in `gray`'s pixels (OpenCV's bundled Haar cascade)."""
    height, width = gray.shape
    scale = min(1.0, FACE_WIDTH / width)
    # Bilinear: what the cascade was measured with (INTER_AREA here costs ~3x as much per frame for no
    # face found or lost in the tests' films). The flag must be passed by name: a third positional
    # argument of cv2.resize is the output array.
    size = (FACE_WIDTH, max(1, round(height * scale)))
    small = gray if scale == 1.0 else cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)
    found = _face_cascade().detectMultiScale(small, scaleFactor=FACE_SCALE_FACTOR, minNeighbors=FACE_MIN_NEIGHBOURS)
    return [tuple(round(v / scale) for v in box) for box in found] if len(found) else []


def _subject(gray: np.ndarray, faces: list[tuple[int, int, int, int]]) -> tuple[float, float]:
    """Where the eye goes, as (x, y) shares of the frame: the largest face, else the saliency centroid."""
    height, width = gray.shape
    if faces:
        x, y, w, h = max(faces, key=lambda box: box[2] * box[3])
        return (x + w / 2) / width, (y + h / 2) / height
    return saliency_centroid(gray)


def saliency_centroid(gray: np.ndarray) -> tuple[float, float]:
    """Centroid of the spectral-residual saliency map (Hou and Zhang, 2007), as (x, y) shares.

    The log amplitude spectrum minus its local average keeps what is unexpected in the image;
    transformed back with the original phase it lights up the regions that stand out.
    """
    height, width = gray.shape
    small_h = max(8, round(SALIENCY_WIDTH * height / width))
    small = cv2.resize(gray, (SALIENCY_WIDTH, small_h), interpolation=cv2.INTER_AREA).astype(np.float64)
    # OpenCV's DFT (re, im planes) does in half the time what numpy's complex FFT does.
    spectrum = cv2.dft(small, flags=cv2.DFT_COMPLEX_OUTPUT)
    amplitude = cv2.magnitude(spectrum[..., 0], spectrum[..., 1])
    log_amplitude = np.log(amplitude + 1e-6)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    # exp(residual + i * phase) = exp(residual) * spectrum / |spectrum|
    spectrum *= (np.exp(residual) / np.maximum(amplitude, 1e-300))[..., None]
    back = cv2.idft(spectrum, flags=cv2.DFT_COMPLEX_OUTPUT | cv2.DFT_SCALE)
    saliency = cv2.magnitude(back[..., 0], back[..., 1]) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2.5)
    weights = np.maximum(saliency - saliency.mean(), 0)
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        return 0.5, 0.5
    ys, xs = np.mgrid[0:small_h, 0:SALIENCY_WIDTH]
    return float((weights * (xs + 0.5)).sum() / total / SALIENCY_WIDTH), float(
        (weights * (ys + 0.5)).sum() / total / small_h
    )


def thirds_score(point: tuple[float, float]) -> float:
    """1 on a power point of the rule of thirds, falling as a Gaussian of the distance to the nearest one."""
    distance = np.min(np.hypot(*(POWER_POINTS - np.asarray(point)).T))
    return float(np.exp(-0.5 * (distance / THIRDS_SPREAD) ** 2))


def text_share(gray: np.ndarray) -> float:
    """Share of the frame covered by text-like regions: rows of short, strong, closely spaced strokes.

    A morphological gradient marks stroke edges; closing it along rows joins the letters of a word.
    A blob counts as text when it is a line's height (1/60 to 1/8 of the frame), at least twice as
    wide as tall, and its box is densely filled with edges, as letters are and outlines are not.
    """
    height, width = gray.shape
    gradient = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    edges = (gradient >= 64).astype(np.uint8)
    joined = cv2.morphologyEx(
        edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, width // 40), 1))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 1:
        return 0.0
    w, h, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    text_like = (h >= max(3, height / 60)) & (h <= height / 8) & (w >= 2 * h) & (area >= 0.45 * w * h)
    return min(1.0, float((w[text_like] * h[text_like]).sum()) / (width * height))
