"""Signals other apps listen to (e.g. inventory creates a publisher profile on signup)."""

from django.dispatch import Signal

# Sent after a user is created through ``user_create``; kwargs: user.
user_created = Signal()
