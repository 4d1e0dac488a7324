"""The real URLs plus two views a careless change could add: one reading students through the
unscoped manager, one failing half-way. tests/test_db_walls.py routes requests here."""

from django.http import JsonResponse
from django.urls import include, path

from tiering.models import Student


def planted_unscoped(request, district_slug):
    return JsonResponse({"sis_ids": sorted(Student.unscoped.values_list("sis_id", flat=True))})


def planted_failure(request, district_slug):
    raise RuntimeError("a view that fails inside the tenant context")


urlpatterns = [
    path("d/<slug:district_slug>/planted/students/", planted_unscoped),
    path("d/<slug:district_slug>/planted/failure/", planted_failure),
    path("", include("attendance_platform.urls")),
]
