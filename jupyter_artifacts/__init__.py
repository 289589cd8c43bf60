"""jupyter_artifacts: versioned research artifacts over PostgreSQL for Jupyter."""

try:
    from ._version import __version__
except ImportError:  # a source tree that was never built
    __version__ = "0.0.0+unknown"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyter_artifacts"}]


def _jupyter_server_extension_points():
    from .app import JupyterArtifactsApp

    return [{"module": "jupyter_artifacts", "app": JupyterArtifactsApp}]
