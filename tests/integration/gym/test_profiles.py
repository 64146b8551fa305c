"""Profile paths and the per-profile lock."""

from __future__ import annotations

import json
import os

import pytest

from mantis.errors import ProfileLocked, RequestError
from mantis.gym.profiles import ProfileLock, profile_paths


def test_profile_paths_live_under_the_tenant(tmp_path):
    profile_dir, lock = profile_paths(tmp_path, "acme", "shop-1")
    assert profile_dir == tmp_path / "tenants" / "acme" / "chrome-profile" / "shop-1"
    assert lock == tmp_path / "tenants" / "acme" / "chrome-profile" / "shop-1.lock"


@pytest.mark.parametrize(
    ("tenant", "profile_id", "field"),
    [
        ("acme", "../escape", "profile_id"),
        ("acme", "a/b", "profile_id"),
        ("acme", "", "profile_id"),
        ("acme", "x" * 129, "profile_id"),
        ("..", "p", "tenant"),
        ("ac me", "p", "tenant"),
    ],
)
def test_bad_ids_are_rejected_naming_the_field(tmp_path, tenant, profile_id, field):
    with pytest.raises(RequestError) as err:
        profile_paths(tmp_path, tenant, profile_id)
    assert err.value.message.startswith(field)


def test_second_lock_on_same_profile_raises_profile_locked_with_holder(tmp_path):
    _, lock_path = profile_paths(tmp_path, "acme", "p1")
    with ProfileLock(lock_path, run_id="run-A") as first:
        content = json.loads(lock_path.read_text())
        assert content["run_id"] == "run-A" and content["pid"] == os.getpid()
        # Same process, second open file description: flock still conflicts.
        with pytest.raises(ProfileLocked) as err:
            ProfileLock(lock_path, run_id="run-B").acquire()
        assert err.value.held_run_id == "run-A"
        assert err.value.status_code == 409
        assert err.value.extra["profile_id"] == "p1"
        assert first.held
    # Released: the next run gets it.
    with ProfileLock(lock_path, run_id="run-B"):
        assert json.loads(lock_path.read_text())["run_id"] == "run-B"


def test_release_is_idempotent(tmp_path):
    lock = ProfileLock(tmp_path / "p.lock", run_id="r").acquire()
    lock.release()
    lock.release()
    assert not lock.held
