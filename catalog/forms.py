from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile

from catalog.images import InvalidImage, check_upload, reencode
from catalog.models import Artwork
from catalog.themes import ALL_THEMES


class ArtworkForm(forms.ModelForm):
    """Artwork as edited in the admin: an uploaded original must pass Pillow's checks first."""

    class Meta:
        model = Artwork
        fields = ["title", "theme", "is_active", "is_default", "original"]
        # Our own Pillow checks give precise messages (a bomb, a wrong format); Django's
        # ImageField would answer every failure with the same generic one first.
        field_classes = {"original": forms.FileField}
        widgets = {
            "original": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            "theme": forms.Select(choices=[("", "---------"), *((t, t) for t in ALL_THEMES)]),
        }
        help_texts = {
            "original": "JPEG, PNG or WebP, at least 480×270; cropped to 16:9 for cards and the billboard.",
            "theme": "What this image plays up, e.g. “romance”, “action”, “ensemble cast”.",
        }

    def clean_theme(self) -> str:
        # The bandit learns one set of weights per theme, so themes come from the fixed vocabulary.
        theme = " ".join(self.cleaned_data["theme"].split()).lower()
        if theme not in ALL_THEMES:
            raise forms.ValidationError(
                f"“{theme}” is not a theme; use one of: {', '.join(ALL_THEMES)}.", code="unknown_theme"
            )
        return theme

    def clean_original(self):
        upload = self.cleaned_data.get("original")
        if not upload or upload == getattr(self.instance, "original", None):
            return upload  # unchanged, or generated artwork without an original
        try:
            checked = check_upload(
                upload,
                size=upload.size,
                max_bytes=settings.ARTWORK_MAX_UPLOAD_BYTES,
                max_pixels=settings.ARTWORK_MAX_PIXELS,
            )
        except InvalidImage as exc:
            raise forms.ValidationError(str(exc), code="invalid_image") from exc
        # What is stored is the pixels re-encoded, named for the format Pillow found (issue 9: a PNG
        # named x.html carrying a <script> in a text chunk was stored as .html and served as a page).
        payload, extension = reencode(upload, checked)
        stored = ContentFile(payload, name=f"original.{extension}")
        stored.checked_image = checked
        return stored

    def _get_validation_exclusions(self):
        # Ticking "default" on one variant is how an admin moves the flag: `artwork_save` unsets the
        # old one, so the one-default-per-title constraint is the database's to guard, not the form's.
        exclude = super()._get_validation_exclusions()
        exclude.add("is_default")
        return exclude


class FrameUploadForm(forms.Form):
    """A video or a zip of stills whose frames are scored as artwork candidates (checked by the service)."""

    file = forms.FileField(
        label="Video or zip of stills",
        widget=forms.ClearableFileInput(
            attrs={"accept": "video/mp4,video/webm,video/x-matroska,video/quicktime,.mkv,.zip"}
        ),
        help_text="MP4, WebM or MKV (at least 480×270), or a zip of JPEG/PNG/WebP stills. "
        "Frames are scored in the background; this page shows the progress.",
    )
