"""Schemathesis against /api/openapi.json: generated requests (bounded: a few examples per
operation) never make the API answer 500, and every error keeps the one JSON shape."""
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.reseller.test_api import _token

MAX_EXAMPLES = 8


def test_the_api_never_answers_500(app, as_demo_operator):
    headers = {"Authorization": f"Bearer {_token(as_demo_operator)}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.body!r}: {response.status_code}")
            elif response.status_code >= 400:
                error = response.json()["error"]
                assert {"code", "message", "field"} <= set(error), response.text

        check()
    assert not failures, "\n".join(failures)
