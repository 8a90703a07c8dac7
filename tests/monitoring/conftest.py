import pytest


@pytest.fixture(autouse=True)
def _fresh_monitoring_queue(request):
    """Each test has its own database but the run shares one Redis: start with no cycle marks and
    an empty monitoring queue, as a fresh deployment would."""
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")
    from workers import queues

    def clear():
        conn = queues.connection()
        for key in conn.scan_iter("panel:monitor:*"):
            conn.delete(key)
        queues.queue("monitoring").empty()

    clear()
    yield
    clear()
