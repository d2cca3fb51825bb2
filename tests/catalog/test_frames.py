"""The pure frame pipeline: features against independent computations, the picker on a generated
video with known good and bad shots, sampling, and every refusal of a bad file."""

from __future__ import annotations

import math
import zipfile

import av
import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from catalog.frames import InvalidMedia, SamplingPlan, StillLimits, check_source, propose_from_file, suggest_themes
from catalog.frames.features import (
    SALIENCY_WIDTH,
    FrameFeatures,
    colourfulness,
    frame_features,
    laplacian_variance,
    saliency_centroid,
    thirds_score,
)
from catalog.frames.picker import NEAR_DUPLICATE_BITS, ScoredFrame, hamming, perceptual_hash, pick, score_all
from catalog.frames.scoring import WEIGHTS, frame_score, score_terms
from catalog.frames.stills import check_stills, stills_samples
from catalog.frames.synthetic import film, scene, write_video
from catalog.frames.video import _Cut, _cut_times, video_frame, video_samples
from tests.frame_media import (
    GOOD,
    SHOT_S,
    SIZE,
    near_copy,
    png,
    shot_at,
    shots,
    stills_zip,
    text_card,
    write_empty_video,
    zip_bytes,
)
from tests.frame_media import write_test_video as write_video_of_shots

NO_EXTRAS = SamplingPlan(cut_extra_share=0)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_video_of_shots(tmp_path_factory.mktemp("frames") / "shots.mp4")


# Features against independent computations ---------------------------------------------------


def test_sharpness_is_the_variance_of_a_direct_laplacian_convolution():
    gray = np.random.default_rng(0).integers(0, 256, (23, 31)).astype(np.uint8)
    padded = np.pad(gray.astype(np.float64), 1, mode="reflect")  # numpy's reflect = OpenCV's REFLECT_101
    laplacian = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * padded[1:-1, 1:-1]
    assert laplacian_variance(gray) == pytest.approx(laplacian.var(), rel=1e-9)


def test_colourfulness_matches_hasler_and_susstrunk_by_hand():
    pixels = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128)]
    rg = [r - g for r, g, _ in pixels]  # 255, -255, 0, 0
    yb = [(r + g) / 2 - b for r, g, b in pixels]  # 127.5, 127.5, -255, 0
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    var = lambda xs: sum((x - mean(xs)) ** 2 for x in xs) / len(xs)  # noqa: E731
    expected = math.sqrt(var(rg) + var(yb)) + 0.3 * math.sqrt(mean(rg) ** 2 + mean(yb) ** 2)
    image = np.array(pixels, dtype=np.uint8).reshape(2, 2, 3)
    assert colourfulness(image) == pytest.approx(expected, rel=1e-6)
    assert colourfulness(np.full((4, 4, 3), 90, np.uint8)) == 0.0  # grey has no colour


def test_exposure_contrast_and_black_are_read_off_the_luma():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, 5:] = 255  # half black, half white
    features = frame_features(image)
    assert features.brightness == pytest.approx(0.5, abs=0.01)
    assert features.contrast == pytest.approx(0.5, abs=0.01)  # std of {0, 1} in equal shares
    assert features.black == pytest.approx(0.5)
    assert features.clipped == pytest.approx(1.0)  # every pixel crushed or blown


def test_saliency_is_hou_and_zhangs_spectral_residual_and_finds_the_odd_one_out():
    rng = np.random.default_rng(1)
    gray = np.full((180, 320), 110, np.uint8) + rng.integers(0, 6, (180, 320), dtype=np.uint8)
    cv2.circle(gray, (250, 50), 14, 250, -1)  # one bright disc, top right

    # Reference with numpy's complex FFT, straight from the paper: exp(R(f) + i P(f)), R = L - h * L.
    small = cv2.resize(gray, (SALIENCY_WIDTH, 36), interpolation=cv2.INTER_AREA).astype(np.float64)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2.5)
    weights = np.maximum(saliency - saliency.mean(), 0)
    ys, xs = np.mgrid[0:36, 0:SALIENCY_WIDTH]
    expected = ((weights * (xs + 0.5)).sum() / weights.sum() / 64, (weights * (ys + 0.5)).sum() / weights.sum() / 36)

    assert saliency_centroid(gray) == pytest.approx(expected, abs=1e-5)
    x, y = saliency_centroid(gray)
    assert x > 0.6 and y < 0.45  # drawn towards the disc at (0.78, 0.28)


