from __future__ import annotations

from django.contrib import admin

from personalization.models import Account, Profile, Rating


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
