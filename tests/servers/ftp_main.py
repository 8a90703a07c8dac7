"""Run pyftpdlib as a separate process: one FTP server offering AUTH TLS, one without TLS.

python ftp_main.py CHAIN KEY HOME USER PASSWORD TLS_PORT PLAIN_PORT   (SIGTERM stops it)
"""
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main(chain: str, key: str, home: str, user: str, password: str, tls_port: int, plain_port: int) -> None:
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, home, perm="elr")

    class TlsHandler(TLS_FTPHandler):
        pass

    TlsHandler.certfile = chain
    TlsHandler.keyfile = key
    TlsHandler.authorizer = authorizer
    TlsHandler.auth_failed_timeout = 0.1  # tests fail logins on purpose; default is a 3 s pause

    class PlainHandler(FTPHandler):
        pass

    PlainHandler.authorizer = authorizer
    PlainHandler.auth_failed_timeout = 0.1
    FTPServer(("127.0.0.1", plain_port), PlainHandler)  # shares the default IOLoop with the next one
    FTPServer(("127.0.0.1", tls_port), TlsHandler).serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:6], int(sys.argv[6]), int(sys.argv[7]))
