"""Each error class carries its HTTP status: the API has no code-to-status table to forget."""

import pytest

from hublink.coordinator import errors as coordinator_errors
from hublink.shared import errors as shared_errors
from hublink.shared.errors import HublinkError

CLASSES = [getattr(module, name) for module in (shared_errors, coordinator_errors)
           for name in module.__all__ if getattr(module, name) is not HublinkError]


@pytest.mark.parametrize("error_class", CLASSES, ids=lambda cls: cls.__name__)
def test_every_request_error_declares_its_status(error_class):
    assert "http_status" in vars(error_class), f"{error_class.__name__} has no http_status"
    assert 400 <= error_class.http_status < 600


def test_an_undeclared_domain_error_is_not_blamed_on_the_client():
    class Unforeseen(HublinkError):
        code = "unforeseen"

    assert Unforeseen.http_status == 500


def test_the_api_answers_with_the_class_status(client):
    response = client.get("/api/v1/status")  # no token
    assert response.status_code == coordinator_errors.Unauthorised.http_status
    assert response.get_json()["error"]["code"] == "unauthorised"
