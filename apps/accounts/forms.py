from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from .models import User


class AdminUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone"]


class AdminUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone", "is_active"]
