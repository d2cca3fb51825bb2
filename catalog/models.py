"""What exists to watch: titles, genres and the artwork that represents them."""

from __future__ import annotations

import functools
import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone


def artwork_image_url(artwork_id: int, kind: str, stored_name: str) -> str:
    """The stored rendition's URL, or the view that draws it on first request."""
    if stored_name:
        return f"{settings.MEDIA_URL}{stored_name}"
    return _rendition_url_pattern(kind).format(artwork_id)


_URL_PLACEHOLDER = 987654321


def default_art_url(title_id: int | str, kind: str) -> str:
    """The generated default card or billboard of a title whose artwork is all retired (drawn on first request)."""
    url = reverse("catalog:title_default_art", args=[_URL_PLACEHOLDER, kind])
    return url.replace(str(_URL_PLACEHOLDER), str(title_id))


@functools.cache
def _rendition_url_pattern(kind: str) -> str:
    """reverse() once per kind (a page makes ~200 of these URLs), then fill in the id."""
    url = reverse("catalog:artwork_rendition", args=[_URL_PLACEHOLDER, kind])
    return url.replace("{", "{{").replace("}", "}}").replace(str(_URL_PLACEHOLDER), "{}")


class Genre(models.Model):
    """A MovieLens genre ("Comedy", "Sci-Fi"); genre rows and artwork themes come from these."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TitleQuerySet(models.QuerySet):
    def available(self) -> TitleQuerySet:
        return self.filter(is_available=True)

    def by_popularity(self) -> TitleQuerySet:
        return self.order_by("-rating_count", "-rating_mean", "id")


class Title(models.Model):
    """A film or show viewers can watch. Imported from MovieLens or added by an admin."""

    movielens_id = models.PositiveIntegerField(unique=True, null=True, blank=True)
    name = models.CharField(max_length=255, db_index=True, help_text="The title viewers see (“The Matrix”).")
    aka = models.CharField(
        "also known as",
        max_length=255,
        blank=True,
        help_text="Other titles, often the original-language one (“Le Fabuleux destin d'Amélie Poulain”), · between.",
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    genres = models.ManyToManyField(Genre, related_name="titles", blank=True)
    tags = models.JSONField(
        default=list, blank=True, help_text="Free-text tags viewers gave the title, most used first."
    )
    imdb_id = models.CharField("IMDb id", max_length=12, blank=True)
    tmdb_id = models.PositiveIntegerField("TMDb id", null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_mean = models.FloatField(null=True, blank=True)
    trending = models.PositiveIntegerField(
        default=0, help_text="Ratings and plays in the most recent year of activity (refreshed nightly)."
    )
    is_available = models.BooleanField(default=True, help_text="Unavailable titles are never shown to viewers.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TitleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name

    @property
    def imdb_url(self) -> str:
        return f"https://www.imdb.com/title/{self.imdb_id}/" if self.imdb_id else ""

    @property
    def tmdb_url(self) -> str:
        return f"https://www.themoviedb.org/movie/{self.tmdb_id}" if self.tmdb_id else ""


class ArtworkQuerySet(models.QuerySet):
    def active(self) -> ArtworkQuerySet:
        return self.filter(is_active=True)


def _artwork_path(instance: Artwork, filename: str, kind: str) -> str:
    """artwork/<kind>/<title id % 100>/<title id>-<theme>-<artwork id>.<ext>: stable, so re-drawing overwrites."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    key = instance.pk or "new"
    return f"artwork/{kind}/{instance.title_id % 100:02d}/{instance.title_id}-{instance.theme_slug}-{key}.{suffix}"


def artwork_original_path(instance: Artwork, filename: str) -> str:
    return _artwork_path(instance, filename, "original")


def artwork_card_path(instance: Artwork, filename: str) -> str:
    return _artwork_path(instance, filename, "card")


def artwork_hero_path(instance: Artwork, filename: str) -> str:
    return _artwork_path(instance, filename, "hero")


