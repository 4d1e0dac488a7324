"""The in-app notification list: each person's own messages, the unread count in the
navigation, marking read, and turning email off."""

from django.core import mail

from districts.models import Membership, Notification
from districts.services import notification_send
from districts.tenancy import system_context

URL = "/d/riverside/notifications/"


def _notify(district, user, key, **extra):
    with system_context(district, reason="test"):
        membership = Membership.objects.get(user=user)
        return notification_send(
            district=district,
            membership=membership,
            key=key,
            subject=f"About {key}",
            body=f"Details of {key}",
            email_body=f"Email about {key}",
            **extra,
        )


def test_it_lists_only_the_readers_own_notifications_with_the_unread_count(
    client, district, principal, other_school_principal
):
    _notify(district, principal, "one")
    _notify(district, principal, "two")
    _notify(district, other_school_principal, "bobs")
    client.force_login(principal)
    response = client.get(URL)
    assert [n.subject for n in response.context["page"]] == ["About two", "About one"]
    assert response.context["unread_count"] == 2
    assert "About bobs" not in response.content.decode()
    assert [i["count"] for i in response.context["nav_items"] if i["label"] == "Notifications"] == [
        2
    ]


def test_marking_one_read_and_then_all(client, district, principal, other_school_principal):
    first = _notify(district, principal, "one")
    _notify(district, principal, "two")
    bobs = _notify(district, other_school_principal, "bobs")
    client.force_login(principal)
    # Someone else's id is ignored: it is not among the reader's notifications.
    client.post(f"{URL}read/", {"id": [first.pk, bobs.pk]})
    assert Notification.unscoped.filter(read_at__isnull=True).count() == 2
    client.post(f"{URL}read/")
    assert list(Notification.unscoped.filter(read_at__isnull=True)) == [bobs]


def test_a_notification_is_sent_once_per_event(
    district, principal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(district, principal, "run-7", link="/d/riverside/") is not None
        assert _notify(district, principal, "run-7") is None
    [email] = mail.outbox
    assert email.subject == "About run-7"
    assert "http://127.0.0.1:8000/d/riverside/" in email.body
    assert "turn email off" in email.body


def test_turning_email_off_keeps_notifications_in_the_app_only(
    client, district, principal, django_capture_on_commit_callbacks
):
    client.force_login(principal)
    assert client.post(URL, {}).status_code == 302  # an unticked box: email off
    with django_capture_on_commit_callbacks(execute=True):
        _notify(district, principal, "quiet")
    assert mail.outbox == []
    assert Notification.unscoped.filter(user=principal).count() == 1
    client.post(URL, {"email": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        _notify(district, principal, "loud")
    assert [m.subject for m in mail.outbox] == ["About loud"]


def test_an_outsider_cannot_find_the_districts_notifications(client, outsider, district):
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
