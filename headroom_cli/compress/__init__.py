"""The engine. `headroom_cli.compress` is both this package and the library function `compress(...)`:
importing any submodule binds the package to the parent's `compress` attribute, which would shadow the
function that `from headroom_cli import compress` promises, so the package module itself is callable."""
import sys as _sys
import types as _types


class _CallablePackage(_types.ModuleType):
    def __call__(self, *args, **kwargs):
        from .api import compress

        return compress(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
