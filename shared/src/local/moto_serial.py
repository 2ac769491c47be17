"""moto_server, one request at a time.

moto's backends are not thread-safe: two DynamoDB transactions at once can fail inside the
emulator ("dictionary changed size during iteration") and come back as an HTML 500 page,
which the SDK reports as an unhandled error and the portal as a 503; and moto checks and
applies a transaction item by item, rolling a failed one back to a copy taken before it
started, so two concurrent writes could both pass their conditions or undo each other.
DynamoDB applies each conditional write and transaction atomically, so the local stack must
too. This runs the same application as
`moto_server`, on the same threaded server (so a slow or idle connection blocks nobody),
with every request handled under one lock. The Python GIL left moto no real parallelism to
lose.

Usage: python moto_serial.py HOST PORT
"""

import os
import sys
import threading

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # The whole body is produced under the lock: a lazy body would read the backends
            # after the lock is released.
            return list(app(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
