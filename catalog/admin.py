from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from catalog.forms import ArtworkForm, FrameUploadForm
from catalog.models import Artwork, FrameCandidate, FrameProposalJob, Genre, Title
from catalog.selectors import frame_candidates_latest, frame_jobs_recent
from catalog.services import artwork_save, artwork_set_active, catalog_changed
from catalog.services.frames import frame_candidate_theme_set, frame_candidates_approve, frame_job_create
from catalog.themes import ALL_THEMES
from streamflix.errors import ApplicationError


def _preview(artwork: Artwork, width: int = 192):
    if not artwork.pk:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" style="border-radius:4px;object-fit:cover" loading="lazy">',
        artwork.card_url,
        artwork.theme,
        width,
        width * 9 // 16,
    )


class ArtworkInline(admin.TabularInline):
    model = Artwork
    form = ArtworkForm
    extra = 0
    fields = ["preview", "theme", "source", "is_active", "is_default", "original"]
    readonly_fields = ["preview", "source"]
    show_change_link = True

    @admin.display(description="Preview")
    def preview(self, obj: Artwork):
        return _preview(obj)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "title_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_titles=Count("titles"))

    @admin.display(description="Titles", ordering="n_titles")
    def title_count(self, obj: Genre) -> int:
        return obj.n_titles


