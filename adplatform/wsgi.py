import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adplatform.settings.base")

application = get_wsgi_application()

# Serve and tracking requests take a shorter lane in front of Django's handler.
from apps.delivery.wsgi import HotPathApplication  # noqa: E402

application = HotPathApplication(application)
