// A minimal LDAP server speaking just enough BER to script what real servers rarely do on
// demand: never answer (timeouts), answer a search with timeLimitExceeded after one entry, or
// drop every connection while requests are in flight.
import * as net from 'node:net';

export type Script =
  /** Reads requests and never answers. */
  | 'silent'
  /** Bind: success. Search: one entry `cn=partial,dc=example,dc=org`, then timeLimitExceeded (3). */
  | 'time-limit';

export interface ScriptedServer {
  url: string;
  /** Requests received so far (any operation). */
  readonly requests: number;
  /** Destroys every client connection (the server keeps listening). */
  dropConnections(): void;
  close(): Promise<void>;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  return n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value]);
}

function message(id: Buffer, op: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([tlv(0x02, id), op]));
}

function result(tag: number, code: number, diagnostic = ''): Buffer {
  return tlv(tag, Buffer.concat([tlv(0x0a, Buffer.from([code])), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from(diagnostic))]));
}

/** Splits complete BER messages off `buffer`; returns them with the rest. */
function frames(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const first = buffer[offset + 1];
    const lengthBytes = first < 0x80 ? 0 : first & 0x7f;
    if (buffer.length - offset < 2 + lengthBytes) break;
    let size = first;
    if (lengthBytes > 0) {
      size = 0;
      for (let i = 0; i < lengthBytes; i++) size = size * 256 + buffer[offset + 2 + i];
    }
    const end = offset + 2 + lengthBytes + size;
    if (buffer.length < end) break;
    messages.push(buffer.subarray(offset, end));
    offset = end;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      const { messages, rest } = frames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const m of messages) {
        requests++;
        if (script === 'silent') continue;
        // SEQUENCE { messageID INTEGER, protocolOp }: lengths here are short-form or 0x81/0x82.
        const header = m[1] < 0x80 ? 2 : 2 + (m[1] & 0x7f);
        const idLength = m[header + 1];
        const id = m.subarray(header + 2, header + 2 + idLength);
        const op = m[header + 2 + idLength];
        if (op === 0x60) socket.write(message(id, result(0x61, 0)));
        if (op === 0x63) {
          const entry = tlv(0x64, Buffer.concat([tlv(0x04, Buffer.from('cn=partial,dc=example,dc=org')), tlv(0x30, Buffer.alloc(0))]));
          socket.write(Buffer.concat([message(id, entry), message(id, result(0x65, 3, 'time limit of the scripted server'))]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
