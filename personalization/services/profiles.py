"""Which account a visitor sees, and creating profiles in it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from personalization.models import Account, Profile
from streamflix.errors import InvalidInput

MAX_PROFILES_PER_ACCOUNT = 5  # the demo account is exempt: it holds the 610 sample viewers


def account_for_user(user: AbstractBaseUser | AnonymousUser) -> Account:
    """Signed-in users see their own household (made on first visit); everyone else the demo one."""
    if not user.is_authenticated:
        return Account.objects.demo()
    try:
        return user.account
    except Account.DoesNotExist:
        return _account_create(user)


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
