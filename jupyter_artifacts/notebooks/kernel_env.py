"""The environment of execution kernels: an allow-list of the server's, never its secrets."""

from __future__ import annotations

import os

# What a kernel needs to find its interpreter, libraries, locale, home and temporary directory,
# plus the usual knobs of numerical libraries. PYTHONPATH is passed on: the kernels the Jupyter
# server starts for the user inherit it, so a replay sees the same importable modules as the
# session that wrote the notebook. PYTHONHOME / PYTHONSTARTUP / PYTHONEXECUTABLE are not (they
# break or alter a kernel of another interpreter). Proxy variables are not either (they often
# carry credentials).
_ALLOWED_NAMES = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "USERNAME", "SHELL", "TERM", "LANG", "LANGUAGE", "TZ",
        "TMPDIR", "TEMP", "TMP",
        "PYTHONPATH", "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONDONTWRITEBYTECODE",
        "VIRTUAL_ENV", "LD_LIBRARY_PATH",
        "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH", "JUPYTER_DATA_DIR",
        "JUPYTER_PLATFORM_DIRS", "IPYTHONDIR", "MPLCONFIGDIR",
        "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
        "CUDA_VISIBLE_DEVICES",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        # Windows
        "SYSTEMROOT", "SYSTEMDRIVE", "COMSPEC", "PATHEXT", "WINDIR", "APPDATA", "LOCALAPPDATA",
        "USERPROFILE", "PROGRAMDATA", "PROGRAMFILES", "NUMBER_OF_PROCESSORS",
    }
)  # fmt: skip
_ALLOWED_PREFIXES = ("LC_", "CONDA_", "XDG_")
# Never passed, even when allow-listed above or asked for in `extra`.
_DENIED_SUBSTRINGS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH",
                      "DATABASE_URL", "_DSN", "COOKIE", "PRIVATE")  # fmt: skip
_DENIED_PREFIXES = ("PG", "JUPYTERHUB_", "JPY_", "JUPYTER_ARTIFACTS_", "JUPYTER_TOKEN")


def _denied(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(_DENIED_PREFIXES) or any(s in upper for s in _DENIED_SUBSTRINGS)


def _allowed(name: str) -> bool:
    upper = name.upper()
    return (upper in _ALLOWED_NAMES or upper.startswith(_ALLOWED_PREFIXES)) and not _denied(name)


def kernel_environment(extra: dict | None = None) -> dict:
    """The kernel's environment: the allow-listed variables of this process, then `extra`.

    Built explicitly, never from the server's whole `os.environ`: nothing of the server's
    credentials (JUPYTER_ARTIFACTS_*, DATABASE_URL, JUPYTER_TOKEN, JPY_*, JUPYTERHUB_*, PG*, and any
    name containing PASSWORD, SECRET, TOKEN, KEY, AUTH, ...) reaches user code. `extra` maps names to
    strings (None removes an inherited variable); a name of the denied kind in `extra` is a
    programming error (ValueError) rather than a silent drop.
    """
    env = {k: v for k, v in os.environ.items() if _allowed(k)}
    for name, value in (extra or {}).items():
        if not isinstance(name, str) or not name or "=" in name:
            raise ValueError(f"Invalid environment variable name: {name!r}")
        if _denied(name):
            raise ValueError(f"Environment variable {name!r} may not be passed to a kernel")
        if value is None:
            env.pop(name, None)
        elif isinstance(value, str):
            env[name] = value
        else:
            raise TypeError(f"Environment variable {name!r}: value must be a str or None")
    return env
