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

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_controller = None
_users = 0
_limiter = None


def _blas():
    global _controller
    with _lock:
        if _controller is None:
            # Scanning the loaded libraries takes about 10 ms: do it once.
            _controller = ThreadpoolController()
        return _controller.select(user_api="blas")


def blas_threads():
    """The number of threads the BLAS libraries are currently allowed to use.

    Respects ``threadpoolctl.threadpool_limits`` and ``OPENBLAS_NUM_THREADS``;
    1 when no BLAS library was found.
    """
    counts = [lib.num_threads for lib in _blas().lib_controllers]
    return max(counts, default=1)


@contextmanager
def single_threaded_blas():
    """Limit every BLAS library to one thread until the last user leaves."""
    global _users, _limiter
    blas = _blas()
    with _lock:
        if _users == 0:
            _limiter = blas.limit(limits=1)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _limiter.restore_original_limits()
                _limiter = None
