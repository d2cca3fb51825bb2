"""Reading frames from a video with PyAV (FFmpeg): a quick probe for uploads, and samples spread
over the whole video. Pure: paths in, numpy frames out.

Sampling never decodes the whole video and never holds more than the frame in hand:

1. An index pass reads the packets (no decoding) for the keyframes' times and the true duration.
2. Sample times are spread evenly (`SamplingPlan`: one a second for a short video, at most
   `max_samples`, so a feature film gets several hundred). A time with a keyframe close by takes
   the keyframe: decoding it needs nothing else, and encoders put keyframes at shot changes. Any
   other time is reached by seeking to the keyframe before it and decoding forward; samples close
   together are decoded forward without seeking again.
3. Shot changes: when two consecutive samples' colour histograms differ a lot, a shot began in
   between; an extra sample is taken there (the keyframe the encoder put at the cut, else the
   midpoint), up to a share of the regular samples. When a video has more shot changes than that,
   the biggest changes get them, wherever they are in the video.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import av
import cv2
import numpy as np
from PIL import Image

from catalog.frames.errors import InvalidMedia
from catalog.frames.features import ANALYSIS_WIDTH, analysis_size
from catalog.frames.yuv import analysis_rgb

# FFmpeg's demuxers for the containers we accept (`_sniff` picks one from the file's first bytes).
ACCEPTED_CONTAINERS: dict[str, str] = {"mov": "MP4/MOV", "matroska": "WebM/MKV"}
ACCEPTED_LABEL = "an MP4, WebM or MKV video, or a zip of JPEG/PNG/WebP stills"
HISTOGRAM_BINS = 8  # per RGB channel, for shot-change detection
DECODE_CHUNK = 8  # consecutive sample times one decoder thread takes per turn
# Decoding for analysis only (never for the full-resolution frame of a proposal), FFmpeg may skip
# the deblocking filter: it smooths block edges of a few pixels, which the 4x smaller analysis frame
# averages away, and it costs 8% of decoding a 720p keyframe (16% of reaching a frame by decoding
# forward from one). Scores move by under 0.05 (tests/catalog/test_frames.py compares features with
# and without). FFmpeg's `fast` flag changes no pixel of H.264 and saves another 2%. (A VP9 video
# decodes to the same pixels with or without both: measured on a WebM at crf 40.)
ANALYSIS_DECODER_OPTIONS = {"skip_loop_filter": "all"}
FORWARD_WITHOUT_INDEX_S = 2.0  # without a keyframe index, decode on rather than seek this far ahead


@dataclass(frozen=True)
class SamplingPlan:
    """How densely to sample a video; the defaults suit anything from a trailer to a feature film."""

    max_samples: int = 480  # several hundred for a feature film: one every ~15 s over two hours
    min_spacing_s: float = 2.0  # a short video: one every two seconds (about a shot's length)
    keyframe_share: float = 0.5  # take a keyframe this close to a sample time (share of the spacing)
    cut_extra_share: float = 0.25  # extra samples at shot changes, at most this share of the regular ones
    cut_distance: float = 0.5  # Bhattacharyya distance of colour histograms that marks a shot change
    analysis_width: int = ANALYSIS_WIDTH
    decoders: int = 2  # threads decoding in turns (decoding a 720p keyframe costs 3-4x scoring it)
    fast_decode: bool = True  # ANALYSIS_DECODER_OPTIONS (False: decode exactly, for comparisons)


@dataclass(frozen=True)
class Sample:
    """One frame to score: its time in the video (None for a still), a name, the small RGB image."""

    time_s: float | None
    name: str
    image: np.ndarray  # RGB uint8 (height, width, 3), `analysis_width` wide


@dataclass(frozen=True)
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    duration_s: float


@dataclass(frozen=True)
class _Index:
    duration_s: float
    keyframes: list[float]  # seconds from the stream's start, ascending


class _DecoderDrained(Exception):
    """Decoding forward found the decoder already flushed at the end of the file."""


class _Video:
    """An open video stream with times in seconds from its first frame."""

    def __init__(
        self,
        path: Path | str,
        *,
        keyframes: list[float] | None = None,
        skip_b_frames: bool = False,
        fast_decode: bool = False,
    ) -> None:
        self.skip_b_frames = skip_b_frames
        try:
            # The demuxer is chosen from the file's magic bytes, never by FFmpeg's probing: a probed
            # playlist or concat list would make FFmpeg open other files or URLs on our behalf.
            self.demuxer = _sniff(path)
            self.container = av.open(str(path), format=self.demuxer, metadata_errors="ignore")
        except av.FFmpegError as exc:
            raise InvalidMedia(
                f"The file is not a video we can read, or it is damaged or truncated ({_reason(exc)}). "
                f"Upload {ACCEPTED_LABEL}."
            ) from None
        try:
            self._check_container()
        except BaseException:
            self.container.close()
            raise
        self.stream = self.container.streams.video[0]
        codec = self.stream.codec_context
        if fast_decode:
            # The sampler's own decoder threads keep the cores busy: FFmpeg's threads would only add
            # work (frame threads) or idle (slice threads: streaming encodes have one slice a frame).
            codec.thread_type = "NONE"
            codec.thread_count = 1
            codec.options = dict(ANALYSIS_DECODER_OPTIONS)
            codec.flags2 |= av.codec.context.Flags2.fast
        else:
            # Slice threads only: a single frame after a seek, where frame threads add work and no speed.
            codec.thread_type = "SLICE"
        self.base = self.stream.time_base
        # Python's int / int is correctly rounded: the same float as float(Fraction), ten times faster
        # (the index converts every packet's time).
        self._num, self._den = self.base.numerator, self.base.denominator
        self.start = self.stream.start_time or 0
        self.position: float | None = None  # time of the last decoded frame, while decoding forward
        self.keyframes: list[float] = keyframes or []  # known after `index()`

    def _check_container(self) -> None:
        if not self.container.streams.video:
            raise InvalidMedia("The file has no video stream: it is empty (a zero-length video) or audio only.")

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> _Video:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def seconds(self, pts: int) -> float:
        return (pts - self.start) * self._num / self._den

    @property
    def header_duration(self) -> float:
        if self.stream.duration:
            return float(self.stream.duration * self.base)
        if self.container.duration:
            return self.container.duration / av.time_base
        return 0.0

    def index(self) -> _Index:
        """Keyframe times and the duration from the packets, without decoding any."""
        keyframes: list[float] = []
        end = 0.0
        try:
            for packet in self.container.demux(self.stream):
                if packet.pts is None or packet.size == 0:
                    continue
                time = self.seconds(packet.pts)
                if packet.is_keyframe:
                    keyframes.append(time)
                end = max(end, time + (packet.duration or 0) * self._num / self._den)
        except av.FFmpegError as exc:
            raise InvalidMedia(f"The video is damaged: its packets cannot be read ({_reason(exc)}).") from None
        if not keyframes:
            raise InvalidMedia("The video is empty: it has no frames.")
        keyframes.sort()
        self.position = None
        self.keyframes = keyframes
        return _Index(duration_s=end, keyframes=keyframes)

    def frame_at(self, time_s: float) -> av.VideoFrame | None:
        """The first frame at or after `time_s` (None past the end), seeking only when it must."""
        if self._decoding_forward_is_cheaper(time_s):
            try:
                return self._decode_until(time_s)
            except _DecoderDrained:
                pass  # an earlier sample came out of the decoder's final flush: the frames after it went too
        self._seek(time_s)
        if self._is_keyframe(time_s):
            return self._keyframe_alone(time_s)
        return self._decode_until(time_s)

    def _seek(self, time_s: float) -> None:
        # round(), not int(): a keyframe's time converts back to exactly its pts, not one tick before it.
        self.container.seek(self.start + round(max(0.0, time_s) / self.base), stream=self.stream, backward=True)
        self.position = None

    def _decode_until(self, time_s: float) -> av.VideoFrame | None:
        # A sampler may land on the first reference frame at or after the time: skipping the B-frames
        # on the way (nothing refers to them) halves the cost of reaching a time between keyframes.
        codec = self.stream.codec_context
        forward = self.position is not None  # decoding on from an earlier sample, not from a seek
        codec.skip_frame = "NONREF" if self.skip_b_frames else "DEFAULT"
        try:
            for frame in self.container.decode(self.stream):
                if frame.pts is None:
                    continue
                self.position = self.seconds(frame.pts)
                if self.position >= time_s - 1e-3:
                    return frame
        except av.FFmpegError as exc:
            if forward and isinstance(exc, av.EOFError):
                # The demuxer is at the end and the decoder was already flushed (a sample taken from its
                # last frames, by B-frame reordering, left the rest behind): only a seek brings them back.
                raise _DecoderDrained from None
            raise InvalidMedia(f"The video is damaged or truncated near {_clock(time_s)} ({_reason(exc)}).") from None
        finally:
            codec.skip_frame = "DEFAULT"
        self.position = None
        return None

    def _is_keyframe(self, time_s: float) -> bool:
        i = bisect.bisect_left(self.keyframes, time_s - 1e-6)
        return i < len(self.keyframes) and abs(self.keyframes[i] - time_s) <= 1e-6

    def _keyframe_alone(self, time_s: float) -> av.VideoFrame | None:
        """Decode only the keyframe the seek landed on, then drain the decoder: without the drain it
        holds the keyframe back until it has decoded the next frames too (B-frame reordering), which
        costs about a fifth more per sample."""
        codec = self.stream.codec_context
        try:
            packet = next((p for p in self.container.demux(self.stream) if p.size), None)
            if packet is None:
                return None
            if not packet.is_keyframe or packet.pts is None or abs(self.seconds(packet.pts) - time_s) > 1e-3:
                self._seek(time_s)  # the demuxer landed elsewhere: decode the ordinary way
                return self._decode_until(time_s)
            frames = codec.decode(packet) or codec.decode(None)
            codec.flush_buffers()
        except av.FFmpegError as exc:
            raise InvalidMedia(f"The video is damaged or truncated near {_clock(time_s)} ({_reason(exc)}).") from None
        self.position = None  # the decoder starts afresh: the next sample seeks
        if not frames:
            return None
        frame = frames[0]
        frame.pts = packet.pts  # draining loses it
        return frame

    def _decoding_forward_is_cheaper(self, time_s: float) -> bool:
        """Decoding on from the current frame beats seeking when no keyframe lies in between
        (a seek would land on the keyframe at or before `time_s`, behind where we are)."""
        if self.position is None or time_s <= self.position:
            return False
        if not self.keyframes:
            return time_s - self.position <= FORWARD_WITHOUT_INDEX_S
        i = bisect.bisect_right(self.keyframes, time_s + 1e-6) - 1
        return i < 0 or self.keyframes[i] <= self.position + 1e-6


# Leading box types of MP4/MOV files (ISO BMFF), and Matroska's (WebM's) EBML magic number.
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def _sniff(path: Path | str) -> str:
    """FFmpeg's demuxer for the file, from its first bytes; InvalidMedia unless MP4/MOV or Matroska/WebM."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) >= 8 and head[4:8] in _MP4_BOXES:
        return "mov"
    if head.startswith(_EBML_MAGIC):
        return "matroska"
    raise InvalidMedia(f"The file is not a video we accept: upload {ACCEPTED_LABEL}.")


