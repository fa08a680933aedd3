// Time from WebSocket open to the first streamed note, over several runs:
//   node --experimental-websocket Scripts/serve/first_note.mjs ws://127.0.0.1:PORT/v1/stream [RUNS]
// (Node 20 needs the flag; Node 22+ has WebSocket built in.) Prints one RESULT line of JSON.
const [url, runsText = "20"] = process.argv.slice(2);
const runs = Number(runsText);
const fromOpen = [], fromConnect = [];

function once(seed) {
  return new Promise((resolve, reject) => {
    const connect = performance.now();
    let opened = 0, first = true;
    const ws = new WebSocket(url);
    const timer = setTimeout(() => { ws.close(); reject(new Error("no answer within 30 s")); }, 30000);
    ws.onopen = () => {
      opened = performance.now();
      ws.send(JSON.stringify({ genre: ["jazz", "pop", "folk"][seed % 3], bars: 1, seed }));
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "note" && first) {
        first = false;
        const now = performance.now();
        fromOpen.push(now - opened);
        fromConnect.push(now - connect);
      } else if (message.type === "finished" || message.type === "error") {
        clearTimeout(timer);
        ws.close();
        if (message.type === "error") reject(new Error(event.data)); else resolve();
      }
    };
    ws.onerror = (error) => { clearTimeout(timer); reject(error); };
  });
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

for (let i = 0; i < runs; i++) await once(i + 1);
console.log("RESULT " + JSON.stringify({
  runs, open_to_first_note_ms: { median: +quantile(fromOpen, 0.5).toFixed(1), p99: +quantile(fromOpen, 0.99).toFixed(1) },
  connect_to_first_note_ms: { median: +quantile(fromConnect, 0.5).toFixed(1), p99: +quantile(fromConnect, 0.99).toFixed(1) },
}));
