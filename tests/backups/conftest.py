from tests.hosting.helpers import local_server  # noqa: F401  (fixture)
