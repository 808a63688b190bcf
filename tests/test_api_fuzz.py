"""A property-based fuzzer (schemathesis) drives every operation of /api/openapi.json with generated requests, as a
logged-in administrator (so every operation is reachable): no server error, and every answer is one the document
describes (status code, content type, headers, body schema).

Authorization is not judged here: the authorization matrix and the signed-request tests do that exactly. Nor is
rejection of valid-looking input (a gadget id that is not in the directory is schema-valid and still refused).
``FUZZ_EXAMPLES`` sets how many requests per operation (default 25; ``make fuzz`` runs 500).
"""
import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from dashboard.testing import _logged_in

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_the_api_answers_every_generated_request_as_its_document_says(dashboard_app, make_user):
    admin = _logged_in(dashboard_app, make_user, "root", admin=True)
    cookies = {c.name: c.value for c in admin.app.cookiejar}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", dashboard_app)
    examples = int(os.environ.get("FUZZ_EXAMPLES", 25))
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers={"X-CSRF-Token": admin.csrf}, cookies=cookies, checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations >= 18
    assert failures == [], "\n\n".join(failures)
