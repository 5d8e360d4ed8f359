// autocannon in one long-lived Node.js process for all of a bench's runs (see load.ts): one
// process a run paid Node's start and autocannon's module loading, ~0.35 s of wall time and
// CPU each, which landed in the generator's CPU figure and made most of the smoke's length.
//
// Reads one JSON object a line on stdin ({ url, method, headers, body, connections, seconds,
// sampleMs }), runs autocannon with it, and writes one JSON line to stdout: autocannon's result
// (the object its --json prints) with the CPU this process used during the run, or { error }.
// Exits when stdin ends.
import autocannon from "autocannon";
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let answer;
  try {
    const run = JSON.parse(line);
    const cpu0 = process.cpuUsage();
    const result = await autocannon({
      url: run.url,
      method: run.method,
      headers: run.headers,
      body: run.body,
      connections: run.connections,
      duration: run.seconds,
      sampleInt: run.sampleMs,
    });
    const cpu = process.cpuUsage(cpu0);
    answer = { result, cpuMicros: cpu.user + cpu.system };
  } catch (error) {
    answer = { error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