def probe_video(path: Path | str) -> VideoInfo:
    """Refuse a file that is not a readable, non-empty, complete video, quickly (for the upload form).

    Reads the first frame and one near the end the header promises: a truncated file has no frames there.
    """
    with _Video(path) as video:
        first = video.frame_at(0.0)
        if first is None:
            raise InvalidMedia("The video is empty: it has no frames.")
        duration = video.header_duration
        if duration <= 0:
            raise InvalidMedia("The video is empty: it has no duration.")
        near_end = max(0.0, duration - max(1.0, 0.02 * duration))
        if near_end > 0 and video.frame_at(near_end) is None:
            raise InvalidMedia(
                f"The video is truncated: it claims {_clock(duration)} but has no frames near the end. "
                "Upload the complete file."
            )
        return VideoInfo(
            container=ACCEPTED_CONTAINERS[video.demuxer],
            codec=video.stream.codec_context.name,
            width=first.width,
            height=first.height,
            duration_s=duration,
        )


def video_samples(
    path: Path | str, plan: SamplingPlan | None = None, *, planned: Callable[[int], None] | None = None
) -> Iterator[Sample]:
    """Samples spread over the whole video plus extras at shot changes, in two passes of ascending time.

    `planned(n)` is told the number of regular samples once the index is read (for progress).
    """
    plan = plan or SamplingPlan()
    with _Video(path) as video:
        index = video.index()
    spacing = max(plan.min_spacing_s, index.duration_s / plan.max_samples)
    count = max(1, min(plan.max_samples, math.floor(index.duration_s / spacing)))
    targets = [(i + 0.5) * index.duration_s / count for i in range(count)]
    times = _snap(targets, index.keyframes, plan.keyframe_share * spacing)
    if planned is not None:
        planned(len(times))
    cuts: list[_Cut] = []
    previous: tuple[float, np.ndarray] | None = None
    for sample in _decoded(path, times, index.keyframes, plan):
        yield sample
        histogram = colour_histogram(sample.image)
        if previous is not None:
            distance = histogram_distance(previous[1], histogram)
            if distance > plan.cut_distance:
                cuts.append(_Cut(previous[0], sample.time_s, distance))
        previous = (sample.time_s, histogram)
    budget = math.ceil(plan.cut_extra_share * count)
    yield from _decoded(path, _cut_times(cuts, index.keyframes, set(times), budget), index.keyframes, plan)


