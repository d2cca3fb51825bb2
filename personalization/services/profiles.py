"""Whose profiles a visitor may use, and creating profiles.

Everyone may watch as the demo account's sample viewers. A signed-in user also has their own
household (made on first visit); an anonymous visitor's own profiles live in a guest account tied to
their browser session, never in the shared sample list.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from personalization.models import Account, Profile
from streamflix.errors import InvalidInput

MAX_PROFILES_PER_ACCOUNT = 5  # the demo account is exempt: it holds the 610 sample viewers


def account_for_user(user: AbstractBaseUser | AnonymousUser) -> Account | None:
    """A signed-in user's own household (made on first visit); None for anonymous visitors."""
    if not user.is_authenticated:
        return None
    try:
        return user.account
    except Account.DoesNotExist:
        return _account_create(user)


def guest_account(key: str, *, create: bool = False) -> Account | None:
    """The guest account of an anonymous visitor's session key (made on their first profile)."""
    if create:
        return Account.objects.get_or_create(guest_key=key, defaults={"name": "Your profiles"})[0]
    return Account.objects.filter(guest_key=key).first()


@transaction.atomic
def _account_create(user: AbstractBaseUser) -> Account:
    account, created = Account.objects.get_or_create(owner=user, defaults={"name": f"{user.get_username()}'s home"})
    if created:
        Profile.objects.create(account=account, name=(user.get_short_name() or user.get_username())[:40])
    return account


@transaction.atomic
def profile_create(*, account: Account, name: str) -> Profile:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the profile a name.")
    if len(name) > 40:
        raise InvalidInput("Profile names are at most 40 characters.")
    if not account.is_demo and account.profiles.count() >= MAX_PROFILES_PER_ACCOUNT:
        raise InvalidInput(f"An account has at most {MAX_PROFILES_PER_ACCOUNT} profiles.")
    color = Profile.AVATAR_COLORS[Profile.objects.count() % len(Profile.AVATAR_COLORS)]
    return Profile.objects.create(account=account, name=name, avatar_color=color)
