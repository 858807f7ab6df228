"""rigorgym: games whose won episodes are proofs in low-dimensional topology.

Importing the package registers every environment with Gymnasium, and first
sets the thread defaults that must precede torch's and numba's OpenMP runtime
(``rigorgym.threads``; docs/performance.md): import ``rigorgym`` before
``torch`` for them to apply.
"""

from rigorgym import threads as _threads

_threads.apply_environment()  # before anything below can load an OpenMP runtime

from rigorgym._version import __version__  # noqa: E402
from rigorgym.registration import register_all  # noqa: E402

register_all()

__all__ = ["__version__"]
