"""django-tasks entry points of the webhook worker (run by `manage.py run_worker`)."""

from django_tasks import task

from .delivery import deliver_room


@task()
def deliver_room_webhooks(room_id: str) -> None:
    come_back_at = deliver_room(room_id)
    if come_back_at is not None:
        # The next retry (or a busy room) is scheduled as a deferred task, not a sleeping worker.
        deliver_room_webhooks.using(run_after=come_back_at).enqueue(room_id=room_id)