def test_the_thirds_term_is_one_on_a_power_point_and_falls_away_from_it():
    assert thirds_score((1 / 3, 2 / 3)) == pytest.approx(1.0)
    assert thirds_score((0.5, 0.5)) < thirds_score((0.4, 0.4)) < 1.0
    assert thirds_score((0.0, 0.0)) < 0.05


def test_credits_read_as_text_and_scenes_do_not():
    assert frame_features(text_card((320, 180))).text > 0.1
    for seed in (1, 2, 3):
        assert frame_features(scene(seed)).text < 0.02


def test_drawn_scenes_have_no_faces():
    assert frame_features(scene(5)).faces == 0


ASTRONAUT_FACE = (177, 66, 95, 95)  # the portrait's face box (x, y, w, h) at its 512 px


@pytest.mark.parametrize("centre", [(0.3, 0.4), (0.45, 0.6), (0.5, 0.5), (0.62, 0.37), (0.7, 0.55), (0.38, 0.63)])
def test_a_photographed_face_a_quarter_of_the_frame_high_is_found_wherever_it_sits(centre):
    """scikit-image's astronaut, scaled so her face is 25% of a 720p frame's height, pasted over its
    rocket photograph, then measured on the 320x180 analysis frame as the pipeline does."""
    frame = cv2.resize(skimage_data.rocket(), (1280, 720), interpolation=cv2.INTER_AREA)
    x, y, w, h = ASTRONAUT_FACE
    scale = 0.25 * 720 / h
    portrait = cv2.resize(skimage_data.astronaut(), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    left, top = round(centre[0] * 1280 - (x + w / 2) * scale), round(centre[1] * 720 - (y + h / 2) * scale)
    visible = portrait[max(0, -top) : 720 - top, max(0, -left) : 1280 - left]
    frame[max(0, top) : max(0, top) + visible.shape[0], max(0, left) : max(0, left) + visible.shape[1]] = visible
    small = cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA)

    features = frame_features(small)

    assert features.faces == 1
    pasted_share = (0.25 * 720) ** 2 / (1280 * 720)  # the face box's share of the frame: 0.035
    assert pasted_share / 2 < features.face_area < pasted_share * 2
    background = cv2.resize(skimage_data.rocket(), (320, 180), interpolation=cv2.INTER_AREA)
    assert frame_features(background).faces == 0


def test_the_score_is_the_documented_weighted_sum_of_the_terms():
    features = FrameFeatures(
        brightness=0.45, clipped=0.1, sharpness=100.0, contrast=0.11, colourfulness=40.0,
        faces=1, face_area=0.03, thirds=0.5, black=0.625, text=0.03,
    )  # fmt: skip
    terms = score_terms(features)
    assert terms == pytest.approx(
        {"exposure": 0.9, "sharpness": 0.5, "contrast": 0.5, "colourfulness": 0.5, "faces": 0.5,
         "thirds": 0.5, "black": 0.5, "text": 0.5}
    )  # fmt: skip
    expected = 0.9 * WEIGHTS["exposure"] + 0.5 * sum(w for name, w in WEIGHTS.items() if name != "exposure")
    assert frame_score(features) == pytest.approx(expected, abs=1e-4)


def test_a_near_copy_hashes_close_and_other_scenes_far():
    original = scene(12, SIZE)
    assert hamming(perceptual_hash(original), perceptual_hash(near_copy(original))) <= NEAR_DUPLICATE_BITS
    others = [perceptual_hash(scene(seed, SIZE)) for seed in (11, 13, 14, 21, 22)]
    assert min(hamming(perceptual_hash(original), other) for other in others) > 2 * NEAR_DUPLICATE_BITS


# The picker on a video with known shots ----------------------------------------------------------


