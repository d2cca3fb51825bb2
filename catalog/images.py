"""Pillow at the edges: validating uploaded artwork and cutting renditions from an original.

Everything here works on bytes and PIL images, so it is tested without Django.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIN_SIZE = (480, 270)  # an original smaller than a card would be upscaled and look blurred


class InvalidImage(ValueError):
    """The upload is not an acceptable image; the message is shown to the admin as is."""


@dataclass(frozen=True)
class CheckedImage:
    format: str
    width: int
    height: int


def check_upload(stream: BinaryIO, *, size: int, max_bytes: int, max_pixels: int) -> CheckedImage:
    """Refuse anything that is not a real, reasonably sized JPEG/PNG/WebP.

    The pixel count is read from the header and checked *before* decoding, so a decompression
    bomb (a tiny file that expands to gigapixels) is refused without allocating it.
    """
    if size > max_bytes:
        raise InvalidImage(f"The file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.")
    if size == 0:
        raise InvalidImage("The file is empty.")
    stream.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                width, height = image.size
                image_format = image.format or ""
                if image_format not in ALLOWED_FORMATS:
                    allowed = ", ".join(sorted(ALLOWED_FORMATS))
                    raise InvalidImage(f"{image_format or 'This'} images are not accepted; upload {allowed}.")
                if width * height > max_pixels:
                    raise InvalidImage(
                        f"The image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                        f"the limit is {max_pixels / 1e6:.0f} megapixels."
                    )
                image.verify()
            stream.seek(0)
            with Image.open(stream) as image:
                image.load()  # verify() skips pixel data; a truncated file only fails here
        except InvalidImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidImage("The image is too large to decode safely (a decompression bomb?).") from None
        except UnidentifiedImageError:
            raise InvalidImage("The file is not an image Pillow can read; upload a JPEG, PNG or WebP.") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidImage(f"The image is damaged or truncated ({exc}).") from None
        finally:
            stream.seek(0)
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise InvalidImage(f"The image is {width}×{height}; artwork must be at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.")
    return CheckedImage(image_format, width, height)


def reencode(stream: BinaryIO, checked: CheckedImage) -> tuple[bytes, str]:
    """The image's pixels alone, saved afresh in its own format, and that format's extension.

    Nothing of the uploaded file survives but the pixels (and ICC colour): no text chunks, comments or
    trailing bytes that a browser might read as HTML or script, and the name's extension is the
    format's, never the uploader's ("x.html").
    """
    stream.seek(0)
    with Image.open(stream) as image:
        image = ImageOps.exif_transpose(image)
        icc = image.info.get("icc_profile")
        if checked.format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        options = {"quality": 92} if checked.format in ("JPEG", "WEBP") else {"optimize": True}
        image.save(buffer, format=checked.format, **options, **({"icc_profile": icc} if icc else {}))
    stream.seek(0)
    return buffer.getvalue(), ALLOWED_FORMATS[checked.format]


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Centre-crop to the target aspect ratio and resize, honouring EXIF orientation."""
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def encode_jpeg(image: Image.Image, *, quality: int = 84) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
