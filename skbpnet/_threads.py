"""How many threads the BLAS may use, and running work on single-threaded BLAS.

OpenBLAS splits one matrix product over its threads, but for the shapes a
network has (a hundred or so output columns) that split scales poorly.  Two
Python threads that each multiply chunks of rows with a single-threaded BLAS
(NumPy releases the GIL inside ``matmul``) predicted 60000x784 rows through a
(100,) network 1.2-1.5 times faster than OpenBLAS's own two threads on an idle
2-core machine, and about as fast when the machine was busy.
:func:`single_threaded_blas` sets that up for the duration of a call.

The BLAS thread count is process-wide state.  Nested and concurrent users are
counted, so the original limits are restored only when the last one leaves.
This module imports threadpoolctl (a scikit-learn dependency) and nothing else
outside the standard library.
"""

import functools
import os
import threading
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_controller = None
#: filepath -> [number of active users, thread count to restore].
_limited = {}


def _blas_libs():
    global _controller
    with _lock:
        if _controller is None:
            # Scanning the loaded libraries takes about 10 ms: do it once.
            _controller = ThreadpoolController()
        return _controller.select(user_api="blas").lib_controllers


@functools.cache
def _numpy_owns(filepath):
    """Whether a library file is the one vendored inside NumPy's wheel.

    Cached: resolving the paths costs about 0.1 ms per library, on every
    L-BFGS fit (and a loaded library's path does not change).
    """
    root = os.path.realpath(os.path.dirname(np.__file__))
    path = os.path.realpath(filepath)
    # auditwheel and delvewheel put it in numpy.libs, delocate in numpy/.dylibs.
    return any(path.startswith(d + os.sep) for d in (root, root + ".libs"))


def blas_threads():
    """The number of threads the BLAS libraries are currently allowed to use.

    Respects ``threadpoolctl.threadpool_limits`` and ``OPENBLAS_NUM_THREADS``;
    1 when no BLAS library was found.
    """
    return max((lib.num_threads for lib in _blas_libs()), default=1)


def _set_threads(lib, n):
    """Set ``lib``'s thread count, whichever Python thread calls.

    threadpoolctl 3.8 lets only one live Python thread (the first to set a
    limit) change OpenBLAS's process-wide count, and ignores the others
    without an error. skbpnet's changes are serialised by ``_lock`` and
    counted per library, and the last user to leave, in whatever thread,
    restores the count: through the public method, that restore was dropped
    and left the BLAS on one thread for good, and with another thread in
    control the limit itself was never set. The unfiltered setter is used
    where threadpoolctl has one.
    """
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


@contextmanager
def _one_thread(libs):
    """Set ``libs`` to one thread; each is restored when its last user leaves.

    Counting users per library keeps nested and concurrent calls (of either
    public context manager below) from restoring a limit another still needs.
    """
    counted = []
    with _lock:
        for lib in libs:
            entry = _limited.get(lib.filepath)
            if entry is None:
                threads = lib.num_threads
                if threads == 1:
                    # Already one thread: nothing to set, nothing to restore
                    # (and no limit set by someone else meanwhile to undo).
                    continue
                _limited[lib.filepath] = [1, threads]
                _set_threads(lib, 1)
            else:
                entry[0] += 1
            counted.append(lib)
    try:
        yield
    finally:
        with _lock:
            for lib in counted:
                entry = _limited[lib.filepath]
                entry[0] -= 1
                if entry[0] == 0:
                    _set_threads(lib, entry[1])
                    del _limited[lib.filepath]


def single_threaded_blas():
    """Limit every BLAS library to one thread until the last user leaves."""
    return _one_thread(_blas_libs())


def single_threaded_foreign_blas():
    """Limit the BLAS libraries NumPy does not use to one thread.

    SciPy's wheels carry their own OpenBLAS.  scipy's L-BFGS-B calls it between
    two evaluations of the network, whose products run on NumPy's.  With two
    threads each, the two libraries' idle threads spin against each other on
    two cores, and an L-BFGS fit of digits took 0.2 s instead of 0.05 s.  With
    SciPy's BLAS on one thread (its vectors are short) and NumPy's untouched,
    both run at full speed.  A no-op when NumPy's library cannot be told apart
    (for example one shared OpenBLAS or MKL).
    """
    libs = _blas_libs()
    if not any(_numpy_owns(lib.filepath) for lib in libs):
        libs = []
    return _one_thread([lib for lib in libs if not _numpy_owns(lib.filepath)])
