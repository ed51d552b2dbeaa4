#!/usr/bin/env python3
"""A grpcio (Python) peer for our transport's interop tests and benchmark.

  grpcio_peer.py server --descriptors FILE              serve grpc.testing.TestService on a free
                                                        127.0.0.1 port, print "LISTENING <port>", and
                                                        run until stdin closes (so it never outlives
                                                        the test that started it)
  grpcio_peer.py client --descriptors FILE --target HOST:PORT --cases a,b,c
                                                        run interop cases; one JSON line per case
  grpcio_peer.py bench --descriptors FILE --target HOST:PORT --iterations N --warmup W
                                                        time unary 64 KiB / 1 MiB and a 100-message
                                                        stream; one JSON line of samples (microseconds)

Messages come from a FileDescriptorSet of protos/grpc/testing/interop.proto (written by the test),
because Debian's python3-grpcio ships without grpc_tools to generate code.
"""
import argparse
import json
import queue
import sys
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE = "grpc.testing.TestService"
ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n"
PERCENT_MESSAGE = "100% done, %41 is not A, %zz, trailing %"
LARGE = 1024 * 1024
MAX_MESSAGE = 16 * 1024 * 1024
OPTIONS = [("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)]
CODES = {code.value[0]: code for code in grpc.StatusCode}


class Messages:
    def __init__(self, path):
        files = descriptor_pb2.FileDescriptorSet()
        with open(path, "rb") as f:
            files.ParseFromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for file in files.file:
            pool.Add(file)
        factory = message_factory.MessageFactory(pool)
        for name in ("Empty", "SimpleRequest", "SimpleResponse", "StreamingOutputCallRequest",
                     "StreamingOutputCallResponse", "Payload", "ResponseParameters", "EchoStatus", "BoolValue"):
            descriptor = pool.FindMessageTypeByName("grpc.testing." + name)
            cls = (message_factory.GetMessageClass(descriptor) if hasattr(message_factory, "GetMessageClass")
                   else factory.GetPrototype(descriptor))
            setattr(self, name, cls)


# ---------------------------------------------------------------------------------------------- server

def make_server(m):
    def echo_metadata(context):
        metadata = dict(context.invocation_metadata())
        if ECHO_INITIAL in metadata:
            context.send_initial_metadata(((ECHO_INITIAL, metadata[ECHO_INITIAL]),))
        if ECHO_TRAILING in metadata:
            context.set_trailing_metadata(((ECHO_TRAILING, metadata[ECHO_TRAILING]),))

    def maybe_abort(status, context):
        if status is not None and status.code != 0:
            context.abort(CODES[status.code], status.message)

    def empty_call(request, context):
        return m.Empty()

    def unary_call(request, context):
        echo_metadata(context)
        maybe_abort(request.response_status if request.HasField("response_status") else None, context)
        return m.SimpleResponse(payload=m.Payload(body=bytes(request.response_size)))

    def streaming_output_call(request, context):
        echo_metadata(context)
        for parameters in request.response_parameters:
            if parameters.interval_us:
                time.sleep(parameters.interval_us / 1e6)
            yield m.StreamingOutputCallResponse(payload=m.Payload(body=bytes(parameters.size)))
        maybe_abort(request.response_status if request.HasField("response_status") else None, context)

    def full_duplex_call(requests, context):
        echo_metadata(context)
        for request in requests:
            maybe_abort(request.response_status if request.HasField("response_status") else None, context)
            for parameters in request.response_parameters:
                if parameters.interval_us:
                    time.sleep(parameters.interval_us / 1e6)
                yield m.StreamingOutputCallResponse(payload=m.Payload(body=bytes(parameters.size)))

    def handler(kind, fn, req, resp):
        return kind(fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString)

    handlers = {
        "EmptyCall": handler(grpc.unary_unary_rpc_method_handler, empty_call, m.Empty, m.Empty),
        "UnaryCall": handler(grpc.unary_unary_rpc_method_handler, unary_call, m.SimpleRequest, m.SimpleResponse),
        "StreamingOutputCall": handler(grpc.unary_stream_rpc_method_handler, streaming_output_call,
                                       m.StreamingOutputCallRequest, m.StreamingOutputCallResponse),
        "FullDuplexCall": handler(grpc.stream_stream_rpc_method_handler, full_duplex_call,
                                  m.StreamingOutputCallRequest, m.StreamingOutputCallResponse),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=OPTIONS)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    return server


def serve(m):
    server = make_server(m)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"LISTENING {port}", flush=True)
    sys.stdin.read()  # the test holds our stdin; EOF means it is done (or gone)
    server.stop(0)


# ---------------------------------------------------------------------------------------------- client

class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def expect_error(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e
    raise Failure("the call succeeded, expected an error status")


class Client:
    def __init__(self, m, target):
        self.m = m
        self.channel = grpc.insecure_channel(target, options=OPTIONS)
        path = "/" + SERVICE + "/"
        self.empty = self.channel.unary_unary(path + "EmptyCall", m.Empty.SerializeToString, m.Empty.FromString)
        self.unary = self.channel.unary_unary(path + "UnaryCall", m.SimpleRequest.SerializeToString, m.SimpleResponse.FromString)
        self.stream = self.channel.unary_stream(path + "StreamingOutputCall", m.StreamingOutputCallRequest.SerializeToString,
                                                m.StreamingOutputCallResponse.FromString)
        self.duplex = self.channel.stream_stream(path + "FullDuplexCall", m.StreamingOutputCallRequest.SerializeToString,
                                                 m.StreamingOutputCallResponse.FromString)
        self.unimplemented = self.channel.unary_unary(path + "UnimplementedCall", m.Empty.SerializeToString, m.Empty.FromString)
        self.unimplemented_service_call = self.channel.unary_unary("/grpc.testing.UnimplementedService/UnimplementedCall",
                                                              m.Empty.SerializeToString, m.Empty.FromString)

    def empty_unary(self):
        check(self.empty(self.m.Empty(), timeout=30).ByteSize() == 0, "non-empty response")

    def large_unary(self):
        response = self.unary(self.m.SimpleRequest(response_size=LARGE, payload=self.m.Payload(body=bytes(LARGE))), timeout=30)
        check(len(response.payload.body) == LARGE, f"payload of {len(response.payload.body)} bytes")

    def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        request = self.m.StreamingOutputCallRequest(response_parameters=[self.m.ResponseParameters(size=s) for s in sizes])
        received = [len(r.payload.body) for r in self.stream(request, timeout=30)]
        check(received == sizes, f"sizes {received}")

    def cancel_after_first_response(self):
        requests = queue.Queue()
        call = self.duplex(iter(requests.get, None), timeout=30)
        requests.put(self.m.StreamingOutputCallRequest(payload=self.m.Payload(body=bytes(27182)),
                                                       response_parameters=[self.m.ResponseParameters(size=31415)]))
        first = next(call)
        check(len(first.payload.body) == 31415, "first response has the wrong size")
        call.cancel()
        error = expect_error(lambda: next(call))
        check(error.code() == grpc.StatusCode.CANCELLED, f"status {error.code()}")
        requests.put(None)

    def timeout_on_sleeping_server(self):
        requests = queue.Queue()
        call = self.duplex(iter(requests.get, None), timeout=0.001)
        requests.put(self.m.StreamingOutputCallRequest(payload=self.m.Payload(body=bytes(27182))))
        error = expect_error(lambda: next(call))
        check(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, f"status {error.code()}")
        requests.put(None)

    def status_code_and_message(self):
        status = self.m.EchoStatus(code=2, message="test status message")
        error = expect_error(lambda: self.unary(self.m.SimpleRequest(response_status=status), timeout=30))
        check(error.code() == grpc.StatusCode.UNKNOWN and error.details() == "test status message",
              f"unary: {error.code()} {error.details()!r}")
        call = self.duplex(iter([self.m.StreamingOutputCallRequest(response_status=status)]), timeout=30)
        error = expect_error(lambda: list(call))
        check(error.code() == grpc.StatusCode.UNKNOWN and error.details() == "test status message",
              f"duplex: {error.code()} {error.details()!r}")

    def special_status_message(self):
        for message in (SPECIAL_MESSAGE, PERCENT_MESSAGE):
            status = self.m.EchoStatus(code=2, message=message)
            error = expect_error(lambda: self.unary(self.m.SimpleRequest(response_status=status), timeout=30))
            check(error.code() == grpc.StatusCode.UNKNOWN, f"status {error.code()}")
            check(error.details() == message, f"message {error.details()!r}, expected {message!r}")

    def custom_metadata(self):
        metadata = ((ECHO_INITIAL, "test_initial_metadata_value"), (ECHO_TRAILING, b"\xab\xab\xab"))

        def check_echo(what, initial, trailing):
            initial, trailing = dict(initial), dict(trailing)
            check(initial.get(ECHO_INITIAL) == "test_initial_metadata_value", f"{what}: initial {initial}")
            check(trailing.get(ECHO_TRAILING) == b"\xab\xab\xab", f"{what}: trailing {trailing}")

        request = self.m.SimpleRequest(response_size=314159, payload=self.m.Payload(body=bytes(271828)))
        _, call = self.unary.with_call(request, metadata=metadata, timeout=30)
        check_echo("unary", call.initial_metadata(), call.trailing_metadata())
        stream_request = self.m.StreamingOutputCallRequest(payload=self.m.Payload(body=bytes(271828)),
                                                           response_parameters=[self.m.ResponseParameters(size=314159)])
        call = self.duplex(iter([stream_request]), metadata=metadata, timeout=30)
        responses = list(call)
        check(len(responses) == 1, f"{len(responses)} responses")
        check_echo("duplex", call.initial_metadata(), call.trailing_metadata())

    def unimplemented_method(self):
        error = expect_error(lambda: self.unimplemented(self.m.Empty(), timeout=30))
        check(error.code() == grpc.StatusCode.UNIMPLEMENTED, f"status {error.code()}")

    def unimplemented_service(self):
        error = expect_error(lambda: self.unimplemented_service_call(self.m.Empty(), timeout=30))
        check(error.code() == grpc.StatusCode.UNIMPLEMENTED, f"status {error.code()}")

    def client_compressed_unary(self):
        request = self.m.SimpleRequest(response_size=314159, payload=self.m.Payload(body=bytes(LARGE)),
                                       expect_compressed=self.m.BoolValue(value=True))
        response = self.unary(request, timeout=30, compression=grpc.Compression.Gzip)
        check(len(response.payload.body) == 314159, "wrong response size")


def run_cases(m, target, cases):
    client = Client(m, target)
    failed = 0
    for name in cases:
        try:
            getattr(client, name)()
            result = {"case": name, "ok": True}
        except Exception as e:  # report every failure, keep going
            failed += 1
            result = {"case": name, "ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)
    return 1 if failed else 0


def bench(m, target, iterations, warmup):
    client = Client(m, target)
    results = {}

    def timed(name, fn):
        for _ in range(warmup):
            fn()
        samples = []
        for _ in range(iterations):
            start = time.perf_counter_ns()
            fn()
            samples.append((time.perf_counter_ns() - start) / 1000)
        results[name] = {"samples_us": samples}

    for size, name in ((64 * 1024, "unary_64k"), (LARGE, "unary_1m")):
        request = m.SimpleRequest(response_size=size, payload=m.Payload(body=bytes(size)))
        timed(name, lambda: client.unary(request, timeout=30))
    stream_request = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=16 * 1024)] * 100)
    timed("stream_100x16k", lambda: sum(1 for _ in client.stream(stream_request, timeout=30)))
    print(json.dumps(results), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["server", "client", "bench"])
    parser.add_argument("--descriptors", required=True)
    parser.add_argument("--target")
    parser.add_argument("--cases", default="")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    m = Messages(args.descriptors)
    if args.mode == "server":
        serve(m)
        return 0
    if args.mode == "client":
        return run_cases(m, args.target, [c for c in args.cases.split(",") if c])
    bench(m, args.target, args.iterations, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
