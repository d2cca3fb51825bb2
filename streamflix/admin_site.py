"""The admin site: Django's, with a limited number of sign-in attempts per client address a minute."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

from streamflix.ratelimit import client_address, rate_limit


class AdminSite(admin.AdminSite):
    site_header = "Streamflix administration"
    site_title = "Streamflix admin"

    def login(self, request, extra_context=None):
        if request.method == "POST":
            limit = settings.RATE_LIMITS["admin_logins_per_minute"]
            rate_limit("admin-login", client_address(request), limit=limit, per=60)
        return super().login(request, extra_context)
