from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.forms import ArtworkForm
from catalog.models import Artwork
from tests.factories import image_bytes, make_title

pytestmark = pytest.mark.django_db


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims a huge canvas: the shape of a decompression bomb."""
    raw = image_bytes(size=(1, 1), fmt="PNG")
    ihdr_start = 8 + 4  # signature, then the IHDR chunk's length field
    body = b"IHDR" + struct.pack(">II", width, height) + raw[ihdr_start + 12 : ihdr_start + 17]
    chunk = body + struct.pack(">I", zlib.crc32(body))
    return raw[:ihdr_start] + chunk + raw[ihdr_start + len(chunk) :]


def form_for(payload: bytes, name: str = "art.png", **data) -> ArtworkForm:
    title = make_title("Uploaded", themes=())
    upload = SimpleUploadedFile(name, payload, content_type="image/png")
    return ArtworkForm(
        data={"title": title.pk, "theme": "Romance ", "is_active": True, **data}, files={"original": upload}
    )


def test_a_real_image_is_accepted_and_the_theme_normalised():
    form = form_for(image_bytes(size=(1200, 675)))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["theme"] == "romance"
    assert form.cleaned_data["original"].checked_image.format == "PNG"


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"this is not an image at all", "notes.png", "not an image Pillow can read"),
        (image_bytes(fmt="GIF"), "anim.gif", "GIF images are not accepted"),
        (image_bytes(size=(300, 200)), "small.png", "at least 480×270"),
        (image_bytes(size=(800, 450), fmt="JPEG")[:600], "cut.jpg", "damaged or truncated"),
        (png_claiming(10_000, 5_000), "big.png", "50 megapixels"),
        (png_claiming(40_000, 40_000), "bomb.png", "decompression bomb"),
        (b"", "empty.png", "empty"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(payload, name, message):
    form = form_for(payload, name=name)
    assert not form.is_valid()
    assert message in " ".join(form.errors["original"])


def test_an_upload_over_the_byte_limit_is_refused_before_decoding(settings):
    settings.ARTWORK_MAX_UPLOAD_BYTES = 2_000
    form = form_for(image_bytes(size=(1200, 675), fmt="BMP"))
    assert not form.is_valid()
    assert "the limit is 0.0 MB" in " ".join(form.errors["original"])


def test_staff_upload_in_the_admin_makes_renditions_from_the_upload(admin_client, django_capture_on_commit_callbacks):
    title = make_title("Upload Me", themes=("drama",))
    upload = SimpleUploadedFile("poster.jpg", image_bytes(size=(1600, 900), fmt="JPEG", color=(10, 200, 40)))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:catalog_artwork_add"),
            {"title": title.pk, "theme": "action", "is_active": "on", "original": upload},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    artwork = Artwork.objects.get(title=title, theme="action")
    assert artwork.source == Artwork.Source.UPLOADED
    with artwork.card.open("rb") as handle, Image.open(handle) as card:
        assert card.size == Artwork.CARD_SIZE
        r, g, b = card.convert("RGB").getpixel((240, 135))
        assert g > 150 and r < 60 and b < 90  # cut from the green upload, not drawn from the theme
    with artwork.hero.open("rb") as handle, Image.open(handle) as hero:
        assert hero.size == Artwork.HERO_SIZE


def test_a_bomb_uploaded_in_the_admin_shows_the_error_and_saves_nothing(admin_client):
    title = make_title("Bombed", themes=())
    upload = SimpleUploadedFile("bomb.png", png_claiming(40_000, 40_000), content_type="image/png")

    response = admin_client.post(
        reverse("admin:catalog_artwork_add"), {"title": title.pk, "theme": "action", "original": upload}
    )

    assert response.status_code == 200
    assert "decompression bomb" in response.content.decode()
    assert not Artwork.objects.filter(title=title).exists()


def test_png_claiming_really_claims_the_size():
    # The helper above must produce what it says, or the bomb tests prove nothing.
    with Image.open(io.BytesIO(png_claiming(10_000, 5_000))) as image:
        assert image.size == (10_000, 5_000)


def test_a_theme_outside_the_vocabulary_is_refused():
    form = form_for(image_bytes(size=(1200, 675)), theme="moody vibes")
    assert not form.is_valid()
    assert "is not a theme" in " ".join(form.errors["theme"])


def png_with_text(text: str, size=(800, 450)) -> bytes:
    """A real PNG carrying `text` in a tEXt chunk (what a browser sniffing for HTML would find)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 40, 200)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def test_an_upload_named_html_with_a_script_inside_is_stored_and_served_as_a_clean_png(admin_client, settings):
    settings.SERVE_MEDIA = True
    title = make_title("Scripted", themes=())
    payload = png_with_text("<script>alert(document.domain)</script>")
    upload = SimpleUploadedFile("x.html", payload, content_type="text/html")

    admin_client.post(
        reverse("admin:catalog_artwork_add"),
        {"title": title.pk, "theme": "romance", "is_active": "on", "original": upload},
    )

    artwork = Artwork.objects.get(title=title)
    assert artwork.original.name.endswith(".png") and ".html" not in artwork.original.name
    stored = artwork.original.read()
    assert b"<script>" not in stored and Image.open(io.BytesIO(stored)).size == (800, 450)
    response = admin_client.get(f"{settings.MEDIA_URL}{artwork.original.name}")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
