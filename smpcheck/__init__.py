"""smpcheck: exhaustive checking of lockless kernel designs.

(The package manual is written as the package grows; see README.md.)
"""

from smpcheck.explorer import Settings
from smpcheck.findings import Kind, Result, Status, Violation
from smpcheck.kernel import *  # noqa: F403
from smpcheck.kernel import __all__ as _kernel_names
from smpcheck.loader import install_library_rewriting
from smpcheck.memory import NULL, Array, Field, Struct, Var
from smpcheck.model import FinalState, Model
from smpcheck.verify import verify

install_library_rewriting()

__all__ = ["NULL", "Array", "Field", "FinalState", "Kind", "Model", "Result", "Settings",
           "Status", "Struct", "Var", "Violation", "verify", *_kernel_names]
