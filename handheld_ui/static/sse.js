// Server-Sent Events over fetch, so the bearer token goes in a header (never in a URL),
// with reconnects: each event is a whole view, so a reconnect needs no replay.

/**
 * Open a stream and keep it open. onEvent(name, data) per event; onState("open"|"down")
 * when the connection comes or goes. Returns a function that closes it for good.
 */
export function openStream(url, headers, onEvent, onState, { quietLimitMs = 40000 } = {}) {
  let stopped = false;
  let controller = null;
  let retryMs = 500;

  async function run() {
    while (!stopped) {
      controller = new AbortController();
      let quietTimer = null;
      const armQuietTimer = () => {
        clearTimeout(quietTimer);
        // Heartbeats come every 15 s: silence this long means the link is dead.
        quietTimer = setTimeout(() => controller.abort(), quietLimitMs);
      };
      try {
        const r = await fetch(url, { headers, signal: controller.signal, cache: "no-store" });
        if (r.status === 401 || r.status === 403) { onState("unauthorized", r.status); return; }
        if (!r.ok || !r.body) throw new Error(`stream: HTTP ${r.status}`);
        onState("open");
        retryMs = 500;
        armQuietTimer();
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          armQuietTimer();
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let name = "message";
            const data = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) name = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
            }
            if (data.length) {
              try { onEvent(name, JSON.parse(data.join("\n"))); } catch (e) { console.error(e); }
            }
          }
        }
      } catch (e) {
        // Network gone, server restarting, or the quiet timer fired: try again shortly.
      } finally {
        clearTimeout(quietTimer);
      }
      if (stopped) return;
      onState("down");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 5000);
    }
  }
  run();
  return () => { stopped = true; if (controller) controller.abort(); };
}
