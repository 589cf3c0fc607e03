"""Abstract base models shared by every app."""

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DomainEvent(models.Model):
    """Outbox of domain events: written in the transaction that made the change."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=50, db_index=True)
    data = models.JSONField(default=dict)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.uuid}"


class SharedCounter(models.Model):
    """An integer every server process adds to atomically: the embedded default's counters.

    Redis does this in production. Without it, Django's database cache would increment by
    read-then-write (increments lost between processes) and cull entries at random when full
    (a budget counter could vanish), so money counters live here instead. ``expires_at`` is a
    Unix time; expired rows read as absent and are purged periodically.
    """

    name = models.CharField(max_length=255, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.FloatField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class SharedEntry(models.Model):
    """A short text every server process can read: the embedded default's served-token
    memory (Redis holds it in production). Same expiry rules as ``SharedCounter``."""

    name = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.name
