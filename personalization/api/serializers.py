"""Output and input shapes of the REST API, one explicit serializer per shape."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Title
from personalization.context import DAYPARTS, DEVICES
from personalization.models import Profile
from personalization.services.events import EVENT_BATCH_MAX


class ProfileOutput(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["id", "name", "avatar_color", "taste_summary", "is_featured", "movielens_user_id"]


class ContextOutput(serializers.Serializer):
    hour = serializers.IntegerField()
    daypart = serializers.CharField()
    device = serializers.CharField()


class CardOutput(serializers.Serializer):
    title_id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    genres = serializers.ListField(child=serializers.CharField())
    artwork_id = serializers.IntegerField(allow_null=True)
    theme = serializers.CharField()
    image_url = serializers.CharField()
    position = serializers.IntegerField()
    match = serializers.IntegerField(allow_null=True)
    impression = serializers.CharField(help_text="Send this back with events about this card.")
    why = serializers.CharField(help_text="Why this artwork, from the viewer's taste and the policy's odds.")
    progress = serializers.FloatField(allow_null=True, help_text="Continue Watching: how far the viewer got, 0-1.")
    rank = serializers.IntegerField(allow_null=True, help_text="Top 10: the chart position.")


class RowOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    index = serializers.IntegerField()
    lazy = serializers.BooleanField(help_text="True: fetch the cards from the row endpoint when shown.")
    reason = serializers.CharField(help_text="What the row is and what placed it here (its priority's largest part).")
    cards = CardOutput(many=True)


class RowsOutput(serializers.Serializer):
    rows = RowOutput(many=True)


class PageOutput(serializers.Serializer):
    page_view_id = serializers.CharField()
    profile_id = serializers.IntegerField()
    model_version = serializers.CharField()
    onboarding = serializers.BooleanField()
    context = ContextOutput()
    hero = CardOutput(allow_null=True)
    rows = RowOutput(many=True)


class HomepageQuery(serializers.Serializer):
    device = serializers.ChoiceField(choices=DEVICES, required=False)
    daypart = serializers.ChoiceField(choices=DAYPARTS, required=False)


class TitleOutput(serializers.ModelSerializer):
    genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Title
        fields = ["id", "name", "aka", "year", "genres", "tags", "imdb_id", "tmdb_id", "rating_count", "rating_mean"]


class EventInput(serializers.Serializer):
    type = serializers.CharField(
        max_length=32, help_text="click, play, thumb_up, thumb_down, thumb_clear, list_add or list_remove."
    )
    title = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    impression = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The card's impression token (required for clicks).",
    )


class EventBatchInput(serializers.Serializer):
    events = EventInput(
        many=True,
        allow_empty=False,
        max_length=EVENT_BATCH_MAX,
        help_text=f"The events in the order they happened, 1-{EVENT_BATCH_MAX}.",
    )


class ProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=40, help_text="1-40 characters.")


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, to show a person.")
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, duplicate, expired, ...")
    errors = serializers.DictField(required=False, help_text="Input errors by field (400s from validation only).")


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(source="kind")
    title = serializers.IntegerField(source="title_id")
    impression_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


class EventResultOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["recorded", "duplicate"],
        help_text="duplicate: this card's click or play was already recorded (earlier, or earlier in the batch); "
        "nothing changed.",
    )
    event = EventOutput(allow_null=True, help_text="The event recorded (null for a duplicate).")


class EventBatchOutput(serializers.Serializer):
    recorded = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    results = EventResultOutput(many=True, help_text="One per event sent, in the same order.")


class SeenCardInput(serializers.Serializer):
    impression = serializers.CharField(max_length=100, help_text="The card's impression token.")
    title = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The card's title id.")


class SeenInput(serializers.Serializer):
    cards = SeenCardInput(
        many=True,
        help_text="The cards that were on screen: at least half of the card visible for at least one second.",
    )


class SeenOutput(serializers.Serializer):
    seen = serializers.IntegerField(help_text="Cards this report marked seen.")
    already_seen = serializers.IntegerField(help_text="Cards seen before (a replayed report changes nothing).")
    pending = serializers.IntegerField(help_text="Cards whose impression is still being logged: marked when it is.")
