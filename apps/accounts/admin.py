from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from . import partner_credentials, services
from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import ApiKey, PartnerCredential, PlatformSetting, Role, User
from .platform_settings import MASK, SECRET_KEYS


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["id"]
    list_display = [
        "id",
        "email",
        "name",
        "role",
        "is_active",
        "deleted_at",
        "last_login",
        "created_at",
    ]
    list_filter = ["role", "is_active", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name"]
    readonly_fields = ["last_login", "created_at", "updated_at", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "role", "timezone"]}),
        (
            "Status",
            {"fields": ["is_active", "deleted_at", "last_login", "created_at", "updated_at"]},
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "role", "timezone", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal: list = []
    actions = ["soft_delete", "restore"]

    @admin.action(description="Soft-delete selected users (revokes their keys)")
    def soft_delete(self, request, queryset):
        count = 0
        for user in queryset.filter(deleted_at__isnull=True):
            if user.pk == request.user.pk:
                self.message_user(request, "You cannot delete your own account.", messages.WARNING)
                continue
            services.user_soft_delete(user=user, actor=request.user)
            count += 1
        self.message_user(request, f"{count} user(s) deleted.")

    @admin.action(description="Restore selected users")
    def restore(self, request, queryset):
        count = 0
        for user in queryset.filter(deleted_at__isnull=False):
            user.deleted_at, user.is_active = None, True
            user.save(update_fields=["deleted_at", "is_active", "updated_at"])
            count += 1
        self.message_user(request, f"{count} user(s) restored.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["id", "prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "name", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are created through the API so the raw key can be shown once

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} key(s) revoked.")


@admin.register(PlatformSetting)
class PlatformSettingAdmin(admin.ModelAdmin):
    list_display = ["key", "shown_value", "updated_at", "updated_by"]
    search_fields = ["key"]
    readonly_fields = ["updated_at", "updated_by"]

    @admin.display(description="value")
    def shown_value(self, obj: PlatformSetting):
        return MASK if obj.key in SECRET_KEYS and obj.value else obj.value

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        from django.core.cache import cache

        from .platform_settings import CACHE_KEY

        cache.delete(CACHE_KEY)


class PartnerCredentialIssueForm(forms.ModelForm):
    class Meta:
        model = PartnerCredential
        fields = ["user", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            role=Role.PARTNER, deleted_at__isnull=True
        )


@admin.register(PartnerCredential)
class PartnerCredentialAdmin(admin.ModelAdmin):
    """Issue (the secret is shown once, in the confirmation message) and revoke pairs."""

    list_display = ["id", "api_key", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["api_key", "name", "user__email"]
    list_select_related = ["user"]
    exclude = ["secret_hash"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PartnerCredentialIssueForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "api_key", "created_by", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        credential, raw_secret = partner_credentials.partner_credential_issue(
            user_id=obj.user_id, actor=request.user, name=obj.name
        )
        obj.pk, obj.api_key = credential.pk, credential.api_key
        self.message_user(
            request,
            f"API key {credential.api_key} · API secret {raw_secret} — copy the secret now: "
            "it is not stored and will not be shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected partner credentials")
    def revoke(self, request, queryset):
        count = 0
        for credential in queryset.filter(revoked_at__isnull=True):
            partner_credentials.partner_credential_revoke(credential=credential)
            count += 1
        self.message_user(request, f"{count} credential(s) revoked.")


# Django admin keeps its own login page, but a user with MFA (or who must set it up) is sent
# to the dashboards' second step instead of being signed in on the password alone.
_django_admin_login = admin.site.login


def _admin_login(request, extra_context=None):
    if request.method == "POST":
        from django.contrib.auth import authenticate

        from apps.dashboards.accounts.mfa_views import mfa_login_pending

        from .mfa import mfa_enabled, mfa_enforced_for

        user = authenticate(
            request,
            username=request.POST.get("username", ""),
            password=request.POST.get("password", ""),
        )
        if user is not None and (mfa_enabled(user) or mfa_enforced_for(user)):
            target = request.GET.get("next") or request.POST.get("next") or ""
            return mfa_login_pending(
                request, user, target if target.startswith("/admin/") else "/admin/"
            )
    return _django_admin_login(request, extra_context)


admin.site.login = _admin_login
