"""Kept so that ``dashboard.specs`` imports keep working: spec parsing and spec URLs live in
``dashboard.opensocial.spec``, the supported features in ``dashboard.opensocial.features``."""
from .opensocial.spec import (  # noqa: F401
    MAX_BUNDLE_BYTES, MAX_BUNDLES, MAX_SPEC_BYTES, SPEC_REFRESH, Spec, SpecError, build_url_gadget, fetch_spec,
    for_instance, gadget_from_spec, load_directory, parse_bundle, parse_spec, refresh_source, source_status,
    spec_provider, spec_url_of, start_refresher, substitute, url_gadget_id, url_gadgets, url_providers)
