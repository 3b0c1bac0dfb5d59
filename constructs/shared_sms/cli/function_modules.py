"""The function's own ``equivalence`` and ``ownership`` modules, loaded from its code asset (the
wheel ships it as ``shared_sms/function_code``): the CLI judges a live policy by the same rules,
from the same file, as the function's read-back, so the two cannot drift apart.

Loaded under a private package name: the asset is not on ``sys.path`` (putting it there would
also expose its vendored ``crhelper`` and ``index``), and its modules import each other relatively.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from ..function_code import function_code_dir

_PACKAGE = "shared_sms.cli._function"


def _load(module: str) -> ModuleType:
    if _PACKAGE not in sys.modules:
        folder = function_code_dir() / "shared_sms_function"
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{_PACKAGE}.{module}")


equivalence = _load("equivalence")
ownership = _load("ownership")
