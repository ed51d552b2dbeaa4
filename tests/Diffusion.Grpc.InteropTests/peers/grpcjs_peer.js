#!/usr/bin/env node
// A @grpc/grpc-js (Node) peer for our transport's interop tests.
//   node grpcjs_peer.js server                                  serve grpc.testing.TestService on a free
//                                                               127.0.0.1 port, print "LISTENING <port>",
//                                                               run until stdin closes
//   node grpcjs_peer.js client --target HOST:PORT --cases a,b   run interop cases; one JSON line per case
// Messages come from protos/grpc/testing/interop.proto through @grpc/proto-loader.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \u{1F608}\t\n';
const PERCENT_MESSAGE = '100% done, %41 is not A, %zz, trailing %';
const LARGE = 1024 * 1024;
const MAX_MESSAGE = 16 * 1024 * 1024;
const OPTIONS = { 'grpc.max_receive_message_length': MAX_MESSAGE, 'grpc.max_send_message_length': MAX_MESSAGE };

const protos = path.resolve(__dirname, '../../../protos');
const definition = protoLoader.loadSync('grpc/testing/interop.proto', {
  includeDirs: [protos], keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;

function args() {
  const result = { mode: process.argv[2] };
  for (let i = 3; i < process.argv.length; i += 2) result[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  return result;
}

// ------------------------------------------------------------------------------------------- server

function payload(size) { return { body: Buffer.alloc(size) }; }

function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL);
  if (initial.length) {
    const md = new grpc.Metadata();
    md.set(ECHO_INITIAL, initial[0]);
    call.sendMetadata(md);
  }
  const trailers = new grpc.Metadata();
  const trailing = call.metadata.get(ECHO_TRAILING);
  if (trailing.length) trailers.set(ECHO_TRAILING, trailing[0]);
  return trailers;
}

function statusError(status, trailers) {
  return status && status.code ? { code: status.code, details: status.message, metadata: trailers } : null;
}

function serve() {
  const server = new grpc.Server(OPTIONS);
  server.addService(testing.TestService.service, {
    EmptyCall(call, callback) { callback(null, {}); },
    UnaryCall(call, callback) {
      const trailers = echoMetadata(call);
      const error = statusError(call.request.response_status, trailers);
      if (error) return callback(error);
      callback(null, { payload: payload(call.request.response_size) }, trailers);
    },
    StreamingOutputCall(call) {
      const trailers = echoMetadata(call);
      const params = call.request.response_parameters;
      let i = 0;
      const next = () => {
        if (i === params.length) {
          const error = statusError(call.request.response_status, trailers);
          return error ? call.emit('error', error) : call.end(trailers);
        }
        const p = params[i++];
        setTimeout(() => { call.write({ payload: payload(p.size) }); next(); }, p.interval_us / 1000);
      };
      next();
    },
    FullDuplexCall(call) {
      const trailers = echoMetadata(call);
      call.on('data', (request) => {
        const error = statusError(request.response_status, trailers);
        if (error) return call.emit('error', error);
        for (const p of request.response_parameters) call.write({ payload: payload(p.size) });
      });
      call.on('end', () => call.end(trailers));
      call.on('error', () => {});
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) { console.error(error); process.exit(1); }
    console.log(`LISTENING ${port}`);
  });
  // The test holds our stdin; EOF means it is done (or gone).
  process.stdin.resume();
  process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
}

// ------------------------------------------------------------------------------------------- client

class Failure extends Error {}
function check(condition, message) { if (!condition) throw new Failure(message); }
function deadline(ms) { return { deadline: Date.now() + ms }; }
const codeName = (code) => Object.keys(grpc.status).find((k) => grpc.status[k] === code);

function unary(client, method, request, metadata = new grpc.Metadata(), options = deadline(30000)) {
  return new Promise((resolve, reject) => {
    let initial = null;
    const call = client[method](request, metadata, options, (error, response) => {
      if (error) reject(error); else resolve({ response, call, initial });
    });
    call.on('metadata', (md) => { initial = md; });
    call.on('status', (status) => { call.trailers = status.metadata; });
  });
}

async function expectError(promise) {
  try { await promise; } catch (error) { if (error instanceof Failure) throw error; return error; }
  throw new Failure('the call succeeded, expected an error status');
}

// Reads a duplex/stream call to its end: responses, initial metadata, status.
function drain(call) {
  return new Promise((resolve) => {
    const responses = [];
    let initial = null;
    let error = null;
    call.on('metadata', (md) => { initial = md; });
    call.on('data', (r) => responses.push(r));
    call.on('error', (e) => { error = e; });
    call.on('status', (status) => resolve({ responses, initial, status, error }));
  });
}

const cases = {
  async empty_unary(c) { await unary(c.plain, 'EmptyCall', {}); },
  async large_unary(c) {
    const { response } = await unary(c.plain, 'UnaryCall', { response_size: LARGE, payload: payload(LARGE) });
    check(response.payload.body.length === LARGE, `payload of ${response.payload.body.length} bytes`);
  },
  async server_streaming(c) {
    const sizes = [31415, 9, 2653, 58979];
    const call = c.plain.StreamingOutputCall({ response_parameters: sizes.map((size) => ({ size })) }, deadline(30000));
    const { responses, status } = await drain(call);
    check(status.code === grpc.status.OK, `status ${codeName(status.code)}`);
    check(JSON.stringify(responses.map((r) => r.payload.body.length)) === JSON.stringify(sizes), 'wrong sizes');
  },
  async cancel_after_first_response(c) {
    const call = c.plain.FullDuplexCall(deadline(30000));
    const done = drain(call);
    const first = new Promise((resolve) => call.once('data', resolve));
    call.write({ payload: payload(27182), response_parameters: [{ size: 31415 }] });
    const response = await first;
    check(response.payload.body.length === 31415, 'first response has the wrong size');
    call.cancel();
    const { status } = await done;
    check(status.code === grpc.status.CANCELLED, `status ${codeName(status.code)}`);
  },
  async timeout_on_sleeping_server(c) {
    const call = c.plain.FullDuplexCall(deadline(1));
    const done = drain(call);
    call.write({ payload: payload(27182) });
    const { status } = await done;
    check(status.code === grpc.status.DEADLINE_EXCEEDED, `status ${codeName(status.code)}`);
  },
  async status_code_and_message(c) {
    const response_status = { code: 2, message: 'test status message' };
    const error = await expectError(unary(c.plain, 'UnaryCall', { response_status }));
    check(error.code === grpc.status.UNKNOWN && error.details === 'test status message', `unary: ${codeName(error.code)} ${JSON.stringify(error.details)}`);
    const call = c.plain.FullDuplexCall(deadline(30000));
    const done = drain(call);
    call.write({ response_status });
    call.end();
    const { status } = await done;
    check(status.code === grpc.status.UNKNOWN && status.details === 'test status message', `duplex: ${codeName(status.code)} ${JSON.stringify(status.details)}`);
  },
  async special_status_message(c) {
    for (const message of [SPECIAL_MESSAGE, PERCENT_MESSAGE]) {
      const error = await expectError(unary(c.plain, 'UnaryCall', { response_status: { code: 2, message } }));
      check(error.code === grpc.status.UNKNOWN, `status ${codeName(error.code)}`);
      check(error.details === message, `message ${JSON.stringify(error.details)}, expected ${JSON.stringify(message)}`);
    }
  },
  async custom_metadata(c) {
    const md = () => {
      const m = new grpc.Metadata();
      m.set(ECHO_INITIAL, 'test_initial_metadata_value');
      m.set(ECHO_TRAILING, Buffer.from([0xab, 0xab, 0xab]));
      return m;
    };
    const checkEcho = (what, initial, trailers) => {
      check(initial && initial.get(ECHO_INITIAL)[0] === 'test_initial_metadata_value', `${what}: initial metadata`);
      const t = trailers && trailers.get(ECHO_TRAILING)[0];
      check(t && Buffer.compare(t, Buffer.from([0xab, 0xab, 0xab])) === 0, `${what}: trailing metadata`);
    };
    const result = await unary(c.plain, 'UnaryCall', { response_size: 314159, payload: payload(271828) }, md());
    checkEcho('unary', result.initial, result.call.trailers);
    const call = c.plain.FullDuplexCall(md(), deadline(30000));
    const done = drain(call);
    call.write({ payload: payload(271828), response_parameters: [{ size: 314159 }] });
    call.end();
    const { responses, initial, status } = await done;
    check(responses.length === 1, `${responses.length} responses`);
    checkEcho('duplex', initial, status.metadata);
  },
  async unimplemented_method(c) {
    const error = await expectError(unary(c.plain, 'UnimplementedCall', {}));
    check(error.code === grpc.status.UNIMPLEMENTED, `status ${codeName(error.code)}`);
  },
  async unimplemented_service(c) {
    const error = await expectError(unary(c.unimplemented, 'UnimplementedCall', {}));
    check(error.code === grpc.status.UNIMPLEMENTED, `status ${codeName(error.code)}`);
  },
  async client_compressed_unary(c) {
    const request = { response_size: 314159, payload: payload(LARGE), expect_compressed: { value: true } };
    const { response } = await unary(c.gzip, 'UnaryCall', request);
    check(response.payload.body.length === 314159, 'wrong response size');
  },
};

async function runCases(target, names) {
  const insecure = grpc.credentials.createInsecure();
  const c = {
    plain: new testing.TestService(target, insecure, OPTIONS),
    // grpc-js compression algorithms: 0 identity, 1 deflate, 2 gzip.
    gzip: new testing.TestService(target, insecure, { ...OPTIONS, 'grpc.default_compression_algorithm': 2 }),
    unimplemented: new testing.UnimplementedService(target, insecure, OPTIONS),
  };
  let failed = 0;
  for (const name of names) {
    try {
      await cases[name](c);
      console.log(JSON.stringify({ case: name, ok: true }));
    } catch (error) {
      failed++;
      console.log(JSON.stringify({ case: name, ok: false, error: `${error.constructor.name}: ${error.message}` }));
    }
  }
  Object.values(c).forEach((client) => client.close());
  process.exit(failed ? 1 : 0);
}

const a = args();
if (a.mode === 'server') serve();
else if (a.mode === 'client') runCases(a.target, (a.cases || '').split(',').filter(Boolean));
else { console.error('usage: grpcjs_peer.js server | client --target HOST:PORT --cases a,b'); process.exit(2); }