class HasArtworkFilter(admin.SimpleListFilter):
    title = "artwork"
    parameter_name = "artwork"

    def lookups(self, request, model_admin):
        return [("active", "Has active artwork"), ("none", "No active artwork")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(artworks__is_active=True).distinct()
        if self.value() == "none":
            return queryset.exclude(artworks__is_active=True)
        return queryset


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "name",
        "year",
        "genre_list",
        "rating_count",
        "rating_mean",
        "active_artwork",
        "is_available",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["is_available", "genres", HasArtworkFilter, "year"]
    search_fields = ["name", "aka", "=movielens_id", "imdb_id", "tags"]
    list_editable = ["is_available"]
    filter_horizontal = ["genres"]
    readonly_fields = ["movielens_id", "rating_count", "rating_mean", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "aka", "year", "genres", "tags", "is_available"]}),
        ("Links", {"fields": ["movielens_id", "imdb_id", "tmdb_id"]}),
        ("Ratings", {"fields": ["rating_count", "rating_mean", "created_at", "updated_at"]}),
    ]
    inlines = [ArtworkInline]
    list_per_page = 50
    change_form_template = "admin/catalog/title/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("genres", Prefetch("artworks", Artwork.objects.active(), to_attr="active_artworks"))
            .annotate(n_active=Count("artworks", filter=Q(artworks__is_active=True)))
        )

    @admin.display(description="")
    def thumbnail(self, obj: Title):
        return _preview(obj.active_artworks[0], width=96) if obj.active_artworks else "—"

    @admin.display(description="Genres")
    def genre_list(self, obj: Title) -> str:
        return ", ".join(g.name for g in obj.genres.all())

    @admin.display(description="Active artwork", ordering="n_active")
    def active_artwork(self, obj: Title) -> int:
        return obj.n_active

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_changed()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        title = self.get_object(request, object_id)
        extra = {"frame_candidates": frame_candidates_latest(title) if title else []}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # Artwork discovery: upload a video or zip of stills, watch the scoring, approve frames --------

    def get_urls(self):
        frames = [
            path("<int:pk>/frames/", self.admin_site.admin_view(self.frames_view), name="catalog_title_frames"),
            path(
                "<int:pk>/frames/jobs/<int:job_id>/",
                self.admin_site.admin_view(self.frame_job_view),
                name="catalog_title_frame_job",
            ),
            path(
                "<int:pk>/frames/approve/",
                self.admin_site.admin_view(require_POST(self.frames_approve_view)),
                name="catalog_title_frames_approve",
            ),
        ]
        return frames + super().get_urls()

    def _title_for(self, request, pk: int, *, change: bool) -> Title:
        title = get_object_or_404(Title, pk=pk)
        allowed = self.has_change_permission(request, title) if change else self.has_view_permission(request, title)
        if not allowed:
            raise PermissionDenied
        return title

    def frames_view(self, request, pk: int):
        """The upload form, the title's recent jobs with their progress, and the latest contact sheet."""
        title = self._title_for(request, pk, change=request.method == "POST")
        form = FrameUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = frame_job_create(title=title, upload=upload, name=upload.name)
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(
                    request, f"Scoring the frames of {job.source_description} in the background.", messages.SUCCESS
                )
                return redirect("admin:catalog_title_frames", pk=title.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Artwork discovery: {title}",
            "object": title,
            "form": form,
            "jobs": frame_jobs_recent(title),
            "candidates": frame_candidates_latest(title),
            "themes": ALL_THEMES,
            "k": settings.FRAME_PROPOSALS_K,
        }
        return TemplateResponse(request, "admin/catalog/title/frames.html", context)

    def frame_job_view(self, request, pk: int, job_id: int):
        """One job's progress row (htmx polls it while the job runs)."""
        title = self._title_for(request, pk, change=False)
        job = get_object_or_404(FrameProposalJob, pk=job_id, title=title)
        response = TemplateResponse(
            request, "admin/catalog/title/partials/frame_job.html", {"job": job, "object": title}
        )
        if job.is_finished and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"  # the contact sheet below is new: reload the page once
        return response

    def frames_approve_view(self, request, pk: int):
        """Approve the ticked candidates as artwork, each with the theme chosen beside it."""
        title = self._title_for(request, pk, change=True)
        ids = [int(v) for v in request.POST.getlist("candidate") if v.isascii() and v.isdigit()]
        ids = list(FrameCandidate.objects.filter(pk__in=ids, job__title=title).values_list("pk", flat=True))
        if not ids:
            self.message_user(request, "Tick the frames to approve first.", messages.WARNING)
            return redirect("admin:catalog_title_frames", pk=title.pk)
        themes = {pk_: request.POST[f"theme-{pk_}"] for pk_ in ids if request.POST.get(f"theme-{pk_}")}
        try:
            created = frame_candidates_approve(candidate_ids=ids, themes=themes)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect("admin:catalog_title_frames", pk=title.pk)
        self.message_user(
            request,
            f"Approved {len(created)} frame{'s' if len(created) != 1 else ''} as artwork; "
            "the bandit tries new variants more often while they are new.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:catalog_title_change", args=[title.pk]))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Artwork:
            return super().save_formset(request, form, formset, change)
        changed = {id(obj) for obj in formset.save(commit=False)}
        for artwork in formset.deleted_objects:
            artwork.delete()
        for artwork_form in formset.forms:
            if id(artwork_form.instance) in changed:
                artwork_save(artwork=artwork_form.instance, original_changed="original" in artwork_form.changed_data)


@admin.register(Artwork)
class ArtworkAdmin(admin.ModelAdmin):
    form = ArtworkForm
    list_display = ["preview", "title", "theme", "source", "is_active", "is_default", "rendered", "created_at"]
    list_display_links = ["preview", "title"]
    list_filter = ["is_active", "source", "is_default", "theme"]
    search_fields = ["title__name", "theme"]
    autocomplete_fields = ["title"]
    readonly_fields = ["large_preview", "source", "created_at"]
    actions = ["activate", "retire"]
    list_select_related = ["title"]
    list_per_page = 50

    @admin.display(description="Preview")
    def preview(self, obj: Artwork):
        return _preview(obj, width=128)

    @admin.display(description="Preview")
    def large_preview(self, obj: Artwork):
        if not obj.pk:
            return "Saved artwork shows its card and billboard here."
        return format_html(
            '<img src="{}" width="480" height="270" style="border-radius:6px"> '
            '<a href="{}" target="_blank" rel="noopener">billboard</a>',
            obj.card_url,
            obj.hero_url,
        )

    @admin.display(boolean=True, description="Card drawn")
    def rendered(self, obj: Artwork) -> bool:
        return bool(obj.card)

    def save_model(self, request, obj, form, change):
        artwork_save(artwork=obj, original_changed="original" in form.changed_data)

    @admin.action(description="Activate selected artwork")
    def activate(self, request, queryset):
        count = artwork_set_active(artwork_ids=list(queryset.values_list("pk", flat=True)), active=True)
        self.message_user(request, f"Activated {count} artwork variant{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Retire selected artwork")
    def retire(self, request, queryset):
        count = artwork_set_active(artwork_ids=list(queryset.values_list("pk", flat=True)), active=False)
        self.message_user(request, f"Retired {count} artwork variant{'s' if count != 1 else ''}.", messages.SUCCESS)


