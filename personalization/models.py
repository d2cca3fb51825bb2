"""Who is watching and what they did: accounts, viewer profiles, ratings and viewer-title state."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Title
from personalization.history import in_progress


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
    guest_key = models.CharField(
        max_length=32, unique=True, null=True, blank=True, help_text="An anonymous visitor's browser session owns it."
    )
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
    genre_lift = models.JSONField(
        default=dict, blank=True, help_text="Sample viewers: log2 lift of each genre among their likes (0 = average)."
    )
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


class Event(models.Model):
    """Something a viewer did with a title. Append-only: the log every model learns from."""

    class Kind(models.TextChoices):
        CLICK = "click", "Opened the details"
        PLAY = "play", "Played"
        THUMB_UP = "thumb_up", "Thumbs up"
        THUMB_DOWN = "thumb_down", "Thumbs down"
        THUMB_CLEAR = "thumb_clear", "Took back a thumb"
        LIST_ADD = "list_add", "Added to My List"
        LIST_REMOVE = "list_remove", "Removed from My List"
        ONBOARDING_PICK = "onboarding_pick", "Picked at onboarding"
        QUALITY_PLAY = "quality_play", "A play that lasted"  # derived by event_record: see services.rewards

    profile = models.ForeignKey(Profile, related_name="events", on_delete=models.CASCADE)
    title = models.ForeignKey(Title, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    impression_id = models.UUIDField(null=True, blank=True, db_index=True, help_text="The card it came from.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reward_folded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the bandit learned from this event as its reward (click, play or quality_play, whichever "
        "STREAMFLIX_BANDIT_REWARD names).",
    )
    row_folded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A click: when the row-order learner handled it (folded it into its row's statistics, or found "
        "no row to fold it into: a billboard card, a page view logged without row inputs).",
    )

    class Meta:
        indexes = [
            models.Index(fields=["profile", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind__in=["click", "play", "quality_play"], reward_folded_at__isnull=True),
                name="event_reward_unfolded",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="click", row_folded_at__isnull=True),
                name="event_click_row_unfolded",
            ),
        ]
        constraints = [
            # A replayed click or play (the same token posted again) must not reward the bandit twice.
            models.UniqueConstraint(
                fields=["impression_id", "kind"],
                condition=models.Q(impression_id__isnull=False, kind__in=["click", "play", "quality_play"]),
                name="one_reward_per_impression_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.get_kind_display().lower()} {self.title}"


class Engagement(models.Model):
    """Where a viewer stands with a title now: thumbs, My List, how far they watched.

    Derived from the event log by `event_record`; what rows and the next retrain read.
    """

    class Thumb(models.IntegerChoices):
        DOWN = -1, "Thumbs down"
        NONE = 0, "No thumb"
        UP = 1, "Thumbs up"

    profile = models.ForeignKey(Profile, related_name="engagements", on_delete=models.CASCADE)
    title = models.ForeignKey(Title, related_name="engagements", on_delete=models.CASCADE)
    thumb = models.SmallIntegerField(choices=Thumb.choices, default=Thumb.NONE)
    in_my_list = models.BooleanField(default=False)
    plays = models.PositiveIntegerField(default=0)
    progress = models.FloatField(default=0.0, help_text="Share watched, 0-1.")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "title"], name="one_engagement_per_profile_title")]

    def __str__(self) -> str:
        return f"{self.profile} · {self.title}"

    @property
    def in_progress(self) -> bool:
        return in_progress(self.progress)


class ModelVersionQuerySet(models.QuerySet):
    def active(self) -> ModelVersion | None:
        return self.filter(status=ModelVersion.Status.ACTIVE).first()

    def active_id(self) -> int:
        """The serving version's id, 0 when none (at most one is active: see the constraint)."""
        return self.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", flat=True).first() or 0


class ModelVersion(models.Model):
    """One training run of the recommender: what it learned from, how it scored, whether it serves."""

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired (was active)"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRAINING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected or failed.")
    trigger = models.CharField(max_length=20, default="manual", help_text="nightly / admin / command / demo")
    engine = models.CharField(
        max_length=10, default="local", help_text="Which training engine made it: local (one machine) or spark."
    )
    params = models.JSONField(default=dict)
    data_counts = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict, help_text="Measured on a holdout of the data it was trained on.")
    training_seconds = models.FloatField(null=True, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The retrain lock: a second run cannot even start while one is training.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="training"), name="one_training_at_a_time"
            ),
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"), name="one_active_model"),
        ]
        permissions = [("retrain_modelversion", "Can queue a retrain of the recommender")]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.get_status_display().lower()})"

    @property
    def label(self) -> str:
        return f"v{self.pk}"


