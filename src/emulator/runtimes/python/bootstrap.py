"""coldprobe's Python runtime for the bundled Lambda emulator: standard library only, so it starts fast.

Loads `module.function` from LAMBDA_TASK_ROOT (`_HANDLER`), then runs the Lambda Runtime API loop
(2018-06-01: GET /next, POST /response or /error) over one keep-alive HTTP connection. Init failures go to
/init/error (Runtime.ImportModuleError, Runtime.HandlerNotFound) and the process exits, as Lambda's runtime does.
Errors use Python's Lambda shape: {"errorMessage","errorType","requestId","stackTrace"}.
"""
import importlib
import json
import os
import socket
import sys
import time

API_PREFIX = "/2018-06-01/runtime"


class Response:
    """Status and headers of one Runtime API response (header names are case-insensitive, as in http.client)."""

    def __init__(self, status, headers):
        self.status = status
        self._headers = headers

    def getheader(self, name, default=None):
        return self._headers.get(name.lower(), default)


class RuntimeApi:
    """One keep-alive HTTP/1.1 connection to the Runtime API, on a plain socket; reconnects once if it was closed.

    Not http.client: importing it (and the email parser it pulls in) costs ~15 ms of every cold start, and the
    Runtime API needs only requests with a body and responses with a Content-Length.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host
        self.port = int(port)
        self.sock = None
        self.buffer = b""

    def request(self, method, path, body=None, headers=None):
        payload = body or b""
        lines = ["{} {}{} HTTP/1.1".format(method, API_PREFIX, path), "Host: {}:{}".format(self.host, self.port)]
        for name, value in (headers or {}).items():
            lines.append("{}: {}".format(name, value))
        if method != "GET" or payload:
            lines.append("Content-Length: {}".format(len(payload)))
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    # No timeout: GET /next is a long poll that may wait forever.
                    self.sock = socket.create_connection((self.host, self.port))
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.buffer = b""
                self.sock.sendall(message)
                return self._read_response()
            except (ConnectionError, OSError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("Runtime API closed the connection")
        self.buffer += chunk

    def _read_response(self):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Runtime API closed the connection")
            rest += chunk
        self.buffer = rest[length:]
        return status, Response(status, headers), rest[:length]

    def post_json(self, path, document, extra_headers=None):
        body = json.dumps(document).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        headers.update(extra_headers or {})
        return self.request("POST", path, body, headers)


class LambdaContext:
    """The context object handlers receive, with the attributes Lambda's Python runtime provides."""

    def __init__(self, request_id, deadline_ms, invoked_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)


def error_document(error, request_id=None, error_type=None):
    import traceback  # only on the error path: keeps cold start lean

    frames = traceback.extract_tb(error.__traceback__)
    document = {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": [line for line in traceback.format_list(frames)],
    }
    if request_id is not None:
        document["requestId"] = request_id
    return document


def init_error(api, error_type, message, error=None):
    document = error_document(error, error_type=error_type) if error is not None else {
        "errorMessage": message,
        "errorType": error_type,
        "stackTrace": [],
    }
    document["errorMessage"] = message
    print("[ERROR] {}: {}".format(error_type, message), file=sys.stderr, flush=True)
    api.post_json("/init/error", document, {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def load_handler(api):
    handler_name = os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    module_name, _, function_name = handler_name.rpartition(".")
    if not module_name or not function_name:
        init_error(api, "Runtime.MalformedHandlerName",
                   "Bad handler '{}': not enough values to unpack (expected 2, got 1)".format(handler_name))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        # No stack: it would only show this bootstrap and importlib, as Lambda's own runtime also omits it.
        init_error(api, "Runtime.ImportModuleError", "Unable to import module '{}': {}".format(module_name, error))
    except SyntaxError as error:
        init_error(api, "Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(module_name, error), error)
    except Exception as error:  # an exception raised by the module's own init code
        init_error(api, "Runtime.ImportModuleError",
                   "Unable to import module '{}': {}".format(module_name, error), error)
    handler = getattr(module, function_name, None)
    if handler is None or not callable(handler):
        init_error(api, "Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(function_name, module_name))
    return handler


def parse_json_header(value):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def serve(api, handler):
    while True:
        status, response, body = api.request("GET", "/invocation/next")
        if status != 200:
            print("[ERROR] Runtime API /next returned {}".format(status), file=sys.stderr, flush=True)
            sys.exit(1)
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id", "")
        deadline_ms = int(response.getheader("Lambda-Runtime-Deadline-Ms", "0") or 0)
        invoked_arn = response.getheader("Lambda-Runtime-Invoked-Function-Arn", "")
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        context = LambdaContext(
            request_id,
            deadline_ms,
            invoked_arn,
            parse_json_header(response.getheader("Lambda-Runtime-Client-Context")),
            parse_json_header(response.getheader("Lambda-Runtime-Cognito-Identity")),
        )
        try:
            event = json.loads(body) if body else {}
            result = handler(event, context)
        except Exception as error:  # the function's error, reported as Lambda's Python runtime does
            document = error_document(error, request_id)
            print("[ERROR] {}: {}".format(document["errorType"], document["errorMessage"]), file=sys.stderr, flush=True)
            api.post_json("/invocation/{}/error".format(request_id), document)
            continue
        try:
            payload = json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as error:
            document = {
                "errorMessage": "Unable to marshal response: {}".format(error),
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            api.post_json("/invocation/{}/error".format(request_id), document,
                          {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError"})
            continue
        api.request("POST", "/invocation/{}/response".format(request_id), payload, {"Content-Type": "application/json"})


def main():
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        print("AWS_LAMBDA_RUNTIME_API is not set", file=sys.stderr)
        sys.exit(1)
    api = RuntimeApi(address)
    handler = load_handler(api)
    serve(api, handler)


if __name__ == "__main__":
    main()