def test_the_good_shots_rank_first_and_the_duplicates_are_dropped(video):
    proposal = propose_from_file(video, plan=NO_EXTRAS)

    assert proposal.frames_scored == len(shots())  # one sample per 2-second shot
    assert proposal.duplicates_dropped == 2  # the exact copy of good-1 and the near copy of good-2
    names = [shot_at(frame.time_s) for frame in proposal.proposed]
    assert {name.removeprefix("copy-of-").removeprefix("near-copy-of-") for name in names[:4]} == set(GOOD)
    assert len(names) == len(set(names))
    assert not {"black", "credits", "underexposed", "overexposed"} & set(names)
    assert [f.score for f in proposal.proposed] == sorted((f.score for f in proposal.proposed), reverse=True)


def test_every_shot_of_the_video_is_sampled_once_in_time_order(video):
    samples = list(video_samples(video, NO_EXTRAS))
    assert [s.time_s for s in samples] == [float(SHOT_S * i) for i in range(len(shots()))]
    assert samples[0].image.shape == (180, 320, 3)


def test_a_short_shot_between_two_samples_is_found_at_the_cut(tmp_path):
    a, hidden, b = scene(41, SIZE), scene(42, SIZE), scene(43, SIZE)
    # 4 s of a, 2 s of `hidden`, 2 s of b; samples every 4 s (at the keyframes at 2 s and 6 s) miss `hidden`.
    path = write_video_of_shots(tmp_path / "cut.mp4", shot_list=[("a", a), ("a", a), ("hidden", hidden), ("b", b)])
    hidden_hash = perceptual_hash(np.asarray(Image.fromarray(hidden).resize((320, 180))))

    def finds_hidden(plan: SamplingPlan) -> bool:
        return any(
            hamming(perceptual_hash(s.image), hidden_hash) <= NEAR_DUPLICATE_BITS for s in video_samples(path, plan)
        )

    plan = SamplingPlan(min_spacing_s=3.0)
    assert not finds_hidden(SamplingPlan(min_spacing_s=3.0, cut_extra_share=0))
    assert finds_hidden(plan)


def test_with_more_shot_changes_than_extras_the_biggest_changes_get_them_wherever_they_are():
    # Six shot changes between samples 2 s apart, the biggest two at the end; room for three extras.
    cuts = [
        _Cut(0.0, 2.0, 0.9),
        _Cut(2.0, 4.0, 0.6),
        _Cut(4.0, 6.0, 0.7),
        _Cut(6.0, 8.0, 0.55),
        _Cut(20.0, 22.0, 0.95),
        _Cut(22.0, 24.0, 1.0),
    ]
    keyframes = [0.0, 2.0, 4.0, 6.0, 8.0, 20.0, 21.0, 22.0, 24.0]  # the encoder put one at a cut at 21 s
    taken = {0.0, 2.0, 4.0, 6.0, 8.0, 20.0, 22.0, 24.0}  # the samples' own times
    assert _cut_times(cuts, keyframes, taken, budget=3) == [1.0, 21.0, 23.0]
    assert _cut_times(cuts, keyframes, taken, budget=10) == [1.0, 3.0, 5.0, 7.0, 21.0, 23.0]
    assert _cut_times(cuts, keyframes, taken, budget=0) == []


def test_decoding_without_the_deblocking_filter_leaves_the_scores_and_their_order(tmp_path):
    """The sampler skips H.264's deblocking filter (ANALYSIS_DECODER_OPTIONS): it must not matter.

    On a grainy, panning film encoded at low quality (crf 30: the filter works hardest there), sampled
    every 0.5 s so frames reached by decoding forward from a keyframe (where skipped deblocking
    carries over from frame to frame) are compared as well as keyframes. Tolerances, from measuring
    crf 23 to 36: a score moves by at most 0.05 (scores of good frames are 3-4), sharpness by 10%,
    the perceptual hash by 3 bits of 64 (a duplicate is 10 or fewer); the order of the frames by score
    stays almost the same (rank correlation 0.98 or more; frames within 0.05 of each other may swap).
    """
    path = write_video(
        tmp_path / "grainy.mp4",
        film(12, size=(640, 360), fps=12, seed=3),
        fps=12,
        gop=24,
        options={"preset": "veryfast", "crf": "30"},
    )
    exact = score_all(video_samples(path, SamplingPlan(min_spacing_s=0.5, fast_decode=False)))
    fast = score_all(video_samples(path, SamplingPlan(min_spacing_s=0.5)))

    assert [f.time_s for f in fast] == [f.time_s for f in exact]
    with av.open(str(path)) as container:
        keyframes = {round(float(p.pts * p.time_base), 3) for p in container.demux(video=0) if p.is_keyframe}
    assert len(exact) >= 20 and len({f.time_s for f in exact} - keyframes) >= 5  # not keyframes only
    for a, b in zip(exact, fast, strict=True):
        assert b.score == pytest.approx(a.score, abs=0.05)
        assert b.features.sharpness == pytest.approx(a.features.sharpness, rel=0.10)
        for name in ("brightness", "contrast", "black", "clipped", "thirds", "text"):
            assert getattr(b.features, name) == pytest.approx(getattr(a.features, name), abs=0.05)
        assert b.features.colourfulness == pytest.approx(a.features.colourfulness, rel=0.01)
        assert b.features.faces == a.features.faces
        assert hamming(a.phash, b.phash) <= 3
    ranks = [np.argsort(np.argsort([f.score for f in frames])) for frames in (exact, fast)]
    assert np.corrcoef(*ranks)[0, 1] >= 0.98


