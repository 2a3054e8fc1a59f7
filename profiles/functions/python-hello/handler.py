"""Minimal Python function for coldprobe's emulator: returns a greeting, its request id and the event."""


def handler(event, context):
    print("python-hello invoked", context.aws_request_id)
    return {"message": "hello from python", "requestId": context.aws_request_id, "event": event}
