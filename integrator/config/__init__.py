"""Configuration: the service config and the integration sets (SPEC §2), as pydantic models.

Two sources feed these models with the same structure:

* YAML files: ``service.yaml`` (the service) and ``sets/*.yaml`` (one integration set per file).
  String values may reference environment variables as ``${NAME}`` (or ``${NAME:-default}``), which
  is how secrets reach the config without being written into files (``loading``).
* The CRM, which pushes sets as XML (``integrator.api.setxml``) that maps 1:1 onto the same models.

Every secret is a ``SecretStr``: masked in ``repr``, in ``model_dump()`` and in logs.

* ``base``     — the model base class and shared vocabulary;
* ``sets``     — ``IntegrationSet`` and its parts;
* ``service``  — ``ServiceConfig`` and its parts;
* ``loading``  — YAML and environment loading, ``ConfigError``;
* ``masking``  — the masked summary of ``check-config``.
"""

from integrator.config import base, loading, masking, service, sets
from integrator.config.base import *  # noqa: F403
from integrator.config.loading import *  # noqa: F403
from integrator.config.masking import *  # noqa: F403
from integrator.config.service import *  # noqa: F403
from integrator.config.sets import *  # noqa: F403

__all__ = [*base.__all__, *loading.__all__, *masking.__all__, *service.__all__, *sets.__all__]