class FrameCandidateInline(admin.TabularInline):
    model = FrameCandidate
    extra = 0
    can_delete = False
    fields = ["thumbnail", "rank", "source_name", "score", "theme", "artwork"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Frame")
    def thumbnail(self, obj: FrameCandidate):
        return format_html('<img src="{}" width="160" style="border-radius:4px">', obj.image.url)


@admin.register(FrameProposalJob)
class FrameProposalJobAdmin(admin.ModelAdmin):
    """Uploads being scored: state and progress (refresh to follow a running job)."""

    list_display = ["source_name", "title", "state", "progress", "duplicates_dropped", "created_at", "error"]
    list_filter = ["state"]
    list_select_related = ["title"]
    search_fields = ["title__name", "source_name"]
    fields = [
        "title",
        "source_name",
        "source_description",
        "state",
        "progress",
        "frames_scored",
        "duplicates_dropped",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [FrameCandidateInline]

    def has_add_permission(self, request) -> bool:
        return False  # uploads start on a title's "Find artwork in a video" page

    @admin.display(description="Progress")
    def progress(self, obj: FrameProposalJob) -> str:
        if obj.state == FrameProposalJob.State.DONE:
            return f"{obj.frames_scored} frames scored"
        if obj.frames_planned:
            return f"{obj.frames_scored} of ~{obj.frames_planned} frames ({obj.percent}%)"
        return "—"


@admin.register(FrameCandidate)
class FrameCandidateAdmin(admin.ModelAdmin):
    """Proposed frames across titles: change themes in the list, approve a selection as artwork."""

    list_display = ["thumbnail", "title", "rank", "source_name", "score", "suggested_theme", "theme", "approved"]
    list_display_links = ["thumbnail"]
    list_editable = ["theme"]
    list_filter = [("artwork", admin.EmptyFieldListFilter)]
    list_select_related = ["job__title"]
    search_fields = ["job__title__name"]
    actions = ["approve"]
    readonly_fields = [
        "job", "rank", "time_s", "source_name", "score", "features", "image", "suggested_theme", "artwork",
        "approved_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "theme":  # the bandit's fixed vocabulary, in the list and the form alike
            return forms.ChoiceField(choices=[(t, t) for t in ALL_THEMES], label="Theme")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        frame_candidate_theme_set(candidate_id=obj.pk, theme=obj.theme)

    @admin.display(description="Frame")
    def thumbnail(self, obj: FrameCandidate):
        return format_html('<img src="{}" width="160" style="border-radius:4px" loading="lazy">', obj.image.url)

    @admin.display(description="Title", ordering="job__title__name")
    def title(self, obj: FrameCandidate) -> str:
        return str(obj.job.title)

    @admin.display(boolean=True, description="Artwork")
    def approved(self, obj: FrameCandidate) -> bool:
        return obj.is_approved

    @admin.action(description="Approve selected frames as artwork")
    def approve(self, request, queryset):
        try:
            created = frame_candidates_approve(candidate_ids=list(queryset.values_list("pk", flat=True)))
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request, f"Approved {len(created)} frame{'s' if len(created) != 1 else ''} as artwork.", messages.SUCCESS
        )
