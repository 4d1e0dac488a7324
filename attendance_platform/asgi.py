import os

from django.core.asgi import get_asgi_application

from .serving import announce_task_mode, warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_platform.settings")

application = get_asgi_application()
announce_task_mode()
warm_up()
