"""Fixtures of the source tests: AWS behind moto."""

import pytest
from moto import mock_aws


@pytest.fixture
def aws_env(monkeypatch):
    """Fake AWS keys and every AWS call answered by moto."""
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"
                 }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        yield
