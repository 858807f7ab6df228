"""rigorgym: games whose won episodes are proofs in low-dimensional topology.

Importing the package registers every environment with Gymnasium.
"""

from rigorgym._version import __version__
from rigorgym.registration import register_all

register_all()

__all__ = ["__version__"]
