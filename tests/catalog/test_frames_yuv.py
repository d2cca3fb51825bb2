"""The analysis frame's colour conversion against the standards' textbook equations: each full-size
pixel converted in floating point with the published (rounded) constants, then area-averaged."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from catalog.frames.yuv import analysis_rgb

# R = a (Y - y0) + b (V - 128); G = a (Y - y0) - c (U - 128) - d (V - 128); B = a (Y - y0) + e (U - 128)
TEXTBOOK = {
    "bt601-limited": dict(y0=16, a=1.164, b=1.596, c=0.392, d=0.813, e=2.017),
    "bt709-limited": dict(y0=16, a=1.164, b=1.793, c=0.213, d=0.533, e=2.112),
    "bt601-full": dict(y0=0, a=1.0, b=1.402, c=0.344136, d=0.714136, e=1.772),
    "bt2020-limited": dict(y0=16, a=1.1644, b=1.6787, c=0.1873, d=0.6504, e=2.1418),
}
TAGS = {  # (colorspace, color_range) as FFmpeg numbers them
    "bt601-limited": (6, 1),
    "bt709-limited": (1, 1),
    "bt601-full": (5, 2),
    "bt2020-limited": (9, 1),
}


def _smooth(rng, shape, low, high):
    """A field varying over a few pixels (like a picture, unlike noise), within [low, high]."""
    coarse = rng.uniform(low, high, (shape[0] // 3 + 2, shape[1] // 3 + 2)).astype(np.float32)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR).round().astype(np.uint8)


def _frame(width, height, colorspace, color_range, seed=0):
    """A yuv420p frame with in-gamut content; also its planes."""
    rng = np.random.default_rng(seed)
    frame = av.VideoFrame(width, height, "yuv420p")
    planes = [
        _smooth(rng, (height, width), 50, 180),
        _smooth(rng, ((height + 1) // 2, (width + 1) // 2), 108, 148),
        _smooth(rng, ((height + 1) // 2, (width + 1) // 2), 108, 148),
    ]
    for plane, pixels in zip(frame.planes, planes, strict=True):
        padded = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        padded[:, : plane.width] = pixels
    frame.colorspace, frame.color_range = colorspace, color_range
    return frame, planes


def _reference(planes, size, y0, a, b, c, d, e):
    y, u, v = (p.astype(np.float64) for p in planes)
    height, width = y.shape
    u = np.repeat(np.repeat(u, 2, axis=0), 2, axis=1)[:height, :width] - 128
    v = np.repeat(np.repeat(v, 2, axis=0), 2, axis=1)[:height, :width] - 128
    luma = a * (y - y0)
    rgb = np.stack([luma + b * v, luma - c * u - d * v, luma + e * u], axis=-1)
    return cv2.resize(np.clip(rgb, 0, 255).astype(np.float32), size, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("standard", sorted(TEXTBOOK))
def test_a_frame_is_converted_with_its_tagged_standard_and_range(standard):
    frame, planes = _frame(640, 360, *TAGS[standard])
    rgb = analysis_rgb(frame, (160, 90))
    assert rgb.shape == (90, 160, 3) and rgb.dtype == np.uint8
    error = np.abs(rgb - _reference(planes, (160, 90), **TEXTBOOK[standard]))
    assert error.mean() < 0.75 and error.max() <= 3


def test_the_standards_differ_enough_for_the_tags_to_matter():
    frame, planes = _frame(640, 360, *TAGS["bt709-limited"])
    rgb = analysis_rgb(frame, (160, 90))
    as_709 = np.abs(rgb - _reference(planes, (160, 90), **TEXTBOOK["bt709-limited"])).mean()
    as_601 = np.abs(rgb - _reference(planes, (160, 90), **TEXTBOOK["bt601-limited"])).mean()
    assert as_601 > 2 * as_709


def test_an_unspecified_standard_is_read_as_bt601_limited_range_as_ffmpeg_does():
    frame, planes = _frame(640, 360, colorspace=2, color_range=0)
    error = np.abs(analysis_rgb(frame, (160, 90)) - _reference(planes, (160, 90), **TEXTBOOK["bt601-limited"]))
    assert error.mean() < 0.75 and error.max() <= 3


@pytest.mark.parametrize(
    ("layout", "size"),
    [("yuv420p", (101, 57)), ("yuv444p", (640, 360)), ("yuv420p10le", (640, 360)), ("rgb24", (101, 57))],
)
def test_other_layouts_and_odd_sizes_are_converted_by_swscale_and_averaged_by_opencv(layout, size):
    frame, planes = _frame(*size, *TAGS["bt709-limited"], seed=3)
    if layout != "yuv420p":
        frame = frame.reformat(format=layout, dst_colorspace=1)  # keeps the 709 limited-range tags
    target = (size[0] // 2, size[1] // 2)
    rgb = analysis_rgb(frame, target)
    assert rgb.shape == (target[1], target[0], 3) and rgb.dtype == np.uint8
    # swscale upsamples the chroma smoothly where the reference repeats it: close, not as close
    as_709 = np.abs(rgb - _reference(planes, target, **TEXTBOOK["bt709-limited"])).mean()
    as_601 = np.abs(rgb - _reference(planes, target, **TEXTBOOK["bt601-limited"])).mean()
    assert as_709 < 2.5 and as_709 < as_601