class Impression(models.Model):
    """One card shown to one viewer: what, where, under which policy and with what probability.

    Written in bulk by a worker, idempotently on `id`. Links to profiles and the catalog carry no
    database constraint, so logged history survives any later deletion: nothing logged is lost.
    """

    id = models.UUIDField(primary_key=True)
    page_view_id = models.UUIDField()
    # No constraints (logs outlive what they mention) and no per-column indexes (see Meta).
    profile = models.ForeignKey(
        Profile, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="impressions"
    )
    title = models.ForeignKey(Title, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    artwork = models.ForeignKey(
        "catalog.Artwork", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True, related_name="+"
    )
    theme = models.CharField(max_length=40, blank=True)
    row_key = models.CharField(max_length=64)
    row_index = models.SmallIntegerField(help_text="-1 for the billboard (hero), then 0, 1, ... for the rows.")
    position = models.PositiveSmallIntegerField()
    shown_at = models.DateTimeField()
    daypart = models.CharField(max_length=10)
    device = models.CharField(max_length=10)
    policy = models.CharField(max_length=20)
    policy_version = models.CharField(max_length=80, blank=True)
    propensity = models.FloatField(help_text="P(the policy shows this variant), given the candidates and the context.")
    # What the decision chose among (off-policy evaluation replays it): the candidate variants, in the
    # card's order, and the policy's probability for each (space separated).
    candidates = models.CharField(max_length=200, blank=True)
    candidate_propensities = models.CharField(max_length=200, blank=True)
    n_candidates = models.PositiveSmallIntegerField(default=0)
    experiment_variant = models.CharField(
        max_length=200, blank=True, help_text="The page view's experiments as ';name=variant;name=variant;'."
    )
    team = models.CharField(max_length=1, blank=True, help_text="Interleaving: the ranker (A or B) that drafted it.")
    model_version = models.CharField(max_length=20, blank=True)
    ingested_at = models.DateTimeField(db_index=True)
    seen_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the viewer's screen reported the card (at least half of it for at least a second), or a "
        "click or play on it proved it was seen. Empty: served but never seen; such cards are not learned from "
        "and not counted in CTR.",
    )
    simulated = models.BooleanField(
        default=False,
        help_text="From simulated sessions (warm_bandit, seed_demo's warm-up), not a person: the bandit learns "
        "from it; experiment results and live CTR leave it out.",
    )

    class Meta:
        # Few indexes on purpose: every one is paid on each of ~20,000 inserts a second.
        # ingested_at: retention; shown_at: retention and the CTR chart; title: insights; seen_at (partial,
        # so an insert of a card not yet seen pays nothing): the learner's cursor.
        indexes = [
            models.Index(fields=["title", "artwork"]),
            models.Index(fields=["shown_at"]),
            models.Index(fields=["seen_at"], condition=models.Q(seen_at__isnull=False), name="impression_seen_at"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.title_id}/{self.artwork_id} p={self.propensity:.3f}"


class PageView(models.Model):
    """One page view as decided: who, when and where, under which policies and experiments, and the
    theme taste the artwork policy saw. Its impressions refer to it by `page_view_id`; off-policy
    evaluation replays decisions from it. Written with the page's first impression batch."""

    id = models.UUIDField(primary_key=True)
    profile = models.ForeignKey(
        Profile, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    shown_at = models.DateTimeField(db_index=True)
    daypart = models.CharField(max_length=10)
    device = models.CharField(max_length=10)
    policy = models.CharField(max_length=20)
    policy_version = models.CharField(max_length=80, blank=True)
    model_version = models.CharField(max_length=20, blank=True)
    taste = models.BinaryField(help_text="float16 log2 lift per theme (catalog.themes.ALL_THEMES order).")
    experiment_variant = models.CharField(max_length=200, blank=True)
    simulated = models.BooleanField(default=False, help_text="From the traffic simulator, not a person.")
    row_order_policy = models.CharField(
        max_length=10, blank=True, help_text="How its rows were ordered (ROW_POLICY): learned or rules."
    )
    row_order_log_propensity = models.FloatField(
        default=0.0,
        help_text="log P(the row order hook's order) under the learned policy's Plackett-Luce draw; 0.0 for the "
        "rules. The favourites rule and the max-rows cut that follow the hook are deterministic.",
    )
    row_inputs = models.JSONField(
        default=list,
        blank=True,
        help_text="Every candidate row in the hook's order: [kind, genre, taste lift, rules priority, the row index "
        "it was shown at or null] (row_order.RowInputs): the learner rebuilds each shown row's features from it.",
    )
    ingested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"page view {self.id} of profile {self.profile_id}"


class ImpressionSeenPending(models.Model):
    """A seen report for an impression whose row the worker has not inserted yet (the report may beat the
    batch: the broker path takes a moment, the outbox a minute). The learning pass applies it once the
    row is in, then deletes it."""

    impression_id = models.UUIDField(primary_key=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"seen report for {self.impression_id} (waiting for its impression)"


class ImpressionOutbox(models.Model):
    """A page's impressions that could not be handed to the broker; drained into `Impression`.

    One row per page view (never hundreds), so the fallback costs the request one small insert.
    """

    payload = models.JSONField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"pending page view {self.payload.get('page_view_id', '?')}"


class ImpressionDaily(models.Model):
    """Raw impressions past their retention, rolled up per day: counts survive, rows do not."""

    day = models.DateField()
    title = models.ForeignKey(Title, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    artwork = models.ForeignKey(
        "catalog.Artwork", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    theme = models.CharField(max_length=40, blank=True)
    policy = models.CharField(max_length=20)
    experiment_variant = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=10)
    impressions = models.PositiveIntegerField(help_text="Seen impressions (the ones CTR counts).")
    clicks = models.PositiveIntegerField()
    inverse_propensity_clicks = models.FloatField(default=0.0, help_text="Sum of click / propensity (for IPS).")
    unseen = models.PositiveIntegerField(default=0, help_text="Served but never seen (not in `impressions`).")
    simulated = models.BooleanField(default=False, help_text="Simulated sessions' impressions (warm-up), apart.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "title", "artwork", "policy", "experiment_variant", "device", "simulated"],
                name="one_rollup_per_day_and_slice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.title_id}/{self.artwork_id}: {self.clicks}/{self.impressions}"


class SnapshotQuerySet(models.QuerySet):
    def latest_id(self) -> int:
        """The serving snapshot's id (the newest), 0 before the first learning pass."""
        return self.order_by("-created_at", "-pk").values_list("pk", flat=True).first() or 0


class LearnedSnapshot(models.Model):
    """A learned state saved by one learning pass (the bandit's, the row model's): the newest one serves."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    impressions_cursor = models.DateTimeField(null=True, blank=True, help_text="Seen impressions up to here.")

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"


class BanditSnapshot(LearnedSnapshot):
    """The artwork bandit's learned state after one learning pass; the newest one serves."""

    state = models.BinaryField(help_text="The click model's sufficient statistics (bandit.model.BanditState).")
    play_state = models.BinaryField(
        null=True,
        blank=True,
        help_text="P(reward | click), learned from clicked cards, when the reward is a play or a quality play.",
    )
    click_variants = models.BinaryField(
        null=True,
        blank=True,
        help_text="Each artwork variant's impressions and click residual beyond its theme (bandit.variants).",
    )
    play_variants = models.BinaryField(
        null=True,
        blank=True,
        help_text="Each artwork variant's clicks and P(reward | click) residual beyond its theme.",
    )
    params = models.JSONField(default=dict)
    impressions_folded = models.PositiveBigIntegerField(default=0)
    clicks_folded = models.PositiveBigIntegerField(
        default=0, help_text="Rewards folded (clicks, plays or quality plays: `reward` says which)."
    )
    reward = models.CharField(
        max_length=16, default="click", help_text="What it learned as the reward (STREAMFLIX_BANDIT_REWARD)."
    )

    def __str__(self) -> str:
        return f"bandit state of {self.created_at:%Y-%m-%d %H:%M:%S} ({self.impressions_folded} impressions)"


class RowSnapshot(LearnedSnapshot):
    """The row-order model's sufficient statistics after one learning pass (`rows_learn`); the newest serves."""

    state = models.BinaryField(help_text="Precision, moment and genre vocabulary (row_order.RowModel.to_bytes).")
    rows_folded = models.PositiveBigIntegerField(default=0, help_text="(Page view, row) pairs with seen cards.")
    cards_folded = models.PositiveBigIntegerField(default=0, help_text="Seen cards in those rows.")
    clicks_folded = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"row model of {self.created_at:%Y-%m-%d %H:%M:%S} ({self.cards_folded} seen cards)"


class SimulationReport(models.Model):
    """The outcome of one `simulate_traffic` run: CTR over time of the bandit, random and the oracle."""

    created_at = models.DateTimeField(auto_now_add=True)
    sessions = models.PositiveIntegerField()
    seed = models.IntegerField()
    summary = models.JSONField(help_text="The command's final JSON line.")
    series = models.JSONField(help_text="Per policy, CTR in consecutive windows of impressions.")

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"simulation of {self.sessions} sessions (seed {self.seed}) at {self.created_at:%Y-%m-%d %H:%M}"


class Experiment(models.Model):
    """An A/B test (or an interleaving test) on one surface of the page: who gets which variant is a hash
    of the experiment's salt and the profile (personalization.abtest), the same everywhere."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    class Surface(models.TextChoices):
        ARTWORK = "artwork", "Artwork (which variant a card shows)"
        ROWS = "rows", "Rows (how titles are ranked)"
        MODEL = "model", "Recommender model version"

    class Kind(models.TextChoices):
        AB = "ab", "A/B test (each viewer sees one variant)"
        INTERLEAVE = "interleave", "Interleaving (two rankers drafted into one row)"

    class Metric(models.TextChoices):
        CTR = "ctr", "Click-through rate per impression"
        PLAY_RATE = "play_rate", "Play rate per impression"
        PLAYS_PER_PAGE_VIEW = "plays_per_page_view", "Plays per page view"

    name = models.SlugField(max_length=60, unique=True)
    hypothesis = models.TextField(blank=True, help_text="What you expect and why, written before it starts.")
    surface = models.CharField(max_length=10, choices=Surface.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AB)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    primary_metric = models.CharField(max_length=24, choices=Metric.choices, default=Metric.CTR)
    salt = models.CharField(max_length=60, blank=True, help_text="Hashed with the profile id; defaults to the name.")
    built_in = models.BooleanField(default=False, help_text="The artwork holdout (ARTWORK_CONTROL_SHARE).")
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    analysed_at = models.DateTimeField(
        null=True, blank=True, help_text="Its final report after stopping: its raw impressions may then be rolled up."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["surface"], condition=models.Q(status="running"), name="one_running_experiment_per_surface"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def shares_label(self) -> str:
        """ "uniform 10% (control), bandit 90%": its variants and their shares of profiles."""
        return ", ".join(f"{v.name} {v.weight:.0%}{' (control)' if v.is_control else ''}" for v in self.variants.all())


class Variant(models.Model):
    """One arm of an experiment: its share of profiles and what it changes on its surface."""

    class ArtworkPolicy(models.TextChoices):
        THOMPSON = "thompson", "The bandit"
        UNIFORM = "uniform", "Uniformly random"
        EDITORIAL = "editorial", "The editor's default"

    class RowPolicy(models.TextChoices):
        PERSONALIZED = "personalized", "Personalized (the recommender)"
        POPULARITY = "popularity", "Popularity"

    experiment = models.ForeignKey(Experiment, related_name="variants", on_delete=models.CASCADE)
    name = models.SlugField(max_length=40)
    weight = models.FloatField(help_text="Share of profiles, 0-1; an experiment's weights sum to 1.")
    is_control = models.BooleanField(default=False, help_text="Lift is measured against this one.")
    artwork_policy = models.CharField(max_length=12, choices=ArtworkPolicy.choices, blank=True)
    row_policy = models.CharField(max_length=16, choices=RowPolicy.choices, blank=True)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["experiment_id", "-is_control", "id"]
        constraints = [models.UniqueConstraint(fields=["experiment", "name"], name="one_variant_name_per_experiment")]

    def __str__(self) -> str:
        return f"{self.experiment.name}={self.name}"


class ExperimentResult(models.Model):
    """An experiment's analysis as computed at one moment (hourly, or on demand from its page)."""

    experiment = models.ForeignKey(Experiment, related_name="results", on_delete=models.CASCADE)
    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    report = models.JSONField(help_text="What `experiment_report NAME --json` prints.")

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.experiment.name} at {self.computed_at:%Y-%m-%d %H:%M}"


class ExperimentDaily(models.Model):
    """Raw impressions of an analysed experiment past their retention, rolled up per day and slice with
    what a cluster-robust interval needs: counts per profile-day cluster and their sums of squares."""

    day = models.DateField()
    experiment = models.CharField(max_length=60)
    variant = models.CharField(max_length=40)
    policy = models.CharField(max_length=20)
    device = models.CharField(max_length=10)
    clusters = models.PositiveIntegerField(help_text="Profiles with impressions that day.")
    impressions = models.PositiveIntegerField()
    clicks = models.PositiveIntegerField()
    plays = models.PositiveIntegerField()
    impressions_sq = models.FloatField(help_text="Sum over clusters of impressions squared.")
    clicks_sq = models.FloatField()
    impressions_clicks = models.FloatField(help_text="Sum over clusters of impressions x clicks.")
    plays_sq = models.FloatField()
    impressions_plays = models.FloatField()
    inverse_propensity_clicks = models.FloatField(default=0.0, help_text="Sum of click / propensity (IPS).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "experiment", "variant", "policy", "device"], name="one_experiment_rollup_per_slice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.experiment}={self.variant}: {self.clicks}/{self.impressions}"
