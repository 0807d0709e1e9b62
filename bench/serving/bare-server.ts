/**
 * The HTTP limit of this machine: a bare Node HTTP server that reads the request body and answers a constant OIP
 * infer response of the same shape as the model server's. Prints `listening on <url>`; stops on SIGTERM.
 */
import http from 'node:http';

const RESPONSE = Buffer.from(
  JSON.stringify({
    model_name: 'seattle',
    model_version: '1',
    id: '00000000-0000-4000-8000-000000000000',
    outputs: [{ name: 'prediction', shape: [1, 1], datatype: 'FP32', data: [12.345678] }],
  }),
);

const server = http.createServer((request, response) => {
  request.on('data', () => undefined);
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': RESPONSE.length });
    response.end(RESPONSE);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('bare server has no TCP address');
  console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
