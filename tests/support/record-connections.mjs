// Preloaded (node --import) into a hub process under test: appends every outbound connection attempt and
// DNS lookup to the file named by RECORD_CONNECTIONS_FILE, one JSON line each, and refuses any that does
// not stay on this machine, so that a regression is seen without sending traffic anywhere.
import dns from "node:dns";
import { appendFileSync } from "node:fs";
import net from "node:net";

const file = process.env.RECORD_CONNECTIONS_FILE;
const record = (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: args[1] };
  if (options.path) {
    record({ kind: "connect", path: String(options.path) });
    return connect.apply(this, args);
  }
  const host = options.host ?? "localhost";
  record({ kind: "connect", host, port: Number(options.port) });
  if (!LOOPBACK.has(host)) {
    process.nextTick(() => this.destroy(new Error(`connection to ${host} refused by the test's recorder`)));
    return this;
  }
  return connect.apply(this, args);
};

for (const target of [dns, dns.promises]) {
  const lookup = target.lookup;
  target.lookup = function (hostname, ...rest) {
    record({ kind: "lookup", host: hostname });
    if (!LOOPBACK.has(hostname)) {
      const error = Object.assign(new Error(`lookup of ${hostname} refused by the test's recorder`), { code: "ENOTFOUND" });
      const callback = rest.find((arg) => typeof arg === "function");
      if (callback) return void process.nextTick(() => callback(error));
      return Promise.reject(error);
    }
    return lookup.call(this, hostname, ...rest);
  };
}
