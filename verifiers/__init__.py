"""The trusted kernel: exact move semantics, certificate replay and verdicts.

Depends on nothing else in rigorgym. ``verify(certificate) -> Verdict``.
"""

from .certificate import DEFAULT_LIMITS, FORMAT, Limits, Verdict, schema, verify
from .diagram import SPHEROGRAM_VERSION
from .io import UnreadableInput, read_certificates

#: Replay of Ribbon-v0 certificates depends on spherogram's band and simplification code: its version is pinned here.
KERNEL_VERSION = f"braid-1+plumbing-1+ribbon-1(spherogram-{SPHEROGRAM_VERSION})+reidemeister-1+bands-1+andrews-curtis-1"

__all__ = [
    "DEFAULT_LIMITS",
    "FORMAT",
    "KERNEL_VERSION",
    "Limits",
    "UnreadableInput",
    "Verdict",
    "read_certificates",
    "schema",
    "verify",
]
