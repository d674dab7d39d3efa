// The Lambda runtime's `awslambda` global, as the tests stand it in, for the bench's Lambda processes:
// a streamed answer is the prelude (status and headers as JSON), 8 NUL bytes, then the body.
export const NULS = Buffer.alloc(8);

globalThis.awslambda = {
  streamifyResponse: (fn) => fn,
  HttpResponseStream: {
    from: (stream, prelude) => {
      stream.write(JSON.stringify(prelude));
      stream.write(NULS);
      return stream;
    },
  },
};
