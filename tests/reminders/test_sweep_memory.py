"""The sweep pauses Python's cyclic garbage collector while it works (bench/sweep.py: a third of a
large sweep's time) and always hands it back, so a long-lived worker never runs without it."""

import gc

import pytest

from cutover.timeline import local_today
from reminders import sweep as sweep_module
from reminders.sweep import cyclic_gc_paused, reminders_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_during_a_sweep_and_running_again_after_it(collector_on, monkeypatch):
    seen = []
    real_schedule = sweep_module.schedule
    monkeypatch.setattr(sweep_module, "schedule", lambda batch: seen.append(gc.isenabled()) or real_schedule(batch))
    reminders_sweep(enqueue=False, day=local_today())
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_sweep_fails(collector_on, monkeypatch):
    def broken(batch):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sweep_module, "schedule", broken)
    with pytest.raises(RuntimeError):
        reminders_sweep(enqueue=False, day=local_today())
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
