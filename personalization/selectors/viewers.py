"""Reads about viewers: their history, when it last changed, and which profiles a visitor may use."""

from __future__ import annotations

from django.core.cache import cache

from personalization.history import History, history_from_rows
from personalization.models import Engagement, Profile, Rating


def viewer_history(profile_id: int) -> History:
    """Ratings and engagement (thumbs, My List, plays) of one profile: two queries."""
    ratings = list(Rating.objects.filter(profile_id=profile_id).order_by("-rated_at").values_list("title_id", "rating"))
    engagements = list(
        Engagement.objects.filter(profile_id=profile_id)
        .order_by("-updated_at")
        .values_list("title_id", "thumb", "in_my_list", "plays", "progress")
    )
    return history_from_rows(ratings, engagements)


def history_changed_key(profile_id: int) -> str:
    return f"profile:{profile_id}:history"


def history_changed_at(profile_id: int) -> float:
    """When this profile's history last changed (0 if never): newer than the model = fold in afresh."""
    return cache.get(history_changed_key(profile_id), 0.0)


def profile_in_accounts(*, profile_id: int | None, account_ids: list[int]) -> Profile | None:
    """The profile, if it belongs to one of the accounts (None for anyone else's, or none picked)."""
    if profile_id is None:
        return None
    return Profile.objects.filter(pk=profile_id, account_id__in=account_ids).first()
