import os

from django.core.wsgi import get_wsgi_application

from .serving import announce_task_mode, warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")

application = get_wsgi_application()
announce_task_mode()
warm_up()
