from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_periodic_tasks(sender, **kwargs) -> None:
    from personalization.services.schedule import periodic_tasks_ensure

    periodic_tasks_ensure()


class PersonalizationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "personalization"

    def ready(self) -> None:
        # After migrations, make sure beat has its default schedule (never overwriting an admin's edits).
        post_migrate.connect(_install_periodic_tasks, sender=self)
