"""Who is watching and what they did: accounts, viewer profiles, ratings and viewer-title state."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Title


class AccountQuerySet(models.QuerySet):
    def demo(self) -> Account:
        account, _ = self.get_or_create(is_demo=True, defaults={"name": "Streamflix demo"})
        return account


class Account(models.Model):
    """A household that owns viewer profiles. The demo account holds the MovieLens sample viewers."""

    name = models.CharField(max_length=100)
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="account"
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["is_demo"], condition=models.Q(is_demo=True), name="one_demo_account"),
        ]

    def __str__(self) -> str:
        return self.name


class ProfileQuerySet(models.QuerySet):
    def featured(self) -> ProfileQuerySet:
        return self.filter(is_featured=True).order_by("featured_order", "id")


class Profile(models.Model):
    """One viewer in an account: rows, artwork and the logs are all per profile."""

    AVATAR_COLORS = ["#e50914", "#f5b50a", "#2f80ed", "#27ae60", "#9b51e0", "#eb5757", "#00b3a4", "#f2994a"]

    account = models.ForeignKey(Account, related_name="profiles", on_delete=models.CASCADE)
    name = models.CharField(max_length=40)
    avatar_color = models.CharField(max_length=7, default="#e50914")
    movielens_user_id = models.PositiveIntegerField(unique=True, null=True, blank=True)
    taste_summary = models.CharField(max_length=200, blank=True)
    is_featured = models.BooleanField(default=False, help_text="Shown on the “Who's watching?” picker.")
    featured_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def initial(self) -> str:
        return (self.name[:1] or "?").upper()


class Rating(models.Model):
    """An explicit star rating (0.5-5), from MovieLens or given on the site."""

    profile = models.ForeignKey(Profile, related_name="ratings", on_delete=models.CASCADE)
    title = models.ForeignKey(Title, related_name="ratings", on_delete=models.CASCADE)
    rating = models.FloatField(validators=[MinValueValidator(0.5), MaxValueValidator(5.0)])
    rated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "title"], name="one_rating_per_profile_title"),
            models.CheckConstraint(condition=models.Q(rating__gte=0.5, rating__lte=5.0), name="rating_in_range"),
        ]
        indexes = [models.Index(fields=["title", "rated_at"])]

    def __str__(self) -> str:
        return f"{self.profile} rated {self.title}: {self.rating}"
