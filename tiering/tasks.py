from celery import shared_task

from districts.tenancy import TenantTask

from . import services


@shared_task(base=TenantTask, acks_late=True)
def run_attendance_import(*, district_id: int, import_id: int) -> str:
    return services.attendance_import_run(import_id=import_id)
