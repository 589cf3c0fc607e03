"""Forms of the account pages. They only shape input; the accounts and webhooks services
decide (password strength, unique email, URL safety, allowed events)."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm

from apps.accounts import services as account_services
from apps.accounts.models import Role
from apps.common.events import EVENT_TYPES
from apps.webhooks.models import NAME_MAX_LENGTH, URL_MAX_LENGTH
from apps.webhooks.selectors import ADMIN_ONLY_EVENTS, TEST_EVENT
from apps.webhooks.urlsafety import url_syntax_error

from .shared import SERVICE_ERRORS, form_add_errors

SIGNUP_ROLE_CHOICES = [
    ("advertiser", "Advertiser — I want to buy ads"),
    ("publisher", "Publisher — I want to sell ad space"),
]


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault(
            "help_text", "Reports, budgets and day/hour targeting use this time zone."
        )
        super().__init__(choices=timezone_choices, **kwargs)


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(self.request, username=data["email"], password=data["password"])
        if self.user is None:
            raise forms.ValidationError("Invalid email or password.", code="invalid_login")
        return data


class SignupForm(forms.Form):
    role = forms.ChoiceField(
        label="Account type",
        choices=SIGNUP_ROLE_CHOICES,
        initial="advertiser",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not too common and not only digits.",
    )
    password_confirm = forms.CharField(
        label="Repeat the password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    timezone = TimezoneField(initial="UTC")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords differ.")
        return data

    def save(self):
        """Create the account through the signup service; ``None`` when the service refused
        (its errors are on the form then)."""
        data = self.cleaned_data
        try:
            return account_services.user_create(
                email=data["email"],
                password=data["password"],
                name=data["name"],
                role=Role.from_name(data["role"]),
                timezone_name=data["timezone"],
            )
        except SERVICE_ERRORS as exc:
            form_add_errors(self, exc)
            return None


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=254)
    timezone = TimezoneField()


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_confirm = forms.CharField(
        label="Repeat the new password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self):
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("Your current password is not correct.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get(
            "new_password_confirm"
        ):
            self.add_error("new_password_confirm", "The two passwords differ.")
        return data


class ResetSetPasswordForm(SetPasswordForm):
    """Django's reset form, saving through ``user_update`` like every password change (so
    the account's API keys and refresh tokens are revoked as well)."""

    def save(self, commit=True):
        account_services.user_update(
            user=self.user, actor=self.user, password=self.cleaned_data["new_password1"]
        )
        return self.user


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        required=False,
        help_text="A label to recognise the key later, e.g. “Reporting script”.",
    )


def event_choices(user) -> list[tuple[str, str]]:
    return [
        (name, name)
        for name in EVENT_TYPES
        if name != TEST_EVENT and (user.role == Role.ADMIN or name not in ADMIN_ONLY_EVENTS)
    ]


class WebhookForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH, required=False, help_text="Defaults to the URL's host."
    )
    url = forms.CharField(
        label="URL",
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/ads"}),
        help_text="A public https address that answers 2xx within a few seconds.",
    )
    events = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices(user)

    def clean_url(self):
        value = self.cleaned_data["url"].strip()
        error = url_syntax_error(value)
        if error:
            raise forms.ValidationError(error)
        return value
