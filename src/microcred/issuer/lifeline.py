"""Child processes that die with their parent: a process killed with SIGKILL runs no clean-up, so its children
(the apps ``microcred serve`` starts, the signing workers) must notice by themselves or live on as orphans.

Linux: ``prctl(PR_SET_PDEATHSIG)`` has the kernel signal the child when the thread that forked it ends
(https://man7.org/linux/man-pages/man2/prctl.2.html). Elsewhere, and as a second line where the direct parent is a
helper process (the fork server of the signing pool), a daemon thread watches the process that must outlive it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "watch_process"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, *, parent: int | None = None) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent ends (Linux; a no-op elsewhere).

    ``parent``: the pid the parent had before this call; if it is already gone (we were re-parented in between),
    this process ends itself at once, since the kernel would never send the signal."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def watch_process(pid: int, *, every: float = 0.5) -> threading.Thread:
    """A daemon thread that ends this process (``os._exit``) once process ``pid`` or this process's current
    parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent or not _alive(pid):
                os._exit(1)
            time.sleep(every)

    thread = threading.Thread(target=watch, name=f"watch-{pid}", daemon=True)
    thread.start()
    return thread
