"""Settings of the Celery worker that ``test_worker`` starts: the test settings, not eager.

The worker gets the test database through ``DATABASE_URL`` and the broker through
``REDIS_URL``, both set by the test.
"""

from adplatform.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
