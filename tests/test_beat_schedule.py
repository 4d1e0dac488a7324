"""Beat's schedule: a malformed entry stops beat at start-up, and with it every periodic job
(the recompute, the audit pruning, the partner and check-in reminders); nothing else would
notice."""

from celery.beat import PersistentScheduler, ScheduleEntry

from attendance_platform.celery import app


def test_every_entry_is_one_a_scheduler_can_run():
    names = set()
    for name, fields in app.conf.beat_schedule.items():
        entry = ScheduleEntry(name=name, app=app, **fields)
        names.add(entry.task)
    app.loader.import_default_modules()
    assert names <= set(app.tasks), f"unknown tasks: {sorted(names - set(app.tasks))}"
    assert names == {
        "partners.tasks.remind_stale_partners",
        "districts.tasks.prune_audit_log",
        "tiering.tasks.enqueue_due_recomputes",
        "workshops.tasks.remind_check_ins",
    }


def test_beat_loads_the_schedule_from_its_file(tmp_path):
    scheduler = PersistentScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    scheduler.setup_schedule()
    try:
        assert set(app.conf.beat_schedule) <= set(scheduler.schedule)
    finally:
        scheduler.close()
