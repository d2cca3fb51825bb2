from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The Django admin, with a login that slows down password guessing (streamflix.admin_site)."""

    default_site = "streamflix.admin_site.AdminSite"
