"""Finding a logged model (or a run's or model's artifact owner) for a caller: the tenant rule of `runyard.access`.

Another tenant's model reads exactly as one nobody holds: `RESOURCE_DOES_NOT_EXIST`, same message.
"""

from __future__ import annotations

from runyard import access
from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import Store
from runyard.store.logged_models import LoggedModel, check_model_id


def model_for(store: Store, model_id: str, tenant: str) -> LoggedModel:
    """The caller's logged model by id; 404 for a malformed, missing or foreign id alike."""
    try:
        check_model_id(model_id)
        found = store.get_logged_model(model_id)
    except (InvalidInputError, NotFoundError):
        raise access.missing(access.Kind.LOGGED_MODEL, model_id) from None
    return access.require(found, tenant, access.Kind.LOGGED_MODEL, model_id)
