"""The background-work lesson's examples on the installed Django and django-tasks: enqueue on
commit and not after a rollback, JSON-only arguments, the conditional-update claim that makes a
task idempotent, and the Celery options it quotes."""

import pytest
from django.db import connection, transaction
from django.test.utils import isolate_apps
from django_tasks import TaskResultStatus, task_backends

from tests.helpers import lesson_code

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def stored(settings):
    """What the tasks framework was asked to run: DummyBackend keeps, and runs nothing."""
    settings.TASKS = DUMMY
    backend = task_backends["default"]
    backend.clear()
    return backend.results


@pytest.mark.django_db(transaction=True)  # on_commit needs a real commit
def test_place_order_enqueues_once_the_order_is_committed(stored):
    code = lesson_code("background-work", "def place_order(")
    order = code["place_order"]("ada")
    [result] = stored
    assert result.args == [order.pk] and result.status == TaskResultStatus.READY
    assert result.task.call(*result.args) is True  # the worker's call finds the order


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_order_enqueues_nothing(stored):
    code = lesson_code("background-work", "def place_order(")
    with pytest.raises(RuntimeError), transaction.atomic():
        code["place_order"]("grace")  # a savepoint inside this transaction...
        raise RuntimeError("...which then rolls back")
    assert stored == []


def test_task_arguments_must_be_json(stored):
    code = lesson_code("background-work", "def place_order(")
    with pytest.raises(TypeError, match="Unsupported type"):
        code["send_receipt"].enqueue(code["Account"](owner="x", balance=1))


@pytest.mark.django_db(transaction=True)
def test_the_conditional_update_lets_exactly_one_run_send_the_receipt():
    code = lesson_code("background-work", "def send_receipt_once(")
    with isolate_apps("playground"):

        class Order(code["Order"]):
            class Meta:
                app_label = "playground"

        with connection.schema_editor() as editor:
            editor.create_model(Order)
        try:
            order = Order.objects.create()
            sent = []
            runs = [code["send_receipt_once"](Order, order.pk, sent.append) for _ in range(3)]
            assert runs == [True, False, False] and sent == [order.pk]
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Order)


def test_the_celery_task_retries_with_backoff_and_acknowledges_late():
    charge_card = lesson_code("background-work", "def charge_card(")["charge_card"]
    assert charge_card.acks_late is True and charge_card.reject_on_worker_lost is True
    assert charge_card.autoretry_for == (ConnectionError,)
    assert charge_card.retry_backoff is True and charge_card.retry_kwargs == {"max_retries": 5}
