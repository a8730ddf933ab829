"""Daphne and request bodies: refuse one that is too big while it arrives.

Daphne (through Twisted) receives a whole request body before the application is called, and
then queues all of it in memory for the application at once (daphne/http_protocol.py,
WebRequest.process). An ASGI middleware's 413 would come only after a 200 MB upload had been
taken into memory. So, when Daphne serves the site, its request class refuses a body past the
limit as soon as its declared length, or the bytes received so far, say so: a 413, then the
connection closes. (Uvicorn streams the body to the application, where ops.asgi.WholeBodies
refuses it.)
"""

import json


def refuse_large_bodies(max_bytes: int) -> None:
    from daphne.http_protocol import WebRequest

    if getattr(WebRequest, "body_limit", None) is not None:
        WebRequest.body_limit = max_bytes
        return
    got_length, content_chunk, process = (
        WebRequest.gotLength,
        WebRequest.handleContentChunk,
        WebRequest.process,
    )

    def gotLength(self, length):  # Twisted's name
        self.body_received = 0
        self.body_refused = False
        got_length(self, length)
        if length is not None and length > self.body_limit:
            refuse(self)

    def handleContentChunk(self, data):  # Twisted's name
        if self.body_refused:
            return
        self.body_received += len(data)
        if self.body_received > self.body_limit:
            refuse(self)
            return
        content_chunk(self, data)

    def guarded_process(self):
        if getattr(self, "body_refused", False):
            return None
        return process(self)

    WebRequest.body_limit = max_bytes
    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest.process = guarded_process


def refuse(request) -> None:
    request.body_refused = True
    megabytes = request.body_limit // (1024 * 1024)
    body = json.dumps({"error": f"The request body is larger than {megabytes} MB."}).encode()
    request.channel.transport.write(
        b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    request.channel.transport.loseConnection()