class Artwork(models.Model):
    """One image variant of a title, tagged with the theme it plays up ("romance", "action").

    Generated variants are drawn by Pillow from the theme; uploaded ones keep their original.
    Renditions (card 16:9, hero billboard) are made once, on first need, and kept.
    """

    class Source(models.TextChoices):
        GENERATED = "generated", "Generated"
        UPLOADED = "uploaded", "Uploaded"
        FRAME = "frame", "Frame from a video"

    CARD_SIZE = (480, 270)
    HERO_SIZE = (1280, 720)

    title = models.ForeignKey(Title, related_name="artworks", on_delete=models.CASCADE)
    theme = models.CharField(max_length=40, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GENERATED)
    is_active = models.BooleanField(default=True, db_index=True)
    is_default = models.BooleanField(
        default=False, help_text="The editorial default: shown when no personalization applies."
    )
    original = models.ImageField(upload_to=artwork_original_path, blank=True)
    card = models.ImageField(upload_to=artwork_card_path, blank=True, editable=False)
    hero = models.ImageField(upload_to=artwork_hero_path, blank=True, editable=False)
    explore_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until then the bandit gives this new variant extra tries (ARTWORK_EXPLORATION_BOOST).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArtworkQuerySet.as_manager()

    class Meta:
        ordering = ["title_id", "-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["title"], condition=models.Q(is_default=True), name="one_default_artwork_per_title"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title.name} — {self.theme}"

    @property
    def theme_slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.theme.lower()).strip("-") or "art"

    @property
    def is_exploring(self) -> bool:
        """New and still getting the bandit's extra tries (see ARTWORK_EXPLORATION_BOOST)."""
        return self.explore_until is not None and self.explore_until > timezone.now()

    @property
    def card_url(self) -> str:
        return artwork_image_url(self.pk, "card", self.card.name)

    @property
    def hero_url(self) -> str:
        return artwork_image_url(self.pk, "hero", self.hero.name)


class PrivateUploadStorage(FileSystemStorage):
    """Uploaded videos and zips: kept in FRAME_UPLOAD_DIR, outside MEDIA_ROOT, so never served."""

    @property
    def base_location(self) -> str:
        return str(settings.FRAME_UPLOAD_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None


def frame_upload_path(instance: FrameProposalJob, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    suffix = suffix if suffix in FrameProposalJob.SUFFIXES else "bin"
    return f"{instance.title_id % 100:02d}/{instance.title_id}-{uuid.uuid4().hex[:12]}.{suffix}"


def frame_candidate_path(instance: FrameCandidate, filename: str) -> str:
    # A random part: frames not yet approved are unreleased stills, so their URLs are not guessable.
    token = uuid.uuid4().hex[:12]
    return f"frames/candidates/{instance.job.title_id % 100:02d}/{instance.job_id}-{instance.rank}-{token}.jpg"


class FrameProposalJob(models.Model):
    """One upload of a video (or a zip of stills) whose frames are scored in the background; its
    best frames become `FrameCandidate`s for an admin to approve as artwork."""

    SUFFIXES = ("mp4", "m4v", "mov", "webm", "mkv", "zip")

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Scoring frames"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.ForeignKey(Title, related_name="frame_jobs", on_delete=models.CASCADE)
    source = models.FileField(upload_to=frame_upload_path, storage=PrivateUploadStorage(), max_length=200)
    source_name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    source_description = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    frames_planned = models.PositiveIntegerField(default=0)
    frames_scored = models.PositiveIntegerField(default=0)
    duplicates_dropped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_name} for {self.title.name}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.frames_planned:
            return 0
        return min(99, round(100 * self.frames_scored / self.frames_planned))


class FrameCandidate(models.Model):
    """A frame the scorer proposes as artwork, with its score and why; approved, it becomes an `Artwork`."""

    job = models.ForeignKey(FrameProposalJob, related_name="candidates", on_delete=models.CASCADE)
    rank = models.PositiveSmallIntegerField(help_text="1 = the best-scored frame of its job.")
    time_s = models.FloatField(null=True, blank=True, help_text="Where in the video; empty for a still.")
    source_name = models.CharField(max_length=255, help_text="The time code, or the still's name in the zip.")
    score = models.FloatField()
    features = models.JSONField(default=dict, help_text="Measured features and their 0-1 terms.")
    image = models.ImageField(upload_to=frame_candidate_path, max_length=200)
    suggested_theme = models.CharField(max_length=40)
    theme = models.CharField(max_length=40, help_text="The theme the artwork will carry (starts as the suggestion).")
    artwork = models.OneToOneField(
        Artwork, null=True, blank=True, related_name="frame_candidate", on_delete=models.SET_NULL
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["job", "rank"], name="one_candidate_per_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.source_name} ({self.score:.2f})"

    @property
    def is_approved(self) -> bool:
        return self.artwork_id is not None
