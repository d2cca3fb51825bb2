"""One score per frame from its features: the weights live here, and only here. Pure.

Each feature is first mapped to a 0-1 *term* (1 = as good as it gets for a thumbnail), then the
score is the weighted sum of the terms; penalties have negative weights. A typical good frame
scores about 3-4; a black frame or a title card below 0.
"""

from __future__ import annotations

import math

from catalog.frames.features import TARGET_BRIGHTNESS, FrameFeatures

WEIGHTS: dict[str, float] = {
    # Exposure matters most: a dark or blown-out frame is unusable at card size whatever else it has.
    "exposure": 1.5,
    # A blurred frame (motion, focus pull, fade) looks like a mistake in a thumbnail.
    "sharpness": 1.5,
    # Cards are small and seen at a glance: contrast keeps the image legible.
    "contrast": 0.7,
    # Colour draws the eye in a row of cards, but a muted frame can still be a fine still.
    "colourfulness": 0.6,
    # Faces are what artwork that gets clicked tends to show; a face that fills part of the frame
    # counts more than a crowd of tiny ones (term: share of the frame the faces cover).
    "faces": 1.2,
    # The subject on a power point of the rule of thirds leaves room for the title treatment.
    "thirds": 0.4,
    # Penalty: a frame mostly black (fades, night shots with nothing lit) shows nothing. Letterbox
    # bars alone (up to a quarter of the frame) are not penalised.
    "black": -3.0,
    # Penalty: titles, credits and captions compete with the card's own title text.
    "text": -2.0,
}

# Where each term saturates (reaches 1): the value of the raw feature that is "good enough".
SHARPNESS_HALF = 100.0  # Laplacian variance at which the sharpness term is 0.5 (crisp frames: 200-2,000)
CONTRAST_FULL = 0.22  # RMS contrast of a well-lit scene with a clear subject
COLOURFULNESS_FULL = 80.0  # "highly colourful" on Hasler and Süsstrunk's scale
FACE_AREA_FULL = 0.06  # a face box covering 6% of the frame: a medium close-up at card size
BLACK_ALLOWED = 0.25  # letterboxing
TEXT_FULL = 0.06  # a few lines of credits


def score_terms(features: FrameFeatures) -> dict[str, float]:
    """Each feature as a 0-1 term (higher is more of what the weight rewards or penalises)."""
    exposure = max(0.0, 1.0 - abs(features.brightness - TARGET_BRIGHTNESS) / TARGET_BRIGHTNESS)
    return {
        "exposure": exposure * (1.0 - features.clipped),
        "sharpness": features.sharpness / (features.sharpness + SHARPNESS_HALF),
        "contrast": min(1.0, features.contrast / CONTRAST_FULL),
        "colourfulness": min(1.0, features.colourfulness / COLOURFULNESS_FULL),
        "faces": min(1.0, features.face_area / FACE_AREA_FULL) if features.faces else 0.0,
        "thirds": features.thirds,
        "black": max(0.0, (features.black - BLACK_ALLOWED) / (1.0 - BLACK_ALLOWED)),
        "text": min(1.0, features.text / TEXT_FULL),
    }


def frame_score(features: FrameFeatures) -> float:
    """The weighted sum of the terms."""
    terms = score_terms(features)
    total = math.fsum(WEIGHTS[name] * value for name, value in terms.items())
    return round(total, 4)
