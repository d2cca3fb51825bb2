"""Default periodic tasks, declared in one place and installed into django-celery-beat's tables.

They are created only when missing: once installed, the schedule belongs to the admins, who can
change it in the Django admin (Periodic tasks) without a deploy, and a restart never reverts it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    why: str
    crontab: dict[str, str] | None = None  # minute/hour/day_of_week/...
    every_seconds: int | None = None


PERIODIC_TASKS: list[PeriodicTaskSpec] = [
    PeriodicTaskSpec(
        name="Retrain the recommender",
        task="personalization.tasks.model_retrain_task",
        why="Nightly at 02:00 UTC, when traffic is lowest: learn from the day's ratings, plays, thumbs and lists.",
        crontab={"minute": "0", "hour": "2"},
    ),
    PeriodicTaskSpec(
        name="Teach the artwork bandit",
        task="personalization.tasks.bandit_learn_task",
        why="Every minute: fold in new impressions and clicks, so clicks change what similar viewers see soon.",
        every_seconds=60,
    ),
    PeriodicTaskSpec(
        name="Teach the row order",
        task="personalization.tasks.rows_learn_task",
        why="Every minute: fold in which rows' seen cards were clicked, so the learned row order (ROW_POLICY) "
        "follows what viewers open, in each time of day and on each device.",
        every_seconds=60,
    ),
    PeriodicTaskSpec(
        name="Drain the impression outbox",
        task="personalization.tasks.impressions_outbox_drain_task",
        why="Every minute: page views logged to the database while the broker was down go to the log.",
        every_seconds=60,
    ),
    PeriodicTaskSpec(
        name="Roll up old impressions",
        task="personalization.tasks.impressions_rollup_task",
        why="Daily at 03:30 UTC: raw impressions past IMPRESSION_RETENTION_DAYS become daily counts.",
        crontab={"minute": "30", "hour": "3"},
    ),
    PeriodicTaskSpec(
        name="Analyse experiments",
        task="personalization.tasks.experiment_analyse_task",
        why="Hourly: every running experiment's report (and a stopped one's final report), so results pages "
        "stay fast with millions of impressions; the page can also ask for one now.",
        crontab={"minute": "5"},
    ),
    PeriodicTaskSpec(
        name="Draw missing artwork",
        task="catalog.tasks.artwork_generate_pending_task",
        why="Hourly: cards for titles added or un-retired since the last run, popular titles first.",
        crontab={"minute": "17"},
    ),
]


def periodic_tasks_ensure() -> int:
    """Install any declared periodic task that is missing; returns how many were created."""
    created = 0
    for spec in PERIODIC_TASKS:
        if PeriodicTask.objects.filter(name=spec.name).exists():
            continue
        schedule: dict = {}
        if spec.crontab is not None:
            fields = {"minute": "0", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
            fields.update(spec.crontab)
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(**fields, timezone="UTC")
        else:
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=spec.every_seconds, period=IntervalSchedule.SECONDS
            )
        PeriodicTask.objects.create(name=spec.name, task=spec.task, description=spec.why, **schedule)
        created += 1
    return created
