from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Prefetch, Q
from django.utils.html import format_html

from catalog.forms import ArtworkForm
from catalog.models import Artwork, Genre, Title
from catalog.services import artwork_save, artwork_set_active, catalog_changed


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
    search_fields = ["name", "=movielens_id", "imdb_id", "tags"]
    list_editable = ["is_available"]
    filter_horizontal = ["genres"]
    readonly_fields = ["movielens_id", "rating_count", "rating_mean", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "year", "genres", "tags", "is_available"]}),
        ("Links", {"fields": ["movielens_id", "imdb_id", "tmdb_id"]}),
        ("Ratings", {"fields": ["rating_count", "rating_mean", "created_at", "updated_at"]}),
    ]
    inlines = [ArtworkInline]
    list_per_page = 50

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
