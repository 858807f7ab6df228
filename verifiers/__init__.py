"""The trusted kernel: exact move semantics, certificate replay and verdicts.

Depends on nothing else in rigorgym. ``verify(certificate) -> Verdict``.
"""

from .certificate import DEFAULT_LIMITS, FORMAT, Limits, Verdict, schema, verify
from .io import UnreadableInput, read_certificates

KERNEL_VERSION = "braid-1+plumbing-1"

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
