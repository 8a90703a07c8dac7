"""The real-server fixtures (tests/servers/fixtures.py) for the probe tests.

pytest allows `pytest_plugins` only in the root conftest, so this registers the plugin itself;
import_plugin is a no-op when the root tests/conftest.py has registered it already, so the
session servers are never started twice.
"""


def pytest_configure(config):
    config.pluginmanager.import_plugin("tests.servers.fixtures")
