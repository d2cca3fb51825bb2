"""A decoded frame, shrunk to the analysis size and turned into RGB: with OpenCV for the 8-bit 4:2:0
frames nearly every MP4/WebM decodes to, with FFmpeg's swscale (at full size) for anything else.

Why not swscale's area scaler for everything, as before: it is neither the fastest way nor faithful
at these ratios. On 40 keyframes of bench/frames.py's 720p film, against the exact reference (each
full-size pixel converted in floating point with the standard's equations, then area-averaged),
swscale is 1.73 levels off on average, 12 at the 99th percentile and up to 120 at sharp colour
edges, in 1.13 ms a frame. Averaging each plane first (Y, U and V are linear in R, G and B, so the
order does not matter except where a pixel clips) and converting the small frame with one 3x4 matrix
is 0.38 off on average, 1.1 at the 99th percentile and 12 at most (clipped pixels), in 0.62 ms.
`python bench/frames.py --json` measures both again (`analysis_frame`); tests/catalog/test_frames_yuv.py
holds both paths to references built from the standards' textbook constants, not from this code.
"""

from __future__ import annotations

import functools

import av
import cv2
import numpy as np

# (Kr, Kb) of the luma equation Y = Kr R + (1 - Kr - Kb) G + Kb B, by FFmpeg's AVColorSpace number.
# "Unspecified" (2) is read as BT.601, as swscale does.
LUMA_WEIGHTS: dict[int, tuple[float, float]] = {
    1: (0.2126, 0.0722),  # BT.709 (HD)
    2: (0.299, 0.114),  # unspecified
    5: (0.299, 0.114),  # BT.470BG (PAL) = BT.601
    6: (0.299, 0.114),  # SMPTE 170M (NTSC) = BT.601
    9: (0.2627, 0.0593),  # BT.2020 non-constant luminance
}
PLANAR_420 = {"yuv420p", "yuvj420p"}
FULL_RANGE = 2  # AVColorRange: JPEG (0-255); 1 and 0 (MPEG, unspecified) mean 16-235 luma, 16-240 chroma


def analysis_rgb(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """`frame` downscaled to `size` (width, height) by area averaging, as RGB uint8 (height, width, 3)."""
    weights = LUMA_WEIGHTS.get(frame.colorspace)
    if frame.format.name not in PLANAR_420 or weights is None or frame.width % 2 or frame.height % 2:
        # Rare here (10-bit, 4:2:2/4:4:4, odd sizes): swscale converts at full size, OpenCV averages.
        return cv2.resize(frame.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA)
    full_range = frame.format.name == "yuvj420p" or frame.color_range == FULL_RANGE
    planes = [cv2.resize(plane_pixels(plane), size, interpolation=cv2.INTER_AREA) for plane in frame.planes]
    return cv2.transform(cv2.merge(planes), yuv_to_rgb(*weights, full_range))


@functools.cache
def yuv_to_rgb(kr: float, kb: float, full_range: bool) -> np.ndarray:
    """The 3x4 matrix taking (Y, U, V, 1) to (R, G, B) for these luma weights and range."""
    kg = 1.0 - kr - kb
    luma, chroma, black = (1.0, 1.0, 0.0) if full_range else (255 / 219, 255 / 224, 16.0)
    matrix = np.array(
        [
            [luma, 0.0, chroma * 2 * (1 - kr)],
            [luma, -chroma * 2 * (1 - kb) * kb / kg, -chroma * 2 * (1 - kr) * kr / kg],
            [luma, chroma * 2 * (1 - kb), 0.0],
        ]
    )
    offset = -matrix @ np.array([black, 128.0, 128.0])
    matrix = np.hstack([matrix, offset[:, None]]).astype(np.float32)
    matrix.flags.writeable = False  # shared by every caller
    return matrix


def plane_pixels(plane: av.video.plane.VideoPlane) -> np.ndarray:
    """A plane's pixels as a (height, width) view, without the row padding FFmpeg adds."""
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]