def test_a_proposed_frame_is_read_back_at_full_resolution(video):
    image = video_frame(video, 8.0)
    assert image.size == SIZE
    expected = dict(shots())["good-3"]
    assert np.abs(np.asarray(image).astype(int) - expected).mean() < 6  # the same picture, through H.264


def test_webm_and_mkv_are_read_too(tmp_path):
    shot_list = shots()[:3]
    for name in ("shots.webm", "shots.mkv"):
        path = write_video_of_shots(tmp_path / name, shot_list=shot_list, codec="libvpx-vp9")
        assert check_source(path).kind == "video"
        assert len(list(video_samples(path, NO_EXTRAS))) == 3


def test_themes_follow_the_faces_else_the_titles_themes_in_turn():
    def frame(faces: int, area: float) -> ScoredFrame:
        features = FrameFeatures(0.4, 0, 200, 0.2, 50, faces, area, 0.5, 0, 0)
        return ScoredFrame(1.0, "", 3.0, features, 0)

    frames = [frame(0, 0), frame(4, 0.1), frame(1, 0.2), frame(0, 0), frame(1, 0.01), frame(0, 0)]
    assert suggest_themes(frames, ["romance", "drama"]) == [
        "romance", "ensemble cast", "character close-up", "drama", "romance", "drama",
    ]  # fmt: skip


# Stills --------------------------------------------------------------------------------------------


def test_a_zip_of_stills_is_scored_like_frames_and_its_duplicates_dropped(tmp_path):
    path = tmp_path / "stills.zip"
    path.write_bytes(stills_zip())

    assert check_stills(path) == [
        "stills/a.png",
        "stills/b.png",
        "stills/c-again.png",
        "stills/c.png",
        "stills/soft.png",
    ]
    proposal = propose_from_file(path)
    assert proposal.frames_scored == 5
    assert proposal.duplicates_dropped == 1
    assert {f.name for f in proposal.proposed} >= {"stills/a.png", "stills/b.png"}
    assert proposal.proposed[-1].name == "stills/soft.png" or "stills/soft.png" not in {
        f.name for f in proposal.proposed
    }
    assert all(f.time_s is None for f in proposal.proposed)


# Refusals ----------------------------------------------------------------------------------------


def _truncated(video_path, tmp_path):
    payload = video_path.read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(payload[: len(payload) // 2])
    return path


def _faststart_truncated(tmp_path):
    full = tmp_path / "full.mkv"
    write_video_of_shots(full, shot_list=shots()[:6])
    path = tmp_path / "cut.mkv"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    return path


def _image(tmp_path):
    path = tmp_path / "poster.png"
    path.write_bytes(png(scene(1, SIZE)))
    return path


def _gif_video(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.fromarray(scene(s, SIZE)) for s in (1, 2)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=500)
    return path


def _small_video(tmp_path):
    return write_video_of_shots(tmp_path / "small.mp4", shot_list=[("s", scene(1, (320, 180)))])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda v, t: (t / "notes.mp4").write_text("not a video at all") and t / "notes.mp4",
            "not a video we accept",
        ),
        (  # FFmpeg would open the playlist's entries (files, URLs) if it were allowed to probe
            lambda v, t: (t / "list.mp4").write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n") and t / "list.mp4",
            "not a video we accept",
        ),
        (lambda v, t: (t / "zero.mp4").write_bytes(b"") or t / "zero.mp4", "The file is empty"),
        (lambda v, t: _truncated(v, t), "damaged or truncated"),
        (lambda v, t: _faststart_truncated(t), "truncated"),
        (lambda v, t: write_empty_video(t / "empty.mp4"), "zero-length video"),
        (lambda v, t: _image(t), "not a video we accept"),
        (lambda v, t: _gif_video(t), "not a video we accept"),
        (lambda v, t: _small_video(t), "at least 480×270"),
    ],
    ids=["text", "playlist", "empty", "truncated", "truncated-mkv", "no-frames", "image", "gif", "small"],
)
def test_a_file_that_is_not_a_complete_video_is_refused(video, tmp_path, make, message):
    path = make(video, tmp_path)
    with pytest.raises(InvalidMedia, match=message):
        check_source(path)


