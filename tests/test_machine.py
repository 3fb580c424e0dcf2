"""How much of the machine is free (learnlab.machine): the idle-core count from two CPU
samples, with this process's own work not counted as load, and real samples on Linux."""

from __future__ import annotations

import sys
import time

import pytest

from learnlab.machine import CpuSample, idle_cores, idle_cores_between, sample_cpu, usable_cores


def samples(seconds: float, busy: float, own: float) -> tuple[CpuSample, CpuSample]:
    """Two samples `seconds` apart: `busy` core-seconds in all, `own` of them this process's."""
    return CpuSample(100.0, 5000.0, 2.0), CpuSample(100.0 + seconds, 5000.0 + busy, 2.0 + own)


def test_a_core_counts_as_taken_when_others_keep_it_busy():
    assert idle_cores_between(*samples(1.0, busy=0.0, own=0.0), cores=2) == 2
    assert idle_cores_between(*samples(1.0, busy=0.2, own=0.0), cores=2) == 2  # noise
    assert idle_cores_between(*samples(1.0, busy=1.0, own=0.0), cores=2) == 1  # a busy loop
    assert idle_cores_between(*samples(0.5, busy=0.25, own=0.0), cores=2) == 1  # half a core
    assert idle_cores_between(*samples(1.0, busy=2.0, own=0.0), cores=2) == 0
    assert idle_cores_between(*samples(1.0, busy=3.5, own=0.0), cores=16) == 12


def test_this_process_own_work_is_not_load():
    # loading data on both cores: busy, but all of it this process's
    assert idle_cores_between(*samples(1.0, busy=2.0, own=2.0), cores=2) == 2
    assert idle_cores_between(*samples(1.0, busy=2.0, own=1.0), cores=2) == 1


def test_unknown_busy_time_gives_no_count():
    before, after = samples(1.0, busy=0.0, own=0.0)
    unknown = CpuSample(before.wall, None, before.own)
    assert idle_cores_between(unknown, after, cores=2) is None
    assert idle_cores(unknown, cores=2) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_real_samples_measure_over_a_tenth_of_a_second():
    first = sample_cpu()
    assert first.busy is not None and first.busy > 0
    started = time.monotonic()
    idle = idle_cores(first)
    assert time.monotonic() - started >= 0.09  # too short an interval is waited out
    assert 0 <= idle <= usable_cores()
    assert sample_cpu().busy >= first.busy
