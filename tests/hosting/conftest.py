from tests.hosting.helpers import local_server  # noqa: F401  (fixture)
from tests.hosting.pebble import acme_site  # noqa: F401  (fixture)