def _zip(tmp_path, members, **kwargs):
    path = tmp_path / "stills.zip"
    path.write_bytes(zip_bytes(members, **kwargs))
    return path


GOOD_PNG = png(scene(3, SIZE))


@pytest.mark.parametrize(
    ("members", "limits", "message"),
    [
        ({"a.png": GOOD_PNG, "notes.txt": b"hello"}, None, "notes.txt” in the zip is not a usable still"),
        ({"../../etc/cron.d/x.png": GOOD_PNG}, None, "unsafe file name"),
        ({"/abs/x.png": GOOD_PNG}, None, "unsafe file name"),
        ({"C:\\\\x.png": GOOD_PNG}, None, "unsafe file name"),
        ({"a.png": png(scene(3, (300, 200)))}, None, "at least 480×270"),
        ({"bomb.png": b"\0" * 5_000_000}, None, "refused as a zip bomb"),
        ({"a.png": GOOD_PNG, "b.png": GOOD_PNG}, StillLimits(max_members=1), "the limit is 1 stills"),
        ({"a.png": GOOD_PNG}, StillLimits(max_member_bytes=1000), "the limit is 0.0 MB a still"),
        ({"a.png": GOOD_PNG, "b.png": GOOD_PNG}, StillLimits(max_total_bytes=len(GOOD_PNG) + 1), "expands to"),
        ({"__MACOSX/._a.png": b"x", "folder/": b""}, None, "holds no stills"),
    ],
    ids=["non-image", "traversal", "absolute", "drive", "small", "bomb", "members", "member-size", "total", "empty"],
)
def test_a_bad_zip_of_stills_is_refused(tmp_path, members, limits, message):
    path = _zip(tmp_path, members)
    with pytest.raises(InvalidMedia, match=message):
        check_source(path, limits=limits)
    with pytest.raises(InvalidMedia, match=message):
        list(stills_samples(path, limits))


def test_a_member_larger_than_its_header_says_is_refused(tmp_path):
    path = _zip(tmp_path, {"a.png": GOOD_PNG}, compression=zipfile.ZIP_STORED)
    payload = bytearray(path.read_bytes())
    # Lower the declared size in both headers: reading must stop at the limit, not trust them.
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("a.png")
    limits = StillLimits(max_member_bytes=info.file_size - 1)
    with pytest.raises(InvalidMedia, match=r"a\.png"):
        check_stills(path, limits)
    assert payload  # the archive itself is intact


def test_scoring_reports_progress_for_every_frame(video):
    seen = []
    frames = score_all(video_samples(video, NO_EXTRAS), progress=seen.append)
    assert seen == list(range(1, len(frames) + 1))


def test_dense_sampling_reads_a_complete_video_to_its_last_frame(video):
    """Samples close together are reached by decoding forward; near the end an earlier sample can come
    out of the decoder's final flush, which leaves the decoder empty at the end of the file. The
    next sample must seek back for its frame, not call a complete video truncated (it did)."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        last = max(float(p.pts * p.time_base) for p in container.demux(stream) if p.pts is not None)
    times = [s.time_s for s in video_samples(video, SamplingPlan(min_spacing_s=0.5, cut_extra_share=0))]
    assert times == sorted(set(times)) and times[-1] == pytest.approx(last)


def test_pick_refuses_a_k_below_one():
    with pytest.raises(ValueError, match="k must be at least 1"):
        pick([], k=0)
