from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from personalization.models import Account, Engagement, Event, Experiment, ModelVersion, Profile, Rating, Variant
from personalization.services.experiments import draft_problems, experiment_begin, experiment_stop
from personalization.services.training import model_retrain_enqueue
from streamflix.errors import ApplicationError


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["name", "avatar_color", "is_featured", "featured_order", "taste_summary"]
    show_change_link = True

    def get_queryset(self, request):
        # The demo account holds 610 viewers: show only the featured ones inline.
        queryset = super().get_queryset(request)
        return queryset.filter(is_featured=True) | queryset.filter(account__is_demo=False)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "is_demo", "created_at"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]
    inlines = [ProfileInline]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "movielens_user_id", "is_featured", "taste_summary"]
    list_filter = ["is_featured", "account__is_demo"]
    search_fields = ["name", "=movielens_user_id", "taste_summary"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["profile", "title", "rating", "rated_at"]
    list_filter = ["rating"]
    search_fields = ["title__name", "=profile__movielens_user_id"]
    raw_id_fields = ["profile", "title"]
    list_select_related = ["profile", "title"]
    date_hierarchy = "rated_at"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """The recommender's registry: every run, its holdout metrics and whether it serves."""

    list_display = [
        "label", "status", "trigger", "engine", "ndcg", "rmse", "ratings", "training_seconds", "created_at", "reason",
    ]  # fmt: skip
    list_filter = ["status", "trigger", "engine"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    change_list_template = "admin/personalization/modelversion/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training runs, not from forms

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Version")
    def label(self, obj: ModelVersion) -> str:
        return obj.label

    @admin.display(description="NDCG@10")
    def ndcg(self, obj: ModelVersion) -> str:
        value = obj.metrics.get("ndcg_at_10")
        return f"{value:.4f}" if value is not None else "—"

    @admin.display(description="RMSE")
    def rmse(self, obj: ModelVersion) -> str:
        value = obj.metrics.get("rmse")
        return f"{value:.4f}" if value is not None else "—"

    @admin.display(description="Ratings")
    def ratings(self, obj: ModelVersion) -> int | str:
        return obj.data_counts.get("ratings", "—")

    def has_retrain_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("personalization.retrain_modelversion")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_retrain": self.has_retrain_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        custom = [
            path(
                "retrain/",
                self.admin_site.admin_view(self.retrain_view),
                name="personalization_modelversion_retrain",
            )
        ]
        return custom + super().get_urls()

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_retrain_permission(request):
            raise PermissionDenied  # seeing the registry is not enough to change what serves
        if ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).exists():
            self.message_user(request, "A retrain is already running; it shows below as “Training”.", messages.WARNING)
        else:
            model_retrain_enqueue(trigger="admin")
            self.message_user(
                request,
                "Retrain queued: the new version appears here when the worker has measured it.",
                messages.SUCCESS,
            )
        return redirect("admin:personalization_modelversion_changelist")


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["profile", "title", "thumb", "in_my_list", "plays", "progress", "updated_at"]
    list_filter = ["thumb", "in_my_list"]
    raw_id_fields = ["profile", "title"]
    list_select_related = ["profile", "title"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "profile", "kind", "title", "impression_id"]
    list_filter = ["kind"]
    raw_id_fields = ["profile", "title"]
    list_select_related = ["profile", "title"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is append-only


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["name", "weight", "is_control", "artwork_policy", "row_policy", "model_version"]
    raw_id_fields = ["model_version"]

    def has_change_permission(self, request, obj=None) -> bool:
        # A running (or finished) experiment's split never changes: stop it and start a new one.
        return (obj is None or obj.status == Experiment.Status.DRAFT) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.status == Experiment.Status.DRAFT) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.status == Experiment.Status.DRAFT) and super().has_delete_permission(request, obj)


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    """Experiments: draft one with its variants, start it, stop it; its results page has the analysis."""

    list_display = ["name", "surface", "kind", "status", "primary_metric", "started_at", "stopped_at", "results"]
    list_filter = ["status", "surface", "kind"]
    search_fields = ["name", "hypothesis"]
    inlines = [VariantInline]
    actions = ["start_selected", "stop_selected"]

    def get_readonly_fields(self, request, obj=None):
        locked = ["status", "started_at", "stopped_at", "analysed_at", "built_in"]
        if obj is not None and obj.status != Experiment.Status.DRAFT:
            locked += ["name", "surface", "kind", "salt", "primary_metric"]
        return locked

    def save_related(self, request, form, formsets, change) -> None:
        """Saved with its variants: a draft that could not start yet says why now, not at Start."""
        super().save_related(request, form, formsets, change)
        experiment = form.instance
        if experiment.status == Experiment.Status.DRAFT:
            problems = draft_problems(experiment, list(experiment.variants.select_related("model_version")))
            if problems:
                self.message_user(
                    request, f"{experiment.name} is saved as a draft; before it can start: {'; '.join(problems)}.",
                    messages.WARNING,
                )  # fmt: skip

    @admin.display(description="Results")
    def results(self, obj: Experiment) -> str:
        url = reverse("personalization:experiment", args=[obj.name])
        return format_html('<a href="{}">results</a>', url) if obj.status != Experiment.Status.DRAFT else "—"

    @admin.action(description="Start the selected draft experiments")
    def start_selected(self, request, queryset):
        for experiment in queryset:
            try:
                experiment_begin(experiment=experiment)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"Started {experiment.name}.", messages.SUCCESS)

    @admin.action(description="Stop the selected running experiments")
    def stop_selected(self, request, queryset):
        for experiment in queryset.filter(status=Experiment.Status.RUNNING):
            experiment_stop(name=experiment.name)
            self.message_user(request, f"Stopped {experiment.name}.", messages.SUCCESS)