def _decoded(path: Path | str, times: list[float], keyframes: list[float], plan: SamplingPlan) -> Iterator[Sample]:
    """The samples at `times` (ascending), in order, up to the end of the video.

    `plan.decoders` threads decode in turns of DECODE_CHUNK consecutive times, each with its own
    container (FFmpeg releases the GIL, so they use both cores); at most two chunks per thread wait
    to be consumed, so memory stays bounded.
    """
    chunks = [times[i : i + DECODE_CHUNK] for i in range(0, len(times), DECODE_CHUNK)]
    workers = max(1, min(plan.decoders, len(chunks)))
    queues: list[queue.Queue] = [queue.Queue(maxsize=2) for _ in range(workers)]
    stop = threading.Event()

    def decode(worker: int) -> None:
        try:
            with _Video(path, keyframes=keyframes, skip_b_frames=True, fast_decode=plan.fast_decode) as video:
                for chunk in chunks[worker::workers]:
                    samples = []
                    for time in chunk:
                        frame = video.frame_at(time)
                        if frame is None:
                            break
                        samples.append(_sample(frame, video, plan.analysis_width))
                    if stop.is_set():
                        return
                    queues[worker].put(samples)
                    if len(samples) < len(chunk):
                        return
        except BaseException as exc:  # handed to the consumer
            queues[worker].put(exc)

    threads = [
        threading.Thread(target=decode, args=(w,), name=f"frame-decoder-{w}", daemon=True) for w in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        for number, chunk in enumerate(chunks):
            samples = queues[number % workers].get()
            if isinstance(samples, BaseException):
                raise samples
            yield from samples
            if len(samples) < len(chunk):
                return  # the video ended early
    finally:
        stop.set()
        for worker, thread in enumerate(threads):
            while thread.is_alive():  # unblock a decoder waiting on a full queue
                try:
                    queues[worker].get_nowait()
                except queue.Empty:
                    thread.join(timeout=0.05)


def video_frame(path: Path | str, time_s: float) -> Image.Image:
    """The full-resolution frame at `time_s` (as sampled), for the proposed candidates."""
    with _Video(path) as video:
        frame = video.frame_at(time_s)
        if frame is None:
            raise InvalidMedia(f"The video has no frame at {_clock(time_s)}.")
        return frame.to_image()


def _sample(frame: av.VideoFrame, video: _Video, width: int) -> Sample:
    # An area-averaging downscale: fair for measuring sharpness (no aliasing), and fast.
    image = analysis_rgb(frame, analysis_size(frame.width, frame.height, width))
    time = round(video.seconds(frame.pts), 3)
    return Sample(time_s=time, name=_clock(time), image=image)


def _snap(targets: list[float], keyframes: list[float], tolerance: float) -> list[float]:
    """Each target time, or the keyframe nearest to it when one lies within `tolerance`; distinct, ascending."""
    out: list[float] = []
    for target in targets:
        i = bisect.bisect_left(keyframes, target)
        nearby = [keyframes[j] for j in (i - 1, i) if 0 <= j < len(keyframes)]
        best = min(nearby, key=lambda k: abs(k - target), default=None)
        time = best if best is not None and abs(best - target) <= tolerance else target
        if not out or time > out[-1] + 1e-6:
            out.append(time)
    return out


class _Cut(NamedTuple):
    """A shot change between two consecutive samples, and how much the colours changed (0-1)."""

    before: float
    after: float
    distance: float


def _cut_times(cuts: list[_Cut], keyframes: list[float], taken: set[float], budget: int) -> list[float]:
    """One extra time per shot change (the encoder's keyframe inside the gap, else its midpoint), for the
    `budget` biggest changes: taking the first ones instead would leave the end of a film with many shot
    changes without any (bench/frames.py's 10-minute film has 119 for a budget of 75: the first 75 end
    at 6 minutes)."""
    out = []
    for cut in sorted(cuts, key=lambda cut: (-cut.distance, cut.before))[:budget]:
        inside = keyframes[bisect.bisect_right(keyframes, cut.before) : bisect.bisect_left(keyframes, cut.after)]
        inside = [k for k in inside if k not in taken]
        out.append(inside[0] if inside else (cut.before + cut.after) / 2)
    return sorted(out)


def colour_histogram(rgb: np.ndarray) -> np.ndarray:
    """A normalised 8x8x8 RGB histogram (float32), for comparing consecutive samples."""
    histogram = cv2.calcHist([rgb], [0, 1, 2], None, [HISTOGRAM_BINS] * 3, [0, 256] * 3)
    return histogram / max(float(histogram.sum()), 1.0)


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya distance: 0 for the same colours, 1 for none in common."""
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))


def _clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
